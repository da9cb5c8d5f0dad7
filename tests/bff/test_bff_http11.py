"""The BFF's HTTPS/1.1 client against a local asyncio TLS server scripted per test."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bff.http11 import MAX_BODY_BYTES, Http11Client, TransportError
from bff.upstream import client_tls
from tests.bff._pki import Pki, make_pki

Reply = Callable[[bytes], Awaitable[bytes | None]]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("http11"))


class Server:
    """Answers each request with `reply(request)`; None closes the connection without answering."""

    def __init__(self, reply: Reply, close_after: bool = False) -> None:
        self.reply = reply
        self.close_after = close_after
        self.connections = 0
        self.requests: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length")
                    ),
                    0,
                )
                request = head + (await reader.readexactly(length) if length else b"")
                self.requests.append(request)
                answer = await self.reply(request)
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
                if self.close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def ok(body: bytes = b'{"ok":true}', extra: str = "") -> bytes:
    return (
        f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n{extra}\r\n".encode()
        + body
    )


async def with_server(
    pki: Pki,
    server: Server,
    test: Callable[[Http11Client], Awaitable[Any]],
    timeout: float = 2.0,
    ca: Path | None = None,
) -> Any:
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(pki.cert_file, pki.key_file)
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0, ssl=tls)
    port = listener.sockets[0].getsockname()[1]
    client = Http11Client(f"https://localhost:{port}", client_tls(ca or pki.ca_file), timeout)
    try:
        return await test(client)
    finally:
        await client.aclose()
        listener.close()


def test_keep_alive_reuses_one_connection(pki: Pki) -> None:
    async def reply(request: bytes) -> bytes:
        return ok()

    server = Server(reply)

    async def test(client: Http11Client) -> list[Any]:
        return [(await client.request("GET", "/items", params={"q": "a b&c"})).json() for _ in range(3)]

    assert asyncio.run(with_server(pki, server, test)) == [{"ok": True}] * 3
    assert server.connections == 1
    first = server.requests[0].decode()
    assert first.startswith("GET /items?q=a+b%26c HTTP/1.1\r\n")
    assert "\r\nHost: localhost:" in first and "Content-Length" not in first


def test_chunked_answers_are_joined(pki: Pki) -> None:
    async def reply(request: bytes) -> bytes:
        return b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{"a"\r\n3;x=y\r\n:1}\r\n0\r\n\r\n'

    async def test(client: Http11Client) -> Any:
        return (await client.request("GET", "/x")).json()

    assert asyncio.run(with_server(pki, Server(reply), test)) == {"a": 1}


def test_json_bodies_are_sent_with_their_length(pki: Pki) -> None:
    async def reply(request: bytes) -> bytes:
        return ok(b"", "")

    server = Server(reply)

    async def test(client: Http11Client) -> int:
        return (
            await client.request(
                "PATCH", "/items/x", json_body={"version": 2}, headers={"Authorization": "Bearer t"}
            )
        ).status

    assert asyncio.run(with_server(pki, server, test)) == 200
    (request,) = server.requests
    assert b"Content-Type: application/json\r\nContent-Length: 13\r\n" in request
    assert request.endswith(b'\r\n\r\n{"version":2}')


def test_a_connection_the_server_closed_is_replaced_transparently(pki: Pki) -> None:
    async def reply(request: bytes) -> bytes:
        return ok()

    server = Server(reply, close_after=True)  # answers, then closes: the pooled connection is dead

    async def test(client: Http11Client) -> list[int]:
        statuses = []
        for _ in range(3):
            statuses.append((await client.request("GET", "/x")).status)
            await asyncio.sleep(0.05)
        return statuses

    assert asyncio.run(with_server(pki, server, test)) == [200, 200, 200]
    assert server.connections == 3


def test_connection_close_is_honoured(pki: Pki) -> None:
    async def reply(request: bytes) -> bytes:
        return ok(extra="Connection: close\r\n")

    server = Server(reply)

    async def test(client: Http11Client) -> None:
        await client.request("GET", "/a")
        await client.request("GET", "/b")

    asyncio.run(with_server(pki, server, test))
    assert server.connections == 2


def test_redirects_are_returned_not_followed(pki: Pki) -> None:
    async def reply(request: bytes) -> bytes:
        return b"HTTP/1.1 302 Found\r\nLocation: https://evil.test/\r\nContent-Length: 0\r\n\r\n"

    server = Server(reply)

    async def test(client: Http11Client) -> int:
        return (await client.request("GET", "/x", headers={"Authorization": "Bearer t"})).status

    assert asyncio.run(with_server(pki, server, test)) == 302
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: " + str(MAX_BODY_BYTES + 1).encode() + b"\r\n\r\n",
        b"SMTP ready\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nbroken header line\r\n\r\n",
        None,
    ],
)
def test_a_bad_answer_is_a_transport_error(pki: Pki, answer: bytes | None) -> None:
    async def reply(request: bytes) -> bytes | None:
        return answer

    async def test(client: Http11Client) -> None:
        await client.request("GET", "/x")

    with pytest.raises(TransportError):
        asyncio.run(with_server(pki, Server(reply), test))


def test_no_answer_within_the_timeout_is_a_transport_error(pki: Pki) -> None:
    async def reply(request: bytes) -> bytes:
        await asyncio.sleep(5)
        return ok()

    async def test(client: Http11Client) -> None:
        await client.request("GET", "/x")

    with pytest.raises(TransportError, match="timed out"):
        asyncio.run(with_server(pki, Server(reply), test, timeout=0.2))


def test_a_server_the_pinned_ca_did_not_sign_is_refused(pki: Pki, tmp_path: Path) -> None:
    other = make_pki(tmp_path / "other")

    async def reply(request: bytes) -> bytes:
        return ok()

    server = Server(reply)

    async def test(client: Http11Client) -> None:
        await client.request("GET", "/x", headers={"Authorization": "Bearer never-sent"})

    with pytest.raises(TransportError, match="SSL"):
        asyncio.run(with_server(pki, server, test, ca=other.ca_file))
    assert server.requests == [], "nothing, and no token, was sent"


def test_header_injection_is_refused() -> None:
    client = Http11Client("https://localhost:1", client_tls(None), 1.0)
    with pytest.raises(ValueError):
        asyncio.run(client.request("GET", "/x", headers={"X": "a\r\nInjected: 1"}))


def test_only_https_origins() -> None:
    with pytest.raises(ValueError):
        Http11Client("http://cms:8055", client_tls(None), 1.0)
