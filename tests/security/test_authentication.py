"""Bearer tokens: missing, malformed, unknown, revoked or expired is UNAUTHENTICATED and writes nothing."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from graph_registry.services.tokens import Role, TokenService
from graph_registry.storage.database import Database
from tests.live_server import LiveServer
from tests.security.client import Caller
from tests.support.probes import Probes

CREATE = "mutation($n: String!) { createModel(name: $n) { name } }"
READ = "query($n: String!) { model(name: $n) { name } }"


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "bearer  gr_",
        "Basic dXNlcjpwYXNz",
        "Token gr_abc",
        "Bearer gr_not-a-real-token",
        "Bearer x" * 50,
    ],
)
async def test_bad_credentials_are_unauthenticated_and_write_nothing(
    secure_api: LiveServer, probes: Probes, header: str | None, unique: str
) -> None:
    headers = {} if header is None else {"Authorization": header}
    async with httpx.AsyncClient(base_url=secure_api.url, headers=headers) as http:
        caller = Caller(http, name=None)
        assert await caller.code(CREATE, n=f"m-{unique}") == "UNAUTHENTICATED"
        assert await caller.code(READ, n=f"m-{unique}") == "UNAUTHENTICATED"
    assert await probes.nodes_holding(f"m-{unique}") == []


@pytest.mark.parametrize("state", ["revoked", "expired"])
async def test_revoked_and_expired_tokens_are_refused(
    secure_api: LiveServer, dead_tokens: dict[str, str], state: str, unique: str
) -> None:
    async with httpx.AsyncClient(
        base_url=secure_api.url, headers={"Authorization": f"Bearer {dead_tokens[state]}"}
    ) as http:
        body = await Caller(http, name=None).execute(CREATE, n=f"m-{unique}")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert state in body["errors"][0]["message"]


async def test_the_token_name_is_the_actor(writer: Caller, maintainer: Caller, unique: str) -> None:
    model = f"m-{unique}"
    await writer.data("mutation($n: String!) { createModelVersion(input: {model: $n}) { version } }", n=model)
    await maintainer.data(
        "mutation($n: String!) { transitionStage(model: $n, version: 1, stage: PRODUCTION) { stage } }", n=model
    )
    history = await writer.data(
        "query($n: String!) { modelVersion(model: $n, version: 1) { stageHistory { actor to } } }", n=model
    )
    assert history["modelVersion"]["stageHistory"] == [{"actor": maintainer.name, "to": "PRODUCTION"}]


async def test_the_schema_itself_is_public_in_dev(anonymous: Caller) -> None:
    result = await anonymous.data("{ __typename __schema { queryType { name } } }")
    assert result == {"__typename": "Query", "__schema": {"queryType": {"name": "Query"}}}


async def test_secrets_are_stored_only_as_hashes(
    admin: Caller, probes: Probes, secure_api: LiveServer, unique: str
) -> None:
    created = await admin.data(
        "mutation($n: String!) { createApiToken(name: $n, role: READER) { token apiToken { name role active } } }",
        n=f"t-{unique}",
    )
    secret = created["createApiToken"]["token"]
    assert secret.startswith("gr_")
    assert created["createApiToken"]["apiToken"] == {"name": f"t-{unique}", "role": "READER", "active": True}
    assert await probes.nodes_holding(secret) == []
    async with httpx.AsyncClient(base_url=secure_api.url, headers={"Authorization": f"Bearer {secret}"}) as http:
        fresh = Caller(http, name=f"t-{unique}")
        assert await fresh.code("{ models(first: 1) { totalCount } }") is None
        await admin.data("mutation($n: String!) { revokeApiToken(name: $n) { active } }", n=f"t-{unique}")
        assert await fresh.code("{ models(first: 1) { totalCount } }") == "UNAUTHENTICATED"
    # Names are never reused, so an actor in a history always means one token.
    again = "mutation($n: String!) { createApiToken(name: $n, role: ADMIN) { token } }"
    assert await admin.code(again, n=f"t-{unique}") == "CONFLICT"


@pytest.mark.parametrize("name", ["anonymous", "Anonymous", "system"])
async def test_reserved_actor_names_cannot_be_tokens(admin: Caller, name: str) -> None:
    query = "mutation($n: String!) { createApiToken(name: $n, role: ADMIN) { token } }"
    assert await admin.code(query, n=name) == "INVALID_INPUT"


SUBSCRIBE = {"id": "1", "type": "subscribe", "payload": {"query": "subscription { modelEvents { type } }"}}


async def _subscribe(url: str, init: dict[str, object]) -> dict[str, object]:
    async with connect(url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init", "payload": init}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        await socket.send(json.dumps(SUBSCRIBE))
        answer: dict[str, object] = json.loads(await socket.recv())
        return answer


async def test_subscriptions_need_a_token(secure_api: LiveServer, role_tokens: dict[Role, tuple[str, str]]) -> None:
    url = secure_api.url.replace("http://", "ws://") + "/graphql"
    refused = await _subscribe(url, {})
    assert refused["type"] == "next"
    assert refused["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"  # type: ignore[index]

    _, secret = role_tokens[Role.READER]
    async with connect(url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {secret}"}}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        await socket.send(json.dumps(SUBSCRIBE))
        await socket.send(json.dumps({"id": "1", "type": "complete"}))
        await socket.send(json.dumps({"type": "ping"}))
        # The subscription was accepted (no error): the next message is the answer to our ping.
        assert json.loads(await socket.recv())["type"] == "pong"


async def test_a_websocket_with_a_bad_token_is_closed(secure_api: LiveServer) -> None:
    url = secure_api.url.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": "Bearer gr_nope"}}))
        with pytest.raises(ConnectionClosed) as closed:
            await socket.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_a_subscription_ends_when_its_token_is_revoked(
    secure_api: LiveServer, database: Database, writer: Caller, unique: str
) -> None:
    tokens = TokenService(database)
    token = await tokens.create(name=f"sub-{unique}", role=Role.READER)
    model = f"m-{unique}"
    url = secure_api.url.replace("http://", "ws://") + "/graphql"
    subscribe = {
        "id": "1",
        "type": "subscribe",
        "payload": {
            "query": "subscription($m: String!) { modelEvents(model: $m) { type } }",
            "variables": {"m": model},
        },
    }
    async with connect(url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        await socket.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token.secret}"}})
        )
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        await socket.send(json.dumps(subscribe))
        await asyncio.sleep(1)  # let the subscription take its starting position before the event
        await writer.data("mutation($n: String!) { createModelVersion(input: {model: $n}) { version } }", n=model)
        event = json.loads(await asyncio.wait_for(socket.recv(), 30))
        assert event["payload"] == {"data": {"modelEvents": {"type": "VERSION_CREATED"}}}

        await tokens.revoke(f"sub-{unique}")
        ended = json.loads(await asyncio.wait_for(socket.recv(), 30))
        assert ended["type"] == "next"
        assert ended["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert "revoked" in ended["payload"]["errors"][0]["message"]
        assert json.loads(await asyncio.wait_for(socket.recv(), 30))["type"] == "complete"
