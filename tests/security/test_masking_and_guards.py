"""Unexpected errors are masked with a request id; with auth off the server answers on loopback only."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

import pytest
import strawberry

from graph_registry.api.graphql.errors import RegistryErrors
from graph_registry.api.graphql.schema import RegistrySchema
from graph_registry.api.http.guard import HttpGuard


@strawberry.type
class Broken:
    @strawberry.field
    def explode(self) -> str:
        raise RuntimeError("bolt://neo4j:hunter2@db MATCH (n) secret detail")


async def test_unexpected_errors_are_masked_and_carry_the_request_id(caplog: pytest.LogCaptureFixture) -> None:
    schema = RegistrySchema(query=Broken, extensions=[RegistryErrors])
    with caplog.at_level(logging.ERROR, logger="graph_registry.errors"):
        result = await schema.execute("{ explode }", context_value=SimpleNamespace(request_id="req-7"))
    [error] = result.errors or []
    assert error.extensions == {"code": "INTERNAL", "requestId": "req-7"}
    assert "req-7" in error.message
    assert "hunter2" not in error.message and "MATCH" not in error.message
    # The detail goes to the server log, under the same request id.
    assert any("req-7" in record.getMessage() and record.exc_info for record in caplog.records)


async def _call(guard: HttpGuard, server: tuple[str, int] | None, kind: str = "http") -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    scope: dict[str, Any] = {"type": kind, "path": "/healthz", "method": "GET", "headers": [], "server": server}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""} if kind == "http" else {"type": "websocket.connect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await guard(scope, receive, send)
    return sent


async def _app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
async def test_auth_off_answers_on_loopback(address: str) -> None:
    sent = await _call(HttpGuard(_app, max_body_bytes=100, auth=False), (address, 8000))
    assert sent[0]["status"] == 200


@pytest.mark.parametrize("address", ["192.0.2.10", "10.1.2.3", "::ffff:192.0.2.10", "2001:db8::1", "0.0.0.0"])
async def test_auth_off_refuses_other_addresses(address: str) -> None:
    sent = await _call(HttpGuard(_app, max_body_bytes=100, auth=False), (address, 8000))
    assert sent[0]["status"] == 403
    websocket = await _call(HttpGuard(_app, max_body_bytes=100, auth=False), (address, 8000), kind="websocket")
    assert websocket == [{"type": "websocket.close", "code": 4403, "reason": websocket[0]["reason"]}]


async def test_auth_on_answers_anywhere() -> None:
    sent = await _call(HttpGuard(_app, max_body_bytes=100, auth=True), ("192.0.2.10", 8000))
    assert sent[0]["status"] == 200
