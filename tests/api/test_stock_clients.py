"""The API with stock GraphQL clients nobody here wrote: Python's gql over HTTP and graphql-transport-ws.

graphql-ws under Node (the JavaScript client most frontends use) is driven by tests/js/ from
test_graphql_ws_node.py.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from gql import Client, GraphQLRequest
from gql.transport.httpx import HTTPXAsyncTransport
from gql.transport.websockets import WebsocketsTransport
from graphql import GraphQLError

from tests.api.test_events import EVENTS, create_model
from tests.live_server import LiveServer

# Guards against a hang, not a timing assertion.
PATIENCE = 60.0
CREATE_VERSION = "mutation($m: String!) { createModelVersion(input: {model: $m}) { version } }"


def ws_url(api: LiveServer) -> str:
    return api.url.replace("http", "ws", 1) + "/graphql"


async def test_gql_subscription_receives_the_event_of_a_mutation(
    api: LiveServer, client: httpx.AsyncClient, model_name: str
) -> None:
    since = await create_model(client, model_name)
    transport = WebsocketsTransport(url=ws_url(api), subprotocols=["graphql-transport-ws"])
    http = HTTPXAsyncTransport(url=api.url + "/graphql", timeout=PATIENCE)
    async with Client(transport=transport) as live, Client(transport=http) as session:
        request = GraphQLRequest(EVENTS, variable_values={"model": model_name, "since": since})
        events = live.subscribe(request)
        first = asyncio.ensure_future(anext(events))
        created = await session.execute(GraphQLRequest(CREATE_VERSION, variable_values={"m": model_name}))
        event: dict[str, Any] = (await asyncio.wait_for(first, PATIENCE))["modelEvents"]
        await events.aclose()
    assert created["createModelVersion"]["version"] == 1
    assert event["type"] == "VERSION_CREATED"
    assert event["modelVersion"]["model"]["name"] == model_name
    assert event["modelVersion"]["version"] == 1


async def test_gql_fetches_the_schema_and_validates_on_the_client(api: LiveServer, model_name: str) -> None:
    sent: list[httpx.Request] = []

    async def count(request: httpx.Request) -> None:
        sent.append(request)

    transport = HTTPXAsyncTransport(url=api.url + "/graphql", timeout=PATIENCE, event_hooks={"request": [count]})
    async with Client(transport=transport, fetch_schema_from_transport=True) as session:
        created = await session.execute(
            GraphQLRequest(
                "mutation($n: String!) { createModel(name: $n) { name } }", variable_values={"n": model_name}
            )
        )
        assert created == {"createModel": {"name": model_name}}
        assert session.client.schema is not None
        assert session.client.schema.get_type("ModelVersion") is not None
        before = len(sent)
        with pytest.raises(GraphQLError, match="noSuchField"):
            await session.execute(GraphQLRequest("{ models { noSuchField } }"))
        assert len(sent) == before, "an invalid document must be refused by gql without being sent"


async def test_websocket_messages_are_text_frames(api: LiveServer) -> None:
    from websockets.asyncio.client import connect

    async with connect(ws_url(api), subprotocols=["graphql-transport-ws"]) as socket:
        await socket.send('{"type":"connection_init","payload":{}}')
        acknowledged = await asyncio.wait_for(socket.recv(), PATIENCE)
    assert isinstance(acknowledged, str)
    assert acknowledged == '{"type":"connection_ack"}'


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/graphql-response+json", "application/graphql-response+json"),
        ("application/graphql-response+json, application/json;q=0.9", "application/graphql-response+json"),
        ("application/json", "application/json"),
        ("application/json, application/graphql-response+json;q=0.5", "application/json"),
        ("*/*", "application/json"),
    ],
)
async def test_response_media_type_follows_accept(client: httpx.AsyncClient, accept: str, media_type: str) -> None:
    response = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_graphql_response_json_failures_before_execution_are_400(client: httpx.AsyncClient) -> None:
    accept = {"Accept": "application/graphql-response+json"}
    syntax = await client.post("/graphql", json={"query": "{ models "}, headers=accept)
    invalid = await client.post("/graphql", json={"query": "{ noSuchField }"}, headers=accept)
    for response in (syntax, invalid):
        assert response.status_code == 400, response.text
        assert response.headers["content-type"] == "application/graphql-response+json"
        assert "data" not in response.json() and response.json()["errors"]
    # Plain JSON keeps the status every existing client reads.
    legacy = await client.post("/graphql", json={"query": "{ noSuchField }"})
    assert legacy.status_code == 200
    assert legacy.headers["content-type"] == "application/json"
