"""The BFF's parts over fake transports: an issuer and a CMS answering from memory, a settable clock.

The real code runs (token checks, cache, limits, web layer); only the network is replaced, with
`httpx.MockTransport`, so these tests need no server.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt

from bff.app import Parts, Readiness, create_app
from bff.apps import parse_apps
from bff.audit import AuditLog
from bff.cms import CmsReader
from bff.metrics import Metrics
from bff.network import NetworkPolicy
from bff.ratelimit import LocalLimiter, RateLimits
from bff.sealed_cache import KeySource, SealedCache
from bff.service import SecretService
from bff.settings import _networks
from bff.tokens import JwksCache, TokenVerifier
from tests.bff._issuer import SigningKey

ISSUER = "https://issuer.test/"
AUDIENCE = "shopper-apps"
CMS = "https://cms.test"
APPS = {
    "shopper-ios": {"secrets": ["maps-api-key", "multi-key", "missing-key"], "rateLimitPerMinute": 1000},
    "shopper-android": {"secrets": ["maps-api-key"], "rateLimitPerMinute": 3},
}
# One RSA key per test session (generating 2048-bit keys is slow); tests add their own when needed.
RSA = SigningKey("rsa-1", "RS256")
EC = SigningKey("ec-1", "ES256")


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class World:
    """What the fake issuer and CMS hold, and what they were asked."""

    keys: list[SigningKey] = field(default_factory=lambda: [RSA, EC])
    items: dict[str, Any] = field(
        default_factory=lambda: {
            "maps-api-key": {"name": "maps-api-key", "version": 3, "data": {"api-key": "maps-value"}},
            "multi-key": {"name": "multi-key", "version": 1, "data": {"username": "u", "password": "p"}},
        }
    )
    issuer_up: bool = True
    cms_up: bool = True
    cms_answer: Callable[[httpx.Request], httpx.Response] | None = None
    """Replaces the CMS's normal answer (tests of malformed answers)."""
    cms_requests: list[httpx.Request] = field(default_factory=list)
    jwks_requests: int = 0
    clock: Clock = field(default_factory=Clock)
    audit: io.StringIO = field(default_factory=io.StringIO)

    def issuer(self, request: httpx.Request) -> httpx.Response:
        if not self.issuer_up:
            raise httpx.ConnectError("issuer down", request=request)
        if request.url.path == "/.well-known/openid-configuration":
            return httpx.Response(200, json={"issuer": ISSUER, "jwks_uri": ISSUER + "jwks"})
        if request.url.path == "/jwks":
            self.jwks_requests += 1
            return httpx.Response(200, json={"keys": [k.jwk() for k in self.keys]})
        return httpx.Response(404)

    def cms(self, request: httpx.Request) -> httpx.Response:
        self.cms_requests.append(request)
        if not self.cms_up:
            raise httpx.ConnectError("cms down", request=request)
        if self.cms_answer is not None:
            return self.cms_answer(request)
        if request.headers.get("authorization") != "Bearer cms-read-token":
            return httpx.Response(403, json={"errors": [{"message": "forbidden"}]})
        name = request.url.params.get("filter[name][_eq]")
        item = self.items.get(name) if name else None
        return httpx.Response(200, json={"data": [item] if item else []})

    def token(self, app: str, key: SigningKey = RSA, kid: str | None = None, **claims: Any) -> str:
        """A token as the issuer would sign it (real time: PyJWT checks `exp` against the wall clock)."""
        issued = int(time.time())
        payload = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "client_id": app,
            "iat": issued,
            "exp": issued + 600,
            **claims,
        }
        payload = {k: v for k, v in payload.items() if v is not None}
        return jwt.encode(payload, key.private, key.alg, headers={"kid": kid or key.kid})

    def audit_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.audit.getvalue().splitlines()]


def build(world: World, *, ttl: float = 60, max_entries: int = 100, ip_limit: int = 1000) -> Parts:
    metrics = Metrics()
    jwks = JwksCache(
        httpx.AsyncClient(base_url=ISSUER, transport=httpx.MockTransport(world.issuer)),
        ISSUER,
        max_age=300,
        refresh_min_interval=30,
        max_keys=16,
        retries=0,
        clock=world.clock,
    )
    cms = CmsReader(
        httpx.AsyncClient(base_url=CMS, transport=httpx.MockTransport(world.cms)),
        "mobile_secrets",
        lambda: b"cms-read-token",
        retries=1,
    )
    material = b"k" * 32
    service = SecretService(
        network=NetworkPolicy(_networks("0.0.0.0/0,::/0"), _networks("10.0.0.0/8")),  # type: ignore[arg-type]
        limits=RateLimits(LocalLimiter(clock=world.clock), ip_limit),
        verifier=TokenVerifier(
            jwks, issuer=ISSUER, audience=AUDIENCE, algorithms=("RS256", "ES256"), leeway_seconds=30
        ),
        scope=parse_apps(json.dumps(APPS)),
        cache=SealedCache(KeySource(lambda: material, lambda: 1), ttl, max_entries, world.clock),
        cms=cms,
        metrics=metrics,
    )
    readiness = Readiness([cms.ready, lambda: jwks.ready(60)], world.clock)
    return Parts(service, readiness, metrics, AuditLog(world.audit))


def app_for(world: World, **options: Any) -> Any:
    return create_app(build(world, **options))
