"""The BFF's parts over fake transports: an issuer and a CMS answering from memory, a settable clock.

The real code runs (token checks, cache, limits, web layer); only the HTTP client is replaced (by
`FakeClient`, which answers through a handler), so these tests need no server. The real client
(bff/http11.py) is tested on its own and, end to end, against Directus.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt

from bff.app import Parts, Readiness, create_app
from bff.apps import parse_apps
from bff.audit import AuditLog
from bff.cms import CmsReader
from bff.http11 import Response, TransportError
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


@dataclass(frozen=True)
class Request:
    """What a fake server sees of a request."""

    method: str
    url: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    json_body: Any = None


def answer(status: int, body: Any = None, headers: dict[str, str] | None = None) -> Response:
    """A fake server's answer; `body` is sent as JSON."""
    content = b"" if body is None else json.dumps(body).encode()
    return Response(status, {"content-type": "application/json", **(headers or {})}, content)


class FakeClient:
    """The Requester interface of bff.http11.Http11Client, answered by `handler`."""

    def __init__(self, origin: str, handler: Callable[[Request], Response]) -> None:
        self.origin = origin
        self.handler = handler

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        json_body: Any = None,
    ) -> Response:
        lowered = {k.lower(): v for k, v in (headers or {}).items()}
        return self.handler(Request(method, self.origin + path, path, dict(params or {}), lowered, json_body))

    async def get_url(self, url: str) -> Response:
        path = url.removeprefix(self.origin.rstrip("/"))
        return await self.request("GET", path)


def kubelet_secret_dir(directory: Path, data: dict[str, str]) -> Path:
    """A directory laid out as the kubelet mounts a Secret: `..data` -> a timestamped dir; one
    symlink per key through it."""
    directory.mkdir(parents=True)
    payload = directory / "..2026_01_01_00_00_00.000000001"
    payload.mkdir()
    for key, value in data.items():
        (payload / key).write_text(value)
    (directory / "..data").symlink_to(payload.name)
    for key in data:
        (directory / key).symlink_to(f"..data/{key}")
    return directory


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
    cms_answer: Callable[[Request], Response] | None = None
    """Replaces the CMS's normal answer (tests of malformed answers)."""
    cms_requests: list[Request] = field(default_factory=list)
    jwks_requests: int = 0
    clock: Clock = field(default_factory=Clock)
    audit: io.StringIO = field(default_factory=io.StringIO)

    def issuer(self, request: Request) -> Response:
        if not self.issuer_up:
            raise TransportError("ConnectionRefusedError")
        if request.path == "/.well-known/openid-configuration":
            return answer(200, {"issuer": ISSUER, "jwks_uri": ISSUER + "jwks"})
        if request.path == "/jwks":
            self.jwks_requests += 1
            return answer(200, {"keys": [k.jwk() for k in self.keys]})
        return answer(404)

    def cms(self, request: Request) -> Response:
        self.cms_requests.append(request)
        if not self.cms_up:
            raise TransportError("ConnectionRefusedError")
        if self.cms_answer is not None:
            return self.cms_answer(request)
        if request.headers.get("authorization") != "Bearer cms-read-token":
            return answer(403, {"errors": [{"message": "forbidden"}]})
        name = request.params.get("filter[name][_eq]")
        item = self.items.get(name) if name else None
        return answer(200, {"data": [item] if item else []})

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
        FakeClient(ISSUER.rstrip("/"), world.issuer).get_url,
        ISSUER,
        max_age=300,
        refresh_min_interval=30,
        max_keys=16,
        retries=0,
        clock=world.clock,
    )
    cms = CmsReader(
        FakeClient(CMS, world.cms),
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
