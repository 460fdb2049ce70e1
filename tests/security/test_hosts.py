"""With auth off, only loopback Host names are answered: no DNS rebinding (issue #21, finding 4).

The attack: a page on `rebind.evil.example`, re-resolved to 127.0.0.1, calls
the auth-off sandbox (`Host: rebind.evil.example`) over HTTP or a WebSocket
and mints an admin token. Nothing of it may run.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from graph_registry.api.http.hosts import HostGuard, allowed_hosts
from graph_registry.settings import Settings
from tests.live_server import LiveServer

MINT = 'mutation { createApiToken(name: "%s", role: ADMIN) { token } }'


async def _upgrade_status(api: LiveServer, host: str) -> bytes:
    """The status line the server answers a WebSocket handshake naming `host` with."""
    address = urlsplit(api.url)
    reader, writer = await asyncio.open_connection(address.hostname, address.port)
    writer.write(
        (
            "GET /graphql HTTP/1.1\r\n"
            f"Host: {host}\r\n"
            f"Origin: http://{host}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    line = await asyncio.wait_for(reader.readline(), 30)
    writer.close()
    return line


@pytest.mark.parametrize("host", ["rebind.evil.example", "rebind.evil.example:8000", "127.0.0.1.evil.example", ""])
async def test_other_hosts_reach_nothing(api: LiveServer, client: httpx.AsyncClient, host: str, unique: str) -> None:
    response = await client.post("/graphql", json={"query": MINT % f"rebound-{unique}"}, headers={"Host": host})
    assert response.status_code in (400, 421)
    assert "token" not in response.text
    assert (await _upgrade_status(api, host)).split()[1] in (b"400", b"421")
    tokens = await client.post("/graphql", json={"query": "{ apiTokens { name } }"})
    assert f"rebound-{unique}" not in tokens.text


async def test_a_rebinding_host_gets_421(api: LiveServer, client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"Host": "rebind.evil.example"})
    assert response.status_code == 421
    assert (await _upgrade_status(api, "rebind.evil.example")).startswith(b"HTTP/1.1 421")


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "[::1]"])
async def test_loopback_names_are_answered_with_any_port(api: LiveServer, client: httpx.AsyncClient, name: str) -> None:
    port = urlsplit(api.url).port
    for host in (name, f"{name}:{port}"):
        response = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"Host": host})
        assert response.json() == {"data": {"__typename": "Query"}}
        assert (await _upgrade_status(api, host)).startswith(b"HTTP/1.1 101")


async def test_auth_on_answers_any_host_unless_a_list_is_set(secure_api: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=secure_api.url) as http:
        response = await http.get("/healthz", headers={"Host": "registry.example.com"})
    assert response.status_code == 200
    assert allowed_hosts(Settings(auth=True, allowed_hosts=())) == ("*",)
    assert allowed_hosts(Settings(auth=False)) == ("127.0.0.1", "localhost", "[::1]")


@pytest.mark.parametrize(
    ("host", "status"), [("registry.example.com", 200), ("a.corp.example", 200), ("evil.example", 421)]
)
async def test_a_configured_list_is_applied(host: str, status: int) -> None:
    settings = Settings(auth=True, allowed_hosts="registry.example.com, *.corp.example")  # type: ignore[arg-type]
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "path": "/", "method": "GET", "headers": [(b"host", host.encode())]}
    await HostGuard(app, allowed=allowed_hosts(settings))(scope, receive, send)
    assert sent[0]["status"] == status
