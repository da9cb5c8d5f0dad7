"""A small HTTPS/1.1 client with keep-alive, for the CMS and the issuer: the BFF's hot path.

Why not httpx: measured on this project's 2-core bench, an httpx request to Directus over TLS cost
the BFF about 4.7 ms of CPU (its TLS runs in Python over anyio's memory BIO), as much as Directus
spent answering it; asyncio's own TLS transport (C, uvloop) costs about 0.2 ms. The BFF only needs
a few methods with JSON bodies to one pinned origin, so this is that and nothing more:
- one origin per client, TLS with the caller's context (pinned CA, TLS 1.2+), SNI and hostname check;
- Content-Length and chunked responses, bounded in size; no redirects, no cookies, no proxies;
- a keep-alive pool bounded in size; idle connections are dropped before a server would close
  them, and a request that fails on a reused connection before any byte of answer is retried once
  on a new one (the server may have closed it meanwhile);
- one deadline per request (connect, send, answer).
"""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

MAX_HEADER_BYTES = 65_536
MAX_BODY_BYTES = 1_048_576
IDLE_SECONDS = 4.0  # under Node's default keepAliveTimeout (5 s)


class TransportError(Exception):
    """No usable answer: connection refused or reset, timeout, malformed or oversized response."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)


@dataclass
class Requester(Protocol):
    """What the CMS reader and the writer need of a client (Http11Client, or a fake in tests)."""

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        json_body: Any = None,
    ) -> Response: ...


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    idle_since: float = field(default_factory=time.monotonic)

    def close(self) -> None:
        self.writer.close()


class _Fresh(Exception):
    """Raised inside a request on a reused connection that died before answering."""


class Http11Client:
    """Requests to one https:// origin over a bounded keep-alive pool."""

    def __init__(self, base_url: str, tls: ssl.SSLContext, timeout: float, max_connections: int = 64) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError("base URL must be https://host[:port][/path]")
        self._host = parts.hostname
        self._port = parts.port or 443
        self._prefix = parts.path.rstrip("/")
        self._authority = parts.netloc.rsplit("@", 1)[-1]
        self._tls = tls
        self._timeout = timeout
        self._slots = asyncio.Semaphore(max_connections)
        self._idle: deque[_Connection] = deque()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        json_body: Any = None,
    ) -> Response:
        """One request; TransportError when no complete answer arrives within the timeout."""
        target = self._prefix + path + (f"?{urlencode(params)}" if params else "")
        body = b"" if json_body is None else json.dumps(json_body, separators=(",", ":")).encode()
        head = [f"{method} {target} HTTP/1.1", f"Host: {self._authority}", "Accept-Encoding: identity"]
        head += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if json_body is not None or method in ("POST", "PUT", "PATCH"):
            head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        if any("\r" in line or "\n" in line for line in head):
            raise ValueError("header or target with a line break")
        message = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
        async with self._slots:
            try:
                async with asyncio.timeout(self._timeout):
                    return await self._exchange(message, method)
            except TimeoutError:
                raise TransportError("timed out") from None

    async def get(self, path: str, **kwargs: Any) -> Response:
        return await self.request("GET", path, **kwargs)

    async def _exchange(self, message: bytes, method: str) -> Response:
        connection = self._reuse()
        if connection is not None:
            try:
                return await self._send(connection, message, method, reused=True)
            except _Fresh:
                pass  # the server closed the idle connection: try once on a new one
        return await self._send(await self._connect(), message, method, reused=False)

    def _reuse(self) -> _Connection | None:
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()
            if now - connection.idle_since < IDLE_SECONDS and not connection.reader.at_eof():
                return connection
            connection.close()
        return None

    async def _connect(self) -> _Connection:
        try:
            reader, writer = await asyncio.open_connection(
                self._host, self._port, ssl=self._tls, server_hostname=self._host, limit=MAX_HEADER_BYTES
            )
        except (OSError, ssl.SSLError) as error:
            raise TransportError(type(error).__name__) from None
        return _Connection(reader, writer)

    async def _send(self, connection: _Connection, message: bytes, method: str, *, reused: bool) -> Response:
        head = b""
        try:
            connection.writer.write(message)
            await connection.writer.drain()
            head = await connection.reader.readuntil(b"\r\n\r\n")
            response, keep = await _read_response(connection.reader, head, method)
        except (
            OSError,
            ssl.SSLError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ValueError,
        ) as error:
            connection.close()
            if reused and not head:
                raise _Fresh from None
            raise TransportError(type(error).__name__) from None
        except BaseException:  # cancelled (the deadline): the connection's state is unknown
            connection.close()
            raise
        if keep:
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
        else:
            connection.close()
        return response

    async def aclose(self) -> None:
        while self._idle:
            self._idle.pop().close()


async def _read_response(reader: asyncio.StreamReader, head: bytes, method: str) -> tuple[Response, bool]:
    """Parse a response whose head (status line and headers, up to the blank line) was read."""
    status_line, *lines = head.decode("latin-1").split("\r\n")
    version, _, rest = status_line.partition(" ")
    code = rest[:3]
    if not version.startswith("HTTP/1.") or not code.isdigit():
        raise ValueError("not an HTTP/1.x response")
    headers: dict[str, str] = {}
    for line in lines:
        if line:
            name, sep, value = line.partition(":")
            if not sep:
                raise ValueError("malformed header line")
            headers[name.strip().lower()] = value.strip()
    status = int(code)
    keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        return Response(status, headers, b""), keep
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = await _read_chunked(reader)
    elif "content-length" in headers:
        length = int(headers["content-length"])
        if not 0 <= length <= MAX_BODY_BYTES:
            raise ValueError("response too large")
        body = await reader.readexactly(length)
    else:  # delimited by the end of the connection
        body = await reader.read(MAX_BODY_BYTES + 1)
        if len(body) > MAX_BODY_BYTES:
            raise ValueError("response too large")
        keep = False
    return Response(status, headers, body), keep


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0].strip(), 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                pass
            return b"".join(chunks)
        total += size
        if total > MAX_BODY_BYTES:
            raise ValueError("response too large")
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)
