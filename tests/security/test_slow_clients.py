"""Slow clients do not hold connections (issue #21, finding 5), and ambiguous framing is refused (finding 9).

The attacks: a bare `GET /` trickling header lines stayed open for as long as
the client liked; so did a PUT of a declared 5 TB artifact sending a byte
every few seconds. A request with both Content-Length and Transfer-Encoding
was answered and its connection kept. Each test holds a socket to a server
with short limits and waits (at most 30 s per read) to see it closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from graph_registry.settings import Settings
from tests.live_server import LiveServer

HEADER_TIMEOUT = 1.0  # strict_api's header deadline, seconds
GIVE_UP = 60  # rounds of trickling before the test calls the connection "held open"


@pytest.fixture(scope="module")
def strict_api(neo4j_settings: Settings) -> Iterator[LiveServer]:
    settings = neo4j_settings.model_copy(
        update={
            "auth": False,
            "require_provenance": False,
            "header_timeout": HEADER_TIMEOUT,
            "request_body_timeout": 1.0,
            "upload_min_bytes_per_second": 1024,
        }
    )
    with LiveServer.serving(settings) as server:
        yield server


@contextlib.asynccontextmanager
async def _socket(api: LiveServer) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    address = urlsplit(api.url)
    reader, writer = await asyncio.open_connection(address.hostname, address.port)
    try:
        yield reader, writer
    finally:
        writer.close()


async def _trickle_until_closed(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, piece: bytes) -> bytes:
    """Sends `piece` every 0.3 s until the server closes; what it answered. Fails if it never closes."""
    answered = b""
    for _ in range(GIVE_UP):
        try:
            writer.write(piece)
            await writer.drain()
        except (ConnectionError, OSError):
            return answered
        try:
            chunk = await asyncio.wait_for(reader.read(4096), 0.3)
        except TimeoutError:
            continue
        except (ConnectionError, OSError):
            return answered
        if not chunk:
            return answered
        answered += chunk
    pytest.fail(f"the connection stayed open through {GIVE_UP} trickled pieces; answered {answered!r}")


async def test_trickled_headers_are_cut_off(strict_api: LiveServer) -> None:
    async with _socket(strict_api) as (reader, writer):
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        await _trickle_until_closed(reader, writer, b"X-Slow: a\r\n")


async def test_a_silent_connection_is_cut_off(strict_api: LiveServer) -> None:
    async with _socket(strict_api) as (reader, _):
        assert await asyncio.wait_for(reader.read(), 30) == b""


async def test_headers_that_stop_coming_are_cut_off(strict_api: LiveServer) -> None:
    # A request begun and never finished: no byte after the first header line, so only the header
    # deadline (1 s here) can close it; read() returns b"" once the server has.
    async with _socket(strict_api) as (reader, writer):
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: a")
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), 30) == b""


async def test_trickled_headers_of_a_kept_connections_next_request_are_cut_off(strict_api: LiveServer) -> None:
    # Each byte a client sends stops the keep-alive timeout, so only the next request's own header
    # deadline closes a connection that trickles it after a first answer.
    async with _socket(strict_api) as (reader, writer):
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        first = await asyncio.wait_for(reader.readuntil(b'{"status":"ok"}'), 30)
        assert first.startswith(b"HTTP/1.1 200"), first
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        assert await _trickle_until_closed(reader, writer, b"X-Slow: a\r\n") == b""


async def test_a_websocket_outlives_the_header_deadline(strict_api: LiveServer) -> None:
    # The upgrade's headers were whole: the deadline of its request (1 s here) must not close the
    # socket the WebSocket protocol took over. Still answering after three deadlines have passed.
    url = strict_api.url.replace("http", "ws", 1) + "/graphql"
    async with connect(url, subprotocols=[Subprotocol("graphql-transport-ws")]) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await asyncio.wait_for(socket.recv(), 30))["type"] == "connection_ack"
        await asyncio.sleep(3 * HEADER_TIMEOUT)
        await socket.send(json.dumps({"type": "ping"}))
        assert json.loads(await asyncio.wait_for(socket.recv(), 30))["type"] == "pong"


async def _headers_answer(api: LiveServer, header_bytes: int) -> bytes:
    """The answer to a GET whose headers (beside Host) are `header_bytes` long, read until the server closes."""
    line = b"X-Pad-%05d: " + b"a" * 985 + b"\r\n"  # 1000 bytes a line
    count, rest = divmod(header_bytes, 1000)
    padding = b"".join(line % i for i in range(count)) + (b"X-Rest: " + b"b" * (rest - 10) + b"\r\n" if rest else b"")
    async with _socket(api) as (reader, writer):
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + padding + b"\r\n")
        await writer.drain()
        return await asyncio.wait_for(reader.read(), 30)


async def test_headers_over_64_kib_are_refused(strict_api: LiveServer) -> None:
    answered = await _headers_answer(strict_api, 66 * 1024)
    assert answered.startswith(b"HTTP/1.1 400"), answered[:200]
    assert answered.endswith(b"Request headers too large."), answered[-200:]


async def test_an_unterminated_header_over_64_kib_is_refused(strict_api: LiveServer) -> None:
    # One header that never ends: the parser holds it whole until its CRLF, so only the raw bytes of
    # the unfinished request can bound it. Exactly one byte over the bound, sent at once and nothing
    # after: the server has read all of it when it answers, so the 400 arrives (no reset), well
    # before the header deadline would close the connection without an answer.
    start = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Endless: "
    async with _socket(strict_api) as (reader, writer):
        writer.write(start + b"a" * (64 * 1024 + 1 - len(start)))
        await writer.drain()
        answered = await asyncio.wait_for(reader.read(), 30)
    assert answered.startswith(b"HTTP/1.1 400"), answered[:200]
    assert answered.endswith(b"Request headers too large."), answered[-200:]


async def test_headers_under_64_kib_are_served(strict_api: LiveServer) -> None:
    answered = await _headers_answer(strict_api, 60 * 1024)
    assert answered.startswith(b"HTTP/1.1 200"), answered[:200]
    assert answered.endswith(b'{"status":"ok"}'), answered[-200:]


async def test_prompt_requests_on_a_kept_connection_still_work(strict_api: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=strict_api.url) as http:
        for _ in range(3):
            assert (await http.get("/healthz")).json() == {"status": "ok"}
            await asyncio.sleep(0.5)  # under the keep-alive timeout: the connection is reused


async def _upload_url(api: LiveServer, unique: str, size: int) -> str:
    model = f"slow-{unique}"
    async with httpx.AsyncClient(base_url=api.url, timeout=60) as http:
        created = await http.post(
            "/graphql",
            json={
                "query": "mutation($m: String!, $s: Float!) { createModelVersion(input: {model: $m, artifact: "
                '{sha256: "' + "ab" * 32 + '", sizeBytes: $s}}) { version } }',
                "variables": {"m": model, "s": size},
            },
        )
        assert "errors" not in created.json(), created.json()
        upload = await http.post(
            "/graphql",
            json={
                "query": "mutation($m: String!) { createArtifactUpload(model: $m, version: 1) { url } }",
                "variables": {"m": model},
            },
        )
    url: str = upload.json()["data"]["createArtifactUpload"]["url"]
    return url


async def test_a_crawling_upload_is_cut_off(strict_api: LiveServer, unique: str) -> None:
    size = 5 * 1024**4
    path = urlsplit(await _upload_url(strict_api, unique, size)).path
    async with _socket(strict_api) as (reader, writer):
        writer.write(
            f"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Length: {size}\r\n\r\n".encode()
        )
        answered = await _trickle_until_closed(reader, writer, b"x")
    assert answered.startswith(b"HTTP/1.1 408"), answered


async def test_both_content_length_and_transfer_encoding_are_refused(strict_api: LiveServer) -> None:
    async with _socket(strict_api) as (reader, writer):
        writer.write(
            b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 27\r\nTransfer-Encoding: chunked\r\n\r\n"
            b'1b\r\n{"query": "{ __typename }"}\r\n0\r\n\r\n'
        )
        await writer.drain()
        answered = await asyncio.wait_for(reader.read(), 30)  # read() returns once the server closed
    assert answered.startswith(b"HTTP/1.1 400"), answered
    assert b"__typename" not in answered and b'"Query"' not in answered
