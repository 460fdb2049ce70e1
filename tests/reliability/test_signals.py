"""SIGTERM and SIGINT stop a real `graph-registry serve` gracefully, with one worker or several: the
request in flight is answered, the open subscription is closed with 1012 (service restart), the
embedded Neo4j it started is stopped, the exit status is 0, no process is left and both ports are
free. A second signal forces the stop. `graph-registry neo4j start --foreground` stops alike."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.reliability.embedded import START_PATIENCE, EmbeddedServe, alive, command_line, descendants
from tests.reliability.servers import GRAPH_REGISTRY

# Guards against a hang, not timing assertions.
PATIENCE = 60.0
SUBSCRIBE = "subscription { modelEvents { type } }"


@pytest.fixture
def serve_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("serve")


@contextlib.contextmanager
def serving(home: Path, **options: int) -> Iterator[EmbeddedServe]:
    serve = EmbeddedServe(home, **options)
    serve.start()
    try:
        serve.wait_ready()
        yield serve
    finally:
        serve.close()


class HeldRequest:
    """A POST /graphql whose body is held back until released: a request in flight."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.release = asyncio.Event()
        self.sent_start = asyncio.Event()
        self.response = asyncio.ensure_future(
            http.post("/graphql", content=self._body(), headers={"content-type": "application/json"})
        )

    async def _body(self) -> AsyncIterator[bytes]:
        yield b'{"query": "{ __typename }"'
        self.sent_start.set()
        await self.release.wait()
        yield b"}"

    async def started(self) -> None:
        await asyncio.wait_for(self.sent_start.wait(), PATIENCE)
        await asyncio.sleep(1.0)  # the server reads the request's head before the signal comes


@contextlib.asynccontextmanager
async def subscribed(serve: EmbeddedServe) -> AsyncIterator[ClientConnection]:
    url = serve.url.replace("http", "ws", 1) + "/graphql"
    async with connect(url, subprotocols=["graphql-transport-ws"]) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await asyncio.wait_for(socket.recv(), PATIENCE))["type"] == "connection_ack"
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
        yield socket


async def close_code(socket: ClientConnection) -> int | None:
    with contextlib.suppress(ConnectionClosed):
        while True:
            await asyncio.wait_for(socket.recv(), PATIENCE)
    return socket.close_code


def assert_all_gone(serve: EmbeddedServe, processes: set[int]) -> None:
    """Every process gone, allowing the moments a helper (multiprocessing's resource tracker) takes
    to see its parent's pipe close."""
    deadline = time.monotonic() + PATIENCE
    while (left := [pid for pid in processes if alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, f"processes left behind: {[command_line(pid) for pid in left]}\n{serve.log()[-3000:]}"
    assert serve.ports_free(), f"a port is still taken:\n{serve.log()[-3000:]}"


@pytest.mark.parametrize(
    ("stop", "workers"),
    [(signal.SIGTERM, 1), (signal.SIGINT, 1), (signal.SIGTERM, 2)],
    ids=["SIGTERM", "SIGINT", "SIGTERM-2-workers"],
)
async def test_a_signal_stops_serve_gracefully(serve_home: Path, stop: signal.Signals, workers: int) -> None:
    with serving(serve_home, workers=workers) as serve:
        neo4j = serve.neo4j_pid()
        assert neo4j is not None and alive(neo4j)
        processes = {neo4j, *descendants(serve.pid)}
        assert len(processes) >= 1 + workers if workers > 1 else len(processes) >= 1
        async with httpx.AsyncClient(base_url=serve.url, timeout=PATIENCE) as http, subscribed(serve) as socket:
            held = HeldRequest(http)
            await held.started()
            serve.signal(stop)
            await asyncio.to_thread(serve.wait_for_log, "stopping gracefully")
            code = await close_code(socket)
            held.release.set()
            answered = await asyncio.wait_for(held.response, PATIENCE)
        status = await asyncio.to_thread(serve.wait_exit)
        log = serve.log()
    assert answered.status_code == 200 and answered.json() == {"data": {"__typename": "Query"}}
    assert code == 1012, f"subscription closed with {code}"
    assert status == 0, log[-3000:]
    assert "stopping the local Neo4j" in log
    assert_all_gone(serve, {*processes, serve.pid})


async def test_a_second_signal_forces_the_stop(serve_home: Path) -> None:
    with serving(serve_home, workers=1) as serve:
        neo4j = serve.neo4j_pid()
        assert neo4j is not None
        processes = {neo4j, *descendants(serve.pid), serve.pid}
        async with httpx.AsyncClient(base_url=serve.url, timeout=PATIENCE) as http:
            held = HeldRequest(http)  # never released: the graceful stop would wait for it
            await held.started()
            serve.signal(signal.SIGTERM)
            await asyncio.to_thread(serve.wait_for_log, "stopping gracefully")
            serve.signal(signal.SIGINT)
            status = await asyncio.to_thread(serve.wait_exit)
            held.release.set()  # the rest of the body meets a closed connection
            with pytest.raises(httpx.TransportError):
                await asyncio.wait_for(held.response, PATIENCE)
        log = serve.log()
    assert status == 1, log[-3000:]
    assert "forcing the stop" in log
    assert_all_gone(serve, processes)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_neo4j_start_in_the_foreground_stops_on_a_signal(serve_home: Path, stop: signal.Signals) -> None:
    serve = EmbeddedServe(serve_home)
    with serve.log_path.open("ab") as log:
        process = subprocess.Popen(
            [GRAPH_REGISTRY, "neo4j", "start", "--foreground"],
            env=serve.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        serve.wait_for_log("Neo4j is running", patience=START_PATIENCE)
        pid = serve.neo4j_pid()
        assert pid is not None and alive(pid)
        process.send_signal(stop)
        status = process.wait(timeout=PATIENCE * 2)
    finally:
        if process.poll() is None:
            process.kill()
        serve.close()
    assert status == 0, serve.log()[-3000:]
    assert "stopping the local Neo4j" in serve.log() and "local Neo4j stopped in" in serve.log()
    assert_all_gone(serve, {pid, process.pid})
