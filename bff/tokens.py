"""OAuth 2.0 bearer access tokens (JWT): verified against the issuer's published keys.

What is checked (RFC 8725, JWT best current practices; RFC 9068, JWT access tokens):
- the header's `alg` is on an explicit allow-list of asymmetric algorithms, so `none` and any HMAC
  token (including one "signed" with the issuer's public key) are refused before any key is used;
- the key is the issuer's key with that `kid`, of the family the algorithm needs (an RSA key never
  verifies an ES256 token); keys come from the JWKS the discovery document names, cached for
  JWKS_CACHE_SECONDS; an unknown `kid` refreshes them at most once per JWKS_REFRESH_MIN_SECONDS;
- signature, `iss`, `aud`, `exp` (required) and `nbf` (when present), with a small leeway.
The app is the token's client id (`azp` or `client_id`; both present and different: refused).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import jwt

from bff.http11 import Response
from bff.upstream import UpstreamUnavailable, with_retries

MAX_TOKEN_BYTES = 8192
VERIFIED_TOKENS_KEPT = 10_000
MAX_DOCUMENT_BYTES = 262_144
FAILED_REFRESH_BACKOFF_SECONDS = 2.0

# Algorithm -> (kty, crv) of the key it needs (RFC 7518 section 3, RFC 8037).
KEY_FAMILY: dict[str, tuple[str, str | None]] = {
    "RS256": ("RSA", None),
    "RS384": ("RSA", None),
    "RS512": ("RSA", None),
    "PS256": ("RSA", None),
    "PS384": ("RSA", None),
    "PS512": ("RSA", None),
    "ES256": ("EC", "P-256"),
    "ES384": ("EC", "P-384"),
    "EdDSA": ("OKP", "Ed25519"),
}
_DEFAULT_ALG = {"RSA": "RS256", "EC": "ES256", "OKP": "EdDSA"}


class TokenRejected(Exception):
    """The token is not acceptable (-> 401). `reason` is a fixed code, never token content."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class IssuerUnavailable(UpstreamUnavailable):
    """The issuer's keys cannot be had or are too old to trust (-> 503, fail closed)."""


@dataclass(frozen=True)
class VerificationKey:
    """One public key of the issuer."""

    kid: str
    kty: str
    crv: str | None
    alg: str | None
    key: Any

    def fits(self, alg: str) -> bool:
        """Whether this key may verify a token signed with `alg`."""
        family = KEY_FAMILY.get(alg)
        if family is None or (self.alg is not None and self.alg != alg):
            return False
        kty, crv = family
        return self.kty == kty and (crv is None or self.crv == crv)


def parse_jwks(document: object, max_keys: int) -> dict[str, VerificationKey]:
    """The usable signing keys of a JWKS document: asymmetric, `use` sig (or unset), with a `kid`.

    Symmetric (`oct`) keys are skipped without being read; so are malformed keys. At most
    `max_keys` are kept (a bound on memory whatever the issuer publishes).
    """
    keys: dict[str, VerificationKey] = {}
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ValueError("JWKS has no keys list")
    for entry in entries:
        if len(keys) >= max_keys:
            break
        if not isinstance(entry, dict):
            continue
        kty, kid, use, alg = entry.get("kty"), entry.get("kid"), entry.get("use"), entry.get("alg")
        if kty not in _DEFAULT_ALG or not isinstance(kid, str) or not kid or use not in (None, "sig"):
            continue
        if alg is not None and alg not in KEY_FAMILY:
            continue
        try:
            parsed = jwt.PyJWK(entry, algorithm=alg or _DEFAULT_ALG[kty])
        except (jwt.PyJWTError, ValueError, TypeError):
            continue
        crv = entry.get("crv")
        keys.setdefault(
            kid, VerificationKey(kid, kty, crv if isinstance(crv, str) else None, alg, parsed.key)
        )
    return keys


class JwksCache:
    """The issuer's keys: found through discovery, refreshed when stale or on a new `kid`."""

    def __init__(
        self,
        get_url: Callable[[str], Awaitable[Response]],
        issuer: str,
        *,
        max_age: float,
        refresh_min_interval: float,
        max_keys: int,
        retries: int,
        on_refresh: Callable[[str], None] = lambda outcome: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._get_url = get_url
        self._issuer = issuer
        self._max_age = max_age
        self._refresh_min_interval = refresh_min_interval
        self._max_keys = max_keys
        self._retries = retries
        self._on_refresh = on_refresh
        self._clock = clock
        self._keys: dict[str, VerificationKey] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._failed_at: float | None = None
        self._lock = asyncio.Lock()

    @property
    def discovery_url(self) -> str:
        # OpenID Connect Discovery 1.0, section 4: the issuer without a trailing slash, then the path.
        return self._issuer.rstrip("/") + "/.well-known/openid-configuration"

    def _fresh(self, now: float, max_age: float | None = None) -> bool:
        age = self._max_age if max_age is None else max_age
        return self._fetched_at is not None and now - self._fetched_at <= age

    async def _get_json(self, url: str, what: str) -> object:
        response = await with_retries(lambda: self._get_url(url), self._retries, what)
        if response.status != 200 or len(response.content) > MAX_DOCUMENT_BYTES:
            raise IssuerUnavailable(f"{what}: HTTP {response.status}")
        try:
            return response.json()
        except ValueError:
            raise IssuerUnavailable(f"{what}: not JSON") from None

    async def _fetch(self) -> dict[str, VerificationKey]:
        discovery = await self._get_json(self.discovery_url, "issuer discovery")
        if not isinstance(discovery, dict) or discovery.get("issuer") != self._issuer:
            raise IssuerUnavailable("issuer discovery: the document names another issuer")
        jwks_uri = discovery.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri.startswith("https://"):
            raise IssuerUnavailable("issuer discovery: no https jwks_uri")
        try:
            return parse_jwks(await self._get_json(jwks_uri, "issuer JWKS"), self._max_keys)
        except ValueError as error:
            raise IssuerUnavailable(f"issuer JWKS: {error}") from None

    async def _refresh(self, started: float) -> None:
        """Fetch the keys once, unless another request did (or failed to) while this one waited."""
        async with self._lock:
            if self._attempted_at is not None and self._attempted_at >= started:
                return
            if self._failed_at is not None and started - self._failed_at < FAILED_REFRESH_BACKOFF_SECONDS:
                return  # the issuer just failed: answer from what is known instead of piling on
            self._attempted_at = self._clock()
            try:
                keys = await self._fetch()
            except UpstreamUnavailable:
                self._failed_at = self._clock()
                self._on_refresh("failed")
                return
            self._keys, self._fetched_at, self._failed_at = keys, self._clock(), None
            self._on_refresh("ok")

    async def key(self, kid: str) -> VerificationKey:
        """The key with `kid`; TokenRejected("unknown-kid"), or IssuerUnavailable when keys are stale."""
        now = self._clock()
        if not self._fresh(now):
            await self._refresh(now)
            if not self._fresh(self._clock()):
                raise IssuerUnavailable("issuer keys are stale and cannot be refreshed")
        found = self._keys.get(kid)
        if found is None and (
            self._attempted_at is None or now - self._attempted_at >= self._refresh_min_interval
        ):
            await self._refresh(now)
            found = self._keys.get(kid)
        if found is not None:
            return found
        if self._failed_at is not None:  # the last refresh failed: the kid may well be genuine
            raise IssuerUnavailable("issuer keys cannot be refreshed for a new kid")
        raise TokenRejected("unknown-kid")

    async def ready(self, max_age: float) -> bool:
        """Whether keys fetched within `max_age` are held (refreshing them if needed)."""
        now = self._clock()
        if not self._fresh(now, max_age):
            await self._refresh(now)
        return self._fresh(self._clock(), max_age)


_REASONS: tuple[tuple[type[Exception], str], ...] = (
    (jwt.ExpiredSignatureError, "expired"),
    (jwt.ImmatureSignatureError, "not-yet-valid"),
    (jwt.InvalidAudienceError, "audience"),
    (jwt.InvalidIssuerError, "issuer"),
    (jwt.InvalidSignatureError, "signature"),
    (jwt.MissingRequiredClaimError, "claims"),
    (jwt.InvalidAlgorithmError, "algorithm"),
    (jwt.InvalidKeyError, "algorithm"),
)


@dataclass(frozen=True, slots=True)
class _Verified:
    claims: dict[str, Any]
    kid: str
    alg: str
    expires: float
    not_before: float | None


class TokenVerifier:
    """Verifies a bearer token and names the app it was issued to.

    An app sends the same token for minutes; its signature, issuer and audience cannot change, so
    a verified token is remembered (by its SHA-256, never the token itself, at most 10,000). Each
    reuse still checks `exp` and `nbf` against the clock and asks the key cache for its `kid`,
    so a key the issuer withdrew, or keys too old to trust, refuse it exactly as a new token.
    """

    def __init__(
        self,
        keys: JwksCache,
        *,
        issuer: str,
        audience: str,
        algorithms: tuple[str, ...],
        leeway_seconds: float,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._algorithms = frozenset(algorithms)
        self._leeway = leeway_seconds
        self._wall_clock = wall_clock
        self._options: Any = {"require": ["exp", "iss", "aud"], "verify_signature": True}
        self._verified: OrderedDict[bytes, _Verified] = OrderedDict()

    async def verify(self, token: str) -> dict[str, Any]:
        """The token's claims; TokenRejected or IssuerUnavailable otherwise."""
        if not token or len(token) > MAX_TOKEN_BYTES:
            raise TokenRejected("malformed")
        digest = hashlib.sha256(token.encode()).digest()
        known = self._verified.get(digest)
        if known is not None:
            return await self._reuse(digest, known)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TokenRejected("malformed") from None
        alg, kid = header.get("alg"), header.get("kid")
        if not isinstance(alg, str) or alg not in self._algorithms:
            raise TokenRejected("algorithm")
        if not isinstance(kid, str) or not kid or len(kid) > 256:
            raise TokenRejected("unknown-kid")
        key = await self._keys.key(kid)
        if not key.fits(alg):
            raise TokenRejected("algorithm")
        try:
            claims = jwt.decode(
                token,
                key=key.key,
                algorithms=[alg],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options=self._options,
            )
        except jwt.PyJWTError as error:
            reason = next((r for kind, r in _REASONS if isinstance(error, kind)), "invalid")
            raise TokenRejected(reason) from None
        nbf = claims.get("nbf")
        self._verified[digest] = _Verified(
            claims, kid, alg, float(claims["exp"]), float(nbf) if isinstance(nbf, int | float) else None
        )
        while len(self._verified) > VERIFIED_TOKENS_KEPT:
            self._verified.popitem(last=False)
        return claims

    async def _reuse(self, digest: bytes, known: _Verified) -> dict[str, Any]:
        now = self._wall_clock()
        if now >= known.expires + self._leeway:
            del self._verified[digest]
            raise TokenRejected("expired")
        if known.not_before is not None and now < known.not_before - self._leeway:
            raise TokenRejected("not-yet-valid")
        key = await self._keys.key(known.kid)  # fresh keys, and the kid still published
        if not key.fits(known.alg):
            raise TokenRejected("algorithm")
        self._verified.move_to_end(digest)
        return known.claims


def client_id(claims: dict[str, Any]) -> str | None:
    """The app a token was issued to: `azp` (OpenID Connect) or `client_id` (RFC 9068)."""
    azp, cid = claims.get("azp"), claims.get("client_id")
    if azp is not None and cid is not None and azp != cid:
        return None
    value = azp if azp is not None else cid
    return value if isinstance(value, str) and value else None
