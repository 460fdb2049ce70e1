"""Liveness, readiness, and recovery when Neo4j goes away and comes back."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlparse

import httpx
import pytest

from graph_registry.bootstrap import neo4j_credentials
from graph_registry.settings import Settings
from tests.graphql import data, execute
from tests.live_server import LiveServer
from tests.tcp_proxy import TcpProxy


async def test_healthz_and_readyz(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


class ProxyThread:
    """Runs a TcpProxy on its own event loop, since the API under test runs in another thread."""

    def __init__(self, host: str, port: int) -> None:
        self.loop = asyncio.new_event_loop()
        self.proxy = TcpProxy(host, port)
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def call(self, coroutine: object) -> object:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)  # type: ignore[arg-type]

    def close(self) -> None:
        self.call(self.proxy.cut())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


@pytest.fixture
def proxy(neo4j_settings: Settings) -> Iterator[ProxyThread]:
    target = urlparse(neo4j_credentials(neo4j_settings)[0])
    proxied = ProxyThread(target.hostname or "127.0.0.1", target.port or 7687)
    proxied.call(proxied.proxy.start())
    yield proxied
    proxied.close()


@pytest.fixture
async def proxied_client(neo4j_settings: Settings, proxy: ProxyThread) -> AsyncIterator[httpx.AsyncClient]:
    _, user, password = neo4j_credentials(neo4j_settings)
    settings = Settings(
        neo4j_uri=f"bolt://127.0.0.1:{proxy.proxy.port}",
        neo4j_user=user,
        neo4j_password=password,
        neo4j_connect_timeout=1.0,
        neo4j_retry_time=1.0,
        load_demo=False,
    )
    with LiveServer.serving(settings) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            yield http


async def test_neo4j_down_gives_unavailable_and_recovers_without_restart(
    proxied_client: httpx.AsyncClient, proxy: ProxyThread, model_name: str
) -> None:
    create = "mutation($m: String!) { createModelVersion(input: {model: $m}) { version } }"
    assert (await data(proxied_client, create, m=model_name))["createModelVersion"]["version"] == 1

    proxy.call(proxy.proxy.cut())
    body = await execute(proxied_client, create, m=model_name)
    assert body["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
    assert "retry" in body["errors"][0]["message"]
    read = await execute(proxied_client, "query($m: String!) { model(name: $m) { name } }", m=model_name)
    assert read["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
    assert (await proxied_client.get("/readyz")).status_code == 503
    assert (await proxied_client.get("/healthz")).status_code == 200

    proxy.call(proxy.proxy.start(proxy.proxy.port))
    for _ in range(50):
        if (await proxied_client.get("/readyz")).status_code == 200:
            break
        await asyncio.sleep(0.2)
    assert (await proxied_client.get("/readyz")).status_code == 200
    assert (await data(proxied_client, create, m=model_name))["createModelVersion"]["version"] == 2
