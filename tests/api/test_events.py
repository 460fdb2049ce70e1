"""Live events over graphql-transport-ws: in order, after commit, from any API server."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from graph_registry.settings import Settings
from tests.graphql import data
from tests.live_server import LiveServer

EVENTS = """
subscription($model: String, $since: DateTime) {
  modelEvents(model: $model, since: $since) {
    type actor at detail seq
    modelVersion { version stage aliases deleted model { name } }
  }
}
"""
# Guards against a hang, not a timing assertion: events normally arrive within a poll interval.
PATIENCE = 60.0


class Subscription:
    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket

    async def message(self) -> dict[str, Any]:
        while True:
            message: dict[str, Any] = json.loads(await asyncio.wait_for(self.socket.recv(), PATIENCE))
            if message["type"] == "ping":
                await self.socket.send(json.dumps({"type": "pong"}))
                continue
            return message

    async def event(self) -> dict[str, Any]:
        message = await self.message()
        assert message["type"] == "next", message
        assert not message["payload"].get("errors"), message
        event: dict[str, Any] = message["payload"]["data"]["modelEvents"]
        return event

    async def events_of(self, model: str, count: int) -> list[dict[str, Any]]:
        """The next `count` events of one model, skipping other models' (the all-models feed)."""
        found: list[dict[str, Any]] = []
        while len(found) < count:
            event = await self.event()
            if event["modelVersion"]["model"]["name"] == model:
                found.append(event)
        return found


@contextlib.asynccontextmanager
async def subscribe(url: str, **variables: Any) -> AsyncIterator[Subscription]:
    async with connect(url.replace("http", "ws", 1) + "/graphql", subprotocols=["graphql-transport-ws"]) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await asyncio.wait_for(socket.recv(), PATIENCE))["type"] == "connection_ack"
        await socket.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": EVENTS, "variables": variables}})
        )
        yield Subscription(socket)


async def create_model(client: httpx.AsyncClient, name: str) -> str:
    """Create a model (no event yet) and return its creation time, a moment before any of its events."""
    created = await data(client, "mutation($n: String!) { createModel(name: $n) { createdAt } }", n=name)
    at: str = created["createModel"]["createdAt"]
    return at


async def create_version(client: httpx.AsyncClient, name: str) -> int:
    result = await data(
        client,
        "mutation($m: String!) { createModelVersion(input: {model: $m}) { version } }",
        m=name,
    )
    version: int = result["createModelVersion"]["version"]
    return version


async def transition(client: httpx.AsyncClient, name: str, version: int, stage: str) -> None:
    await data(
        client,
        "mutation($m: String!, $v: Int!, $s: Stage!) { transitionStage(model: $m, version: $v, stage: $s) { stage } }",
        m=name,
        v=version,
        s=stage,
    )


async def set_alias(client: httpx.AsyncClient, name: str, alias: str, version: int) -> None:
    await data(
        client,
        "mutation($m: String!, $a: String!, $v: Int!) { setAlias(model: $m, alias: $a, version: $v) { version } }",
        m=name,
        a=alias,
        v=version,
    )


def summary(event: dict[str, Any]) -> tuple[str, int, str | None]:
    return event["type"], event["modelVersion"]["version"], event["detail"]


async def test_one_model_events_arrive_in_order(api: LiveServer, client: httpx.AsyncClient, model_name: str) -> None:
    since = await create_model(client, model_name)
    async with subscribe(api.url, model=model_name, since=since) as subscription:
        await create_version(client, model_name)
        await transition(client, model_name, 1, "STAGING")
        first = [await subscription.event(), await subscription.event()]
        # The feed is running now: these changes can only reach it live.
        await create_version(client, model_name)
        await set_alias(client, model_name, "champion", 2)
        await transition(client, model_name, 2, "ARCHIVED")
        await data(client, 'mutation($m: String!) { deleteAlias(model: $m, alias: "champion") }', m=model_name)
        rest = [await subscription.event() for _ in range(4)]

    events = first + rest
    assert [summary(event) for event in events] == [
        ("VERSION_CREATED", 1, None),
        ("STAGE_CHANGED", 1, "NONE -> STAGING"),
        ("VERSION_CREATED", 2, None),
        ("ALIAS_SET", 2, "champion"),
        ("STAGE_CHANGED", 2, "NONE -> ARCHIVED"),
        ("ALIAS_DELETED", 2, "champion"),
    ]
    assert [event["seq"] for event in events] == [1, 2, 3, 4, 5, 6]
    assert {event["actor"] for event in events} == {"anonymous"}
    # modelVersion resolves as the version is when the event is delivered, never from a stale cache.
    assert events[-1]["modelVersion"]["aliases"] == []


async def test_since_replays_events_committed_before_subscribing(
    api: LiveServer, client: httpx.AsyncClient, model_name: str
) -> None:
    since = await create_model(client, model_name)
    await create_version(client, model_name)
    await create_version(client, model_name)
    await transition(client, model_name, 2, "STAGING")
    async with subscribe(api.url, model=model_name, since=since) as subscription:
        events = [await subscription.event() for _ in range(3)]
    assert [summary(event) for event in events] == [
        ("VERSION_CREATED", 1, None),
        ("VERSION_CREATED", 2, None),
        ("STAGE_CHANGED", 2, "NONE -> STAGING"),
    ]
    assert events[1]["modelVersion"]["stage"] == "STAGING"


async def test_all_models_feed_delivers_changes_made_through_another_server(
    api: LiveServer, neo4j_settings: Settings, client: httpx.AsyncClient, unique: str
) -> None:
    names = [f"events-a-{unique}", f"events-b-{unique}"]
    since = await create_model(client, names[0])
    with LiveServer.serving(neo4j_settings) as other:
        async with (
            httpx.AsyncClient(base_url=other.url, timeout=60) as other_client,
            subscribe(api.url, since=since) as subscription,
        ):
            for name in names:
                await create_version(other_client, name)
            await transition(other_client, names[0], 1, "STAGING")
            await set_alias(other_client, names[1], "canary", 1)
            seen: dict[str, list[tuple[str, int, str | None]]] = {name: [] for name in names}
            while sum(len(found) for found in seen.values()) < 4:
                event = await subscription.event()
                name = event["modelVersion"]["model"]["name"]
                if name in seen:
                    seen[name].append(summary(event))
    assert seen == {
        names[0]: [("VERSION_CREATED", 1, None), ("STAGE_CHANGED", 1, "NONE -> STAGING")],
        names[1]: [("VERSION_CREATED", 1, None), ("ALIAS_SET", 1, "canary")],
    }


async def test_concurrent_changes_reach_the_feed_in_each_models_order(
    api: LiveServer, client: httpx.AsyncClient, model_name: str
) -> None:
    since = await create_model(client, model_name)
    async with subscribe(api.url, since=since) as subscription:
        await asyncio.gather(*(create_version(client, model_name) for _ in range(8)))
        events = await subscription.events_of(model_name, 8)
    assert [event["seq"] for event in events] == list(range(1, 9))
    assert sorted(event["modelVersion"]["version"] for event in events) == list(range(1, 9))


@pytest.mark.parametrize("model", ["", "bad name!"])
async def test_a_malformed_model_name_is_invalid_input(api: LiveServer, model: str) -> None:
    async with subscribe(api.url, model=model) as subscription:
        message = await subscription.message()
    assert message["type"] in {"next", "error"}, message
    errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
    assert errors[0]["extensions"]["code"] == "INVALID_INPUT"


async def test_deletions_are_events_even_when_the_version_is_gone(
    api: LiveServer, client: httpx.AsyncClient, model_name: str
) -> None:
    since = await create_model(client, model_name)
    for _ in range(2):
        await create_version(client, model_name)
    delete = "mutation($m: String!, $v: Int!, $h: Boolean!) { deleteModelVersion(model: $m, version: $v, hard: $h) }"
    await data(client, delete, m=model_name, v=1, h=False)
    await data(client, delete, m=model_name, v=2, h=True)
    async with subscribe(api.url, model=model_name, since=since) as subscription:
        events = [await subscription.event() for _ in range(4)]
    assert [summary(event) for event in events[2:]] == [("VERSION_DELETED", 1, "soft"), ("VERSION_DELETED", 2, "hard")]
    # The soft-deleted version is still stored; the hard-deleted one is described from its event.
    assert [event["modelVersion"]["deleted"] for event in events] == [True, True, True, True]
