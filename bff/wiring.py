"""Builds the service's parts from validated settings: the only place real clients are made."""

from __future__ import annotations

import time
from collections.abc import Callable

from bff.app import Parts, Readiness
from bff.apps import load_apps
from bff.audit import AuditLog
from bff.cms import CmsReader
from bff.http11 import Http11Client
from bff.metrics import Metrics
from bff.mounted import MountedFile
from bff.network import NetworkPolicy
from bff.ratelimit import Limiter, LocalLimiter, RateLimits, SharedLimiter
from bff.sealed_cache import KeySource, SealedCache, check_key_material
from bff.service import SecretService
from bff.settings import CACHE_KEY_FILE, CMS_TOKEN_FILE, REDIS_PASSWORD_FILE, Settings
from bff.tokens import JwksCache, TokenVerifier
from bff.upstream import UrlFetcher, client_tls

# /readyz wants keys fetched within this many seconds (or JWKS_CACHE_SECONDS if shorter), fetching
# them if needed, so a dead issuer shows before the cached keys expire.
READY_KEYS_MAX_AGE_SECONDS = 60.0


def _secret(
    settings: Settings, file_name: str, from_env: str | None, validate: Callable[[bytes], None] | None = None
) -> tuple[Callable[[], bytes], Callable[[], int]]:
    """(content, generation) of a secret: a mounted file, re-read when it changes, or a fixed variable."""
    path = settings.secret_path(file_name)
    if path is not None:
        mounted = MountedFile(path, validate)
        return (lambda: mounted.content), (lambda: mounted.generation)
    value = (from_env or "").encode()
    if validate is not None:
        validate(value)
    return (lambda: value), (lambda: 1)


def _redis_password(settings: Settings) -> str | None:
    path = settings.secret_path(REDIS_PASSWORD_FILE)
    if path is not None:
        return path.read_text(encoding="utf-8").rstrip("\r\n") if path.exists() else None
    return settings.redis_password.get_secret_value() if settings.redis_password else None


def build(settings: Settings, audit: AuditLog | None = None) -> Parts:
    """Every part, checked: unreadable files or bad key material raise here, before serving."""
    metrics = Metrics()
    scope = load_apps(settings.bff_apps_file)
    cms_token, _ = _secret(
        settings, CMS_TOKEN_FILE, settings.cms_token.get_secret_value() if settings.cms_token else None
    )
    key_material, key_generation = _secret(
        settings,
        CACHE_KEY_FILE,
        settings.cache_encryption_key.get_secret_value() if settings.cache_encryption_key else None,
        check_key_material,
    )
    cms_client = Http11Client(
        settings.cms_url, client_tls(settings.cms_ca_file), settings.upstream_timeout_seconds
    )
    issuer_client = UrlFetcher(client_tls(settings.oauth_ca_file), settings.upstream_timeout_seconds)
    local = LocalLimiter(replicas=settings.bff_replicas)
    limiter: Limiter = local
    redis_client = None
    if settings.redis_url:
        import redis.asyncio  # only with a Redis configured

        redis_client = redis.asyncio.Redis.from_url(
            settings.redis_url,
            password=_redis_password(settings),
            socket_timeout=0.25,
            socket_connect_timeout=0.25,
        )
        limiter = SharedLimiter(redis_client, local, metrics.rate_limit_backend_errors.inc)
    jwks = JwksCache(
        issuer_client.get,
        settings.oauth_issuer,
        max_age=settings.jwks_cache_seconds,
        refresh_min_interval=settings.jwks_refresh_min_seconds,
        max_keys=settings.jwks_max_keys,
        retries=settings.upstream_retries,
        on_refresh=lambda outcome: metrics.jwks_refreshes.labels(outcome).inc(),
    )
    cms = CmsReader(
        cms_client,
        settings.cms_collection,
        cms_token,
        settings.upstream_retries,
        on_request=lambda outcome: metrics.cms_requests.labels(outcome).inc(),
    )
    service = SecretService(
        network=NetworkPolicy(settings.allowed_cidrs, settings.trusted_proxy_cidrs),
        limits=RateLimits(limiter, settings.ip_rate_limit_per_minute),
        verifier=TokenVerifier(
            jwks,
            issuer=settings.oauth_issuer,
            audience=settings.oauth_audience,
            algorithms=settings.oauth_algorithms,
            leeway_seconds=settings.oauth_leeway_seconds,
        ),
        scope=scope,
        cache=SealedCache(
            KeySource(key_material, key_generation), settings.cache_ttl_seconds, settings.cache_max_entries
        ),
        cms=cms,
        metrics=metrics,
    )

    async def shutdown() -> None:
        await cms_client.aclose()
        await issuer_client.aclose()
        if redis_client is not None:
            await redis_client.aclose()

    keys_max_age = min(READY_KEYS_MAX_AGE_SECONDS, settings.jwks_cache_seconds)
    readiness = Readiness([cms.ready, lambda: jwks.ready(keys_max_age)], time.monotonic)
    return Parts(service, readiness, metrics, audit or AuditLog(), shutdown)
