"""The BFF's settings: environment variables (the chart's `env:`), typed and validated once at start.

Non-secret settings are environment variables. Secrets (the CMS token, the cache key, an optional
Redis password) are files in `BFF_SECRETS_DIR` (the chart's default, `secret.mount: volume`) or
environment variables (`secret.mount: env`). A bad setting stops the process with one line per
problem naming the variable, never its value.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bff.cms import COLLECTION

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Algorithm = Literal["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]
"""Asymmetric JWS algorithms only: an HMAC or `none` token can never be accepted (RFC 8725, 3.1)."""

# Names of the files in BFF_SECRETS_DIR: the keys of the chart's Secret (`secret.*` values).
CMS_TOKEN_FILE = "cmsToken"
CACHE_KEY_FILE = "cacheEncryptionKey"
REDIS_PASSWORD_FILE = "redisPassword"


def _split(value: object) -> object:
    """`a,b` or `a b` as a list: how the chart renders list values into one variable."""
    if isinstance(value, str):
        return [part for part in value.replace(",", " ").split() if part]
    return value


def _networks(value: object) -> object:
    """CIDRs as networks; host bits set (`10.0.0.1/8`) is an error, as in Kubernetes."""
    value = _split(value)
    if isinstance(value, list | tuple):
        return tuple(ipaddress.ip_network(v, strict=True) if isinstance(v, str) else v for v in value)
    return value


def _https(value: str) -> str:
    if not value.startswith("https://") or len(value) <= len("https://"):
        raise ValueError("must be an https:// URL")
    return value


def _redis(value: str | None) -> str | None:
    if value and not value.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError("must be a redis://, rediss:// or unix:// URL")
    return value or None


CidrList = Annotated[tuple[IpNetwork, ...], NoDecode, BeforeValidator(_networks)]
HttpsUrl = Annotated[str, AfterValidator(_https)]


class Settings(BaseSettings):
    """Everything the BFF reads from its environment. Field `x_y` is the variable `X_Y`."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", case_sensitive=False)

    # --- serving ---
    listen_address: str = "0.0.0.0"  # every interface of the pod; the NetworkPolicy guards it
    """Address uvicorn binds."""
    port: Annotated[int, Field(ge=1024, le=65535)] = 8080
    """HTTPS port (the chart's `containerPort`)."""
    tls_cert_file: Path
    """Certificate chain the BFF serves (`tls.crt` of the mounted TLS Secret)."""
    tls_key_file: Path
    """Private key of that certificate (`tls.key`)."""

    # --- OAuth 2.0 access tokens ---
    oauth_issuer: HttpsUrl
    """Issuer whose JWTs are accepted; its discovery document names the JWKS."""
    oauth_audience: Annotated[str, Field(min_length=1)]
    """Expected `aud`."""
    oauth_algorithms: Annotated[
        tuple[Algorithm, ...], NoDecode, BeforeValidator(_split), Field(min_length=1)
    ] = (
        "RS256",
        "ES256",
    )
    """Allow-list of signature algorithms."""
    oauth_leeway_seconds: Annotated[int, Field(ge=0, le=300)] = 30
    """Clock skew tolerated on `exp` and `nbf`."""
    oauth_ca_file: Path | None = None
    """CA bundle for the issuer; unset: the image's public trust store."""
    jwks_cache_seconds: Annotated[int, Field(ge=1, le=86_400)] = 300
    """Longest the issuer's keys are used without a successful refresh (then 503, fail closed)."""
    jwks_refresh_min_seconds: Annotated[float, Field(ge=0, le=3600)] = 30
    """An unknown `kid` refreshes the keys at most once in this interval."""
    jwks_max_keys: Annotated[int, Field(ge=1, le=100)] = 16
    """Keys kept from one JWKS document; more are ignored."""

    # --- the CMS (Directus) ---
    cms_url: HttpsUrl
    """Base URL of the CMS's REST API."""
    cms_collection: Annotated[str, Field(pattern=COLLECTION)] = "mobile_secrets"
    """Collection holding the secrets (primary key `name`; fields `version`, `data`)."""
    cms_ca_file: Path
    """The only CA trusted for the CMS (pinned)."""

    # --- calls to the CMS and the issuer ---
    upstream_timeout_seconds: Annotated[float, Field(gt=0, le=30)] = 2.0
    """Timeout of one attempt."""
    upstream_retries: Annotated[int, Field(ge=0, le=5)] = 2
    """Attempts after the first, on connection errors, timeouts and 5xx; then 503."""

    # --- the sealed cache ---
    cache_ttl_seconds: Annotated[int, Field(ge=0, le=3600)] = 300
    """Seconds a value is served from memory; 0 turns the cache off."""
    cache_max_entries: Annotated[int, Field(ge=1, le=100_000)] = 1000
    """Entries before the least recently used is evicted."""

    # --- apps, limits and networks ---
    bff_apps_file: Path
    """JSON file: app (OAuth client id) -> {secrets: [names], rateLimitPerMinute: n}."""
    redis_url: Annotated[str | None, AfterValidator(_redis)] = None
    """Shared rate-limit counters; unset: each replica enforces limit / BFF_REPLICAS."""
    bff_replicas: Annotated[int, Field(ge=1, le=50)] = 1
    """Replicas the limits are divided among when there is no Redis."""
    ip_rate_limit_per_minute: Annotated[int, Field(ge=1, le=100_000)] = 600
    """Requests a minute per client IP, for the BFF as a whole."""
    allowed_cidrs: CidrList = (ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0"))
    """Client networks served; others get 403."""
    trusted_proxy_cidrs: CidrList = ()
    """Peers whose X-Forwarded-For is believed (the ingress controller's pods)."""

    # --- secrets ---
    bff_secrets_dir: Path | None = None
    """Directory of the mounted Secret: files cmsToken, cacheEncryptionKey, redisPassword (optional)."""
    cms_token: SecretStr | None = None
    """The CMS read token, when given as a variable (`secret.mount: env`)."""
    cache_encryption_key: SecretStr | None = None
    """Key material of the cache, when given as a variable."""
    redis_password: SecretStr | None = None
    """Redis password, when given as a variable."""

    @model_validator(mode="after")
    def _one_source_per_secret(self) -> Settings:
        if self.bff_secrets_dir is None and (self.cms_token is None or self.cache_encryption_key is None):
            raise ValueError("set BFF_SECRETS_DIR, or both CMS_TOKEN and CACHE_ENCRYPTION_KEY")
        if self.bff_secrets_dir is not None and (self.cms_token or self.cache_encryption_key):
            raise ValueError("set either BFF_SECRETS_DIR or CMS_TOKEN/CACHE_ENCRYPTION_KEY, not both")
        return self

    def secret_path(self, name: str) -> Path | None:
        """Path of a secret file in BFF_SECRETS_DIR, or None when secrets come from variables."""
        return None if self.bff_secrets_dir is None else self.bff_secrets_dir / name


class SettingsError(Exception):
    """Start-up configuration problems, one per line; never holds a value."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def describe(error: ValidationError) -> list[str]:
    """One line per problem: the variable and what is wrong, without the input (it may be secret)."""
    lines = []
    for problem in error.errors(include_input=False, include_url=False):
        where = "_".join(str(part) for part in problem["loc"] if isinstance(part, str)).upper()
        message = problem["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: {message}" if where else message)
    return lines


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Settings from `environ` (os.environ in the service); raises SettingsError."""
    names = set(Settings.model_fields)
    given = {k.lower(): v for k, v in environ.items() if k.lower() in names}
    try:
        return Settings.model_validate(given)
    except ValidationError as error:
        raise SettingsError(describe(error)) from None
