"""Every operation on a WebSocket authenticates as of its start (issue #21, finding 1).

The attack: open a socket with a token, have the token revoked (or let it
expire), then send queries and mutations on the still-open socket, e.g. mint
a fresh admin token that outlives the revocation.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from graph_registry.services.tokens import Role, TokenService, hash_token
from graph_registry.storage.database import Database
from tests.live_server import LiveServer

MINT = "mutation($n: String!) { createApiToken(name: $n, role: ADMIN) { token } }"


def _url(api: LiveServer) -> str:
    return api.url.replace("http://", "ws://") + "/graphql"


async def _open(api: LiveServer, secret: str, protocol: str) -> ClientConnection:
    socket = await connect(_url(api), subprotocols=[protocol])  # type: ignore[list-item]
    await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {secret}"}}))
    assert json.loads(await socket.recv())["type"] == "connection_ack"
    return socket


def _operation(protocol: str, query: str, **variables: Any) -> str:
    kind = "subscribe" if protocol == "graphql-transport-ws" else "start"
    return json.dumps({"id": "1", "type": kind, "payload": {"query": query, "variables": variables}})


async def _refused(socket: ClientConnection) -> tuple[dict[str, Any], int | None]:
    """The error answered to the operation, and the code the socket was then closed with."""
    answer = json.loads(await asyncio.wait_for(socket.recv(), 30))
    assert answer["type"] == "error", answer  # before the fix: the operation ran ("next")
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(socket.recv(), 30)
    return answer, closed.value.rcvd.code if closed.value.rcvd else None


def _code(answer: dict[str, Any]) -> str:
    payload = answer["payload"]
    error = payload[0] if isinstance(payload, list) else payload
    code: str = error["extensions"]["code"]
    return code


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
async def test_a_revoked_token_cannot_mint_an_admin_on_an_open_socket(
    secure_api: LiveServer, database: Database, protocol: str, unique: str
) -> None:
    tokens = TokenService(database)
    stolen = await tokens.create(name=f"ws-stolen-{unique}", role=Role.ADMIN)
    socket = await _open(secure_api, stolen.secret, protocol)
    async with socket:
        await tokens.revoke(stolen.record.name)
        await socket.send(_operation(protocol, MINT, n=f"ws-planted-{unique}"))
        answer, close_code = await _refused(socket)
    assert answer["type"] == "error"
    assert _code(answer) == "UNAUTHENTICATED"
    assert close_code == 4401
    assert [t for t in await tokens.list_tokens() if t.name == f"ws-planted-{unique}"] == []


async def test_an_expired_token_cannot_query_on_an_open_socket(
    secure_api: LiveServer, database: Database, unique: str
) -> None:
    secret = "gr_" + unique + "x" * 20
    expires = datetime.now(UTC) + timedelta(seconds=2)
    await database.write(
        "create_api_token", name=f"ws-expiring-{unique}", role="admin", hash=hash_token(secret), expiresAt=expires
    )
    socket = await _open(secure_api, secret, "graphql-transport-ws")
    async with socket:
        await asyncio.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 0.5)
        await socket.send(_operation("graphql-transport-ws", "{ apiTokens { name } }"))
        answer, close_code = await _refused(socket)
    assert _code(answer) == "UNAUTHENTICATED"
    assert "expired" in answer["payload"][0]["message"]
    assert close_code == 4401


async def test_a_valid_token_keeps_working_operation_after_operation(
    secure_api: LiveServer, role_tokens: dict[Role, tuple[str, str]]
) -> None:
    _, secret = role_tokens[Role.READER]
    socket = await _open(secure_api, secret, "graphql-transport-ws")
    async with socket:
        for number in range(3):
            message = json.loads(_operation("graphql-transport-ws", "{ models(first: 1) { totalCount } }"))
            await socket.send(json.dumps({**message, "id": str(number)}))
            answer = json.loads(await asyncio.wait_for(socket.recv(), 30))
            assert answer["type"] == "next" and "errors" not in answer["payload"], answer
            assert json.loads(await asyncio.wait_for(socket.recv(), 30))["type"] == "complete"
