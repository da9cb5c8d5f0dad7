"""HTTPS clients for the CMS and the issuer: pinned CA, TLS 1.2+, bounded retries.

`trust_env=False`: no proxy, `.netrc` or CA bundle from the environment can change where a
token goes or whom it trusts. Redirects are never followed (a token is never re-sent elsewhere).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

RETRY_BACKOFF_SECONDS = (0.05, 0.2, 0.5, 1.0, 1.0)


class UpstreamUnavailable(Exception):
    """The CMS or the issuer did not answer usefully after the bounded retries (-> 503)."""


def client_tls(ca_file: Path | None) -> ssl.SSLContext:
    """Verifying TLS 1.2+ context: only `ca_file` is trusted when given, else the system store."""
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def async_client(
    base_url: str, ca_file: Path | None, timeout: float, *, max_connections: int = 64
) -> httpx.AsyncClient:
    """A keep-alive pool to one upstream."""
    return httpx.AsyncClient(
        base_url=base_url,
        verify=client_tls(ca_file),
        timeout=httpx.Timeout(timeout),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        follow_redirects=False,
        trust_env=False,
    )


def retryable(response: httpx.Response) -> bool:
    """5xx and 429 may pass; other answers will not change on a retry."""
    return response.status_code >= 500 or response.status_code == 429


async def with_retries(
    attempt: Callable[[], Awaitable[httpx.Response]], retries: int, what: str
) -> httpx.Response:
    """Run `attempt` up to 1 + `retries` times on transport errors and retryable statuses.

    Raises UpstreamUnavailable naming `what` and the last failure's kind, never a URL's query or a
    header (they could carry a token).
    """
    failure = "no attempt"
    for number in range(retries + 1):
        if number:
            await asyncio.sleep(RETRY_BACKOFF_SECONDS[min(number - 1, len(RETRY_BACKOFF_SECONDS) - 1)])
        try:
            response = await attempt()
        except httpx.TransportError as error:
            failure = type(error).__name__
            continue
        if not retryable(response):
            return response
        failure = f"HTTP {response.status_code}"
    raise UpstreamUnavailable(f"{what}: {failure} after {retries + 1} attempt(s)")
