"""Calls to the CMS and the issuer: pinned CA, TLS 1.2+, bounded retries, one client per origin.

No proxy, `.netrc` or CA bundle from the environment can change where a token goes or whom it
trusts (nothing is read from the environment), and redirects are never followed (a token is never
re-sent elsewhere).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

from bff.http11 import Http11Client, Response, TransportError

RETRY_BACKOFF_SECONDS = (0.05, 0.2, 0.5, 1.0, 1.0)


class UpstreamUnavailable(Exception):
    """The CMS or the issuer did not answer usefully after the bounded retries (-> 503)."""


def client_tls(ca_file: Path | None) -> ssl.SSLContext:
    """Verifying TLS 1.2+ context: only `ca_file` is trusted when given, else the system store."""
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def retryable(response: Response) -> bool:
    """5xx and 429 may pass; other answers will not change on a retry."""
    return response.status >= 500 or response.status == 429


async def with_retries(attempt: Callable[[], Awaitable[Response]], retries: int, what: str) -> Response:
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
        except TransportError as error:
            failure = str(error)
            continue
        if not retryable(response):
            return response
        failure = f"HTTP {response.status}"
    raise UpstreamUnavailable(f"{what}: {failure} after {retries + 1} attempt(s)")


class UrlFetcher:
    """GETs absolute https:// URLs (the issuer's discovery document and its jwks_uri, which may be on
    another host), with one keep-alive client per origin, at most `max_origins`."""

    def __init__(self, tls: ssl.SSLContext, timeout: float, max_origins: int = 4) -> None:
        self._tls = tls
        self._timeout = timeout
        self._max_origins = max_origins
        self._clients: dict[str, Http11Client] = {}

    async def get(self, url: str) -> Response:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.netloc:
            raise TransportError("not an https URL")
        origin = f"https://{parts.netloc}"
        client = self._clients.get(origin)
        if client is None:
            if len(self._clients) >= self._max_origins:
                raise TransportError("too many origins")
            client = self._clients[origin] = Http11Client(origin, self._tls, self._timeout, max_connections=4)
        return await client.get(parts.path + (f"?{parts.query}" if parts.query else ""))

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
