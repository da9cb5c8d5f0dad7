"""What one secret request gets, decided without a web server (the web layer only maps it to HTTP).

Order, cheapest and least revealing first: network allow-list; the client IP's rate limit (before
any token is looked at); the token; the app's rate limit; the app's grant, checked before any cache
or CMS access so a name outside the grant, existing or not, gets the same 403; then the sealed
cache; then the CMS. Anything that cannot be confirmed (CMS or issuer down) is 503, never a stale
value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bff.apps import AppScope
from bff.audit import Decision
from bff.cms import CmsReader, SecretRecord
from bff.metrics import Metrics
from bff.network import Client, NetworkPolicy
from bff.ratelimit import RateLimits
from bff.sealed_cache import SealedCache
from bff.tokens import IssuerUnavailable, TokenRejected, TokenVerifier, client_id
from bff.upstream import UpstreamUnavailable

UNAUTHORIZED = {"error": "unauthorized"}
FORBIDDEN = {"error": "forbidden"}
NOT_FOUND = {"error": "not_found"}
RATE_LIMITED = {"error": "rate_limited"}
UNAVAILABLE = {"error": "unavailable"}
UNAVAILABLE_RETRY_AFTER = 5


@dataclass(frozen=True)
class Outcome:
    """The answer to one request, and what the audit line says about it."""

    status: int
    decision: Decision
    body: dict[str, Any]
    app: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (RFC 6750), else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


def _unauthorized() -> Outcome:
    # RFC 6750 section 3: a 401 names the scheme; the reason stays in the metrics, not the answer.
    return Outcome(
        401, "unauthenticated", UNAUTHORIZED, None, {"WWW-Authenticate": 'Bearer error="invalid_token"'}
    )


class SecretService:
    """The BFF's decision for `GET /v1/secrets/{name}`."""

    def __init__(
        self,
        *,
        network: NetworkPolicy,
        limits: RateLimits,
        verifier: TokenVerifier,
        scope: AppScope,
        cache: SealedCache,
        cms: CmsReader,
        metrics: Metrics,
    ) -> None:
        self.network = network
        self._limits = limits
        self._verifier = verifier
        self._scope = scope
        self._cache = cache
        self._cms = cms
        self._metrics = metrics

    def _deny(self, reason: str, app: str | None) -> None:
        self._metrics.denials.labels(reason, app or "unknown").inc()

    async def get_secret(self, name: str, authorization: str | None, client: Client) -> Outcome:
        if not self.network.allows(client):
            self._deny("network", None)
            return Outcome(403, "network-denied", FORBIDDEN)
        verdict = await self._limits.check_ip(client.label)
        if not verdict.allowed:
            self._deny("rate-limit-ip", None)
            return Outcome(429, "rate-limited-ip", RATE_LIMITED, None, _retry(verdict.retry_after_seconds))

        token = bearer_token(authorization)
        if token is None:
            self._deny("no-token", None)
            return _unauthorized()
        try:
            claims = await self._verifier.verify(token)
        except TokenRejected as rejected:
            self._deny(f"token-{rejected.reason}", None)
            return _unauthorized()
        except IssuerUnavailable:
            self._metrics.failures.labels("issuer").inc()
            return Outcome(503, "unavailable", UNAVAILABLE, None, _retry(UNAVAILABLE_RETRY_AFTER))
        app = client_id(claims)
        grant = self._scope.grant(app) if app is not None else None
        if app is None or grant is None:
            self._deny("unknown-app", None)
            return _unauthorized()

        verdict = await self._limits.check_app(app, grant.rate_limit_per_minute)
        if not verdict.allowed:
            self._deny("rate-limit-app", app)
            return Outcome(429, "rate-limited-app", RATE_LIMITED, app, _retry(verdict.retry_after_seconds))
        if not self._scope.allows(grant, name):
            self._deny("not-granted", app)
            return Outcome(403, "forbidden", FORBIDDEN, app)

        record = self._cache.get(name)
        self._metrics.cache.labels("hit" if record is not None else "miss").inc()
        if record is None:
            try:
                record = await self._cms.fetch(name)
            except UpstreamUnavailable:
                self._metrics.failures.labels("cms").inc()
                return Outcome(503, "unavailable", UNAVAILABLE, app, _retry(UNAVAILABLE_RETRY_AFTER))
            if record is None:
                return Outcome(404, "not-found", NOT_FOUND, app)
            self._cache.put(name, record)
        return Outcome(200, "allowed", _body(record), app)


def _retry(seconds: int) -> dict[str, str]:
    return {"Retry-After": str(seconds)}


def _body(record: SecretRecord) -> dict[str, Any]:
    return {"name": record.name, "version": record.version, "data": dict(record.data)}
