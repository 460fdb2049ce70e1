"""Webhooks against a receiver on loopback (GRAPH_REGISTRY_WEBHOOK_ALLOW_PRIVATE on for these servers):
signed deliveries of committed events, retries with the same delivery id, redirects not followed,
two deliverers sending each event once. The address rules themselves: tests/services/test_webhook_targets.py."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import orjson
import pytest

from graph_registry.bootstrap import webhook_policy
from graph_registry.services.webhooks import WebhookService, delivering
from graph_registry.settings import Settings
from graph_registry.storage.database import Database
from tests.api.test_events import create_model, create_version
from tests.graphql import data
from tests.live_server import LiveServer

# Guards against a hang, not timing assertions.
PATIENCE = 60.0
CREATE = """mutation($url: String!, $model: String, $events: [String!]) {
  createWebhook(url: $url, model: $model, events: $events) { secret webhook { id url events model } }
}"""


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int = 0


@dataclass
class Receiver:
    """An HTTP receiver on 127.0.0.1: records every request; /flaky fails the first `failures` of each
    delivery id; /moved answers a redirect to /elsewhere; /restart fails while `down`."""

    url: str
    failures: int = 3
    down: bool = False  # /restart answers 503 while set
    received: list[Received] = field(default_factory=list)

    def at(self, path: str) -> list[Received]:
        return [item for item in self.received if item.path == path]


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            item = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            state.received.append(item)
            status = 200
            if self.path == "/flaky":
                seen = [
                    r
                    for r in state.at("/flaky")
                    if r.headers["x-registry-delivery"] == item.headers["x-registry-delivery"]
                ]
                status = 500 if len(seen) <= state.failures else 200
            if self.path == "/restart" and state.down:
                status = 503
            item.status = status
            if self.path == "/moved":
                self.send_response(302)
                self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def delivering_settings(neo4j_settings: Settings) -> Settings:
    return neo4j_settings.model_copy(
        update={
            "auth": False,
            "webhook_allow_private": True,
            "webhook_deliveries": True,
            "webhook_retry_base": 0.2,
            "webhook_poll_interval": 0.2,
        }
    )


@pytest.fixture(scope="module")
def hooks_api(neo4j_settings: Settings) -> Iterator[LiveServer]:
    with LiveServer.serving(delivering_settings(neo4j_settings)) as server:
        yield server


async def until(condition: Any, what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


async def settled_deliveries(client: httpx.AsyncClient, webhook_id: str, fields: str) -> list[dict[str, Any]]:
    """A webhook's delivery log once no delivery is still open: the dispatcher records an attempt's
    outcome after the receiver has answered, so the log can lag the receiver by a moment."""
    deadline = time.monotonic() + PATIENCE
    while True:
        log = await data(client, f"{{ webhooks {{ id deliveries {{ delivered {fields} }} }} }}")
        [hook] = [w for w in log["webhooks"] if w["id"] == webhook_id]
        if hook["deliveries"] and all(d["delivered"] for d in hook["deliveries"]):
            return list(hook["deliveries"])
        assert time.monotonic() < deadline, f"the delivery log still shows an open delivery: {hook}"
        await asyncio.sleep(0.1)


def verify(secret: str, item: Received) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), item.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, item.headers["x-registry-signature"])


async def test_a_committed_event_is_delivered_signed(
    hooks_api: LiveServer, receiver: Receiver, model_name: str
) -> None:
    async with httpx.AsyncClient(base_url=hooks_api.url, timeout=PATIENCE) as client:
        await create_model(client, model_name)
        created = (await data(client, CREATE, url=receiver.url + "/ok", model=model_name))["createWebhook"]
        await create_version(client, model_name)
        mine = lambda: [r for r in receiver.at("/ok") if orjson.loads(r.body)["model"] == model_name]  # noqa: E731
        await until(lambda: len(mine()) == 1, "the delivery")
        item = mine()[0]
        assert verify(created["secret"], item)
        assert not verify(created["secret"] + "x", item)
        body = orjson.loads(item.body)
        assert item.headers["x-registry-event"] == "VERSION_CREATED" == body["eventType"]
        assert item.headers["x-registry-delivery"] == body["deliveryId"]
        assert body["model"] == model_name and body["version"] == 1 and body["actor"] == "anonymous"
        deliveries = await settled_deliveries(
            client, created["webhook"]["id"], "deliveryId eventType attempts lastStatusCode"
        )
    await asyncio.sleep(0.5)  # a second, duplicate delivery would have arrived by now
    assert len(mine()) == 1
    assert deliveries == [
        {
            "deliveryId": body["deliveryId"],
            "eventType": "VERSION_CREATED",
            "attempts": 1,
            "delivered": True,
            "lastStatusCode": 200,
        }
    ]


async def test_a_failing_receiver_gets_the_same_delivery_id_until_it_succeeds(
    hooks_api: LiveServer, receiver: Receiver, model_name: str
) -> None:
    async with httpx.AsyncClient(base_url=hooks_api.url, timeout=PATIENCE) as client:
        await create_model(client, model_name)
        created = (await data(client, CREATE, url=receiver.url + "/flaky", model=model_name))["createWebhook"]
        await create_version(client, model_name)
        mine = lambda: [r for r in receiver.at("/flaky") if orjson.loads(r.body)["model"] == model_name]  # noqa: E731
        await until(lambda: len(mine()) == receiver.failures + 1, "the retries")
        await asyncio.sleep(1.0)  # no attempt after the success
        deliveries = await settled_deliveries(client, created["webhook"]["id"], "deliveryId attempts lastStatusCode")
    assert len(mine()) == receiver.failures + 1
    assert len({r.headers["x-registry-delivery"] for r in mine()}) == 1
    assert all(verify(created["secret"], r) for r in mine())
    assert [(d["attempts"], d["delivered"], d["lastStatusCode"]) for d in deliveries] == [(4, True, 200)]


async def test_redirects_are_not_followed(hooks_api: LiveServer, receiver: Receiver) -> None:
    async with httpx.AsyncClient(base_url=hooks_api.url, timeout=PATIENCE) as client:
        created = (await data(client, CREATE, url=receiver.url + "/moved", events=["CARD_UPDATED"]))["createWebhook"]
        tested = await data(
            client,
            "mutation($id: ID!) { testWebhook(id: $id) { eventType attempts delivered lastStatusCode lastError } }",
            id=created["webhook"]["id"],
        )
    assert tested["testWebhook"]["eventType"] == "TEST"
    assert tested["testWebhook"]["delivered"] is False
    assert tested["testWebhook"]["lastStatusCode"] == 302
    assert "redirects are not followed" in tested["testWebhook"]["lastError"]
    assert receiver.at("/elsewhere") == []


async def test_unknown_event_types_and_private_targets_are_refused(client: httpx.AsyncClient) -> None:
    body = (await client.post("/graphql", json={"query": CREATE, "variables": {"url": "http://127.0.0.1:9/x"}})).json()
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert "loopback" in body["errors"][0]["message"]
    body = (
        await client.post(
            "/graphql", json={"query": CREATE, "variables": {"url": "http://127.0.0.1:9/x", "events": ["NOPE"]}}
        )
    ).json()
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_two_deliverers_send_each_event_once(
    neo4j_settings: Settings, database: Database, hooks_api: LiveServer, receiver: Receiver, model_name: str
) -> None:
    policy = webhook_policy(delivering_settings(neo4j_settings))
    first, second = WebhookService(database, policy), WebhookService(database, policy)
    async with httpx.AsyncClient(base_url=hooks_api.url, timeout=PATIENCE) as client:
        await create_model(client, model_name)
        await data(client, CREATE, url=receiver.url + "/twice", model=model_name)
        async with delivering(first), delivering(second):
            for _ in range(6):
                await create_version(client, model_name)
            mine = lambda: [r for r in receiver.at("/twice") if orjson.loads(r.body)["model"] == model_name]  # noqa: E731
            await until(lambda: len(mine()) >= 6, "six deliveries")
            await asyncio.sleep(1.0)
    ids = [r.headers["x-registry-delivery"] for r in mine()]
    assert len(ids) == len(set(ids)) == 6
    assert sorted(orjson.loads(r.body)["version"] for r in mine()) == [1, 2, 3, 4, 5, 6]


async def test_a_restart_of_the_api_in_the_middle_loses_nothing(
    neo4j_settings: Settings, client: httpx.AsyncClient, receiver: Receiver, model_name: str
) -> None:
    """Deliveries failing when the API stops, events made while no server delivers (the suite's
    servers do not), a new API process: every event arrives, each under one delivery id."""
    settings = delivering_settings(neo4j_settings)
    receiver.down = True
    with LiveServer.serving(settings) as first:
        async with httpx.AsyncClient(base_url=first.url, timeout=PATIENCE) as http:
            await create_model(http, model_name)
            await data(http, CREATE, url=receiver.url + "/restart", model=model_name)
            await create_version(http, model_name)
            await until(lambda: len(receiver.at("/restart")) >= 1, "a failed attempt before the stop")
    for _ in range(2):
        await create_version(client, model_name)  # no server is delivering now
    receiver.down = False
    with LiveServer.serving(settings):
        ok = lambda: {  # noqa: E731
            orjson.loads(r.body)["version"] for r in receiver.at("/restart") if r.status == 200
        }
        await until(lambda: ok() == {1, 2, 3}, "every event after the restart")
        await asyncio.sleep(0.5)
    delivered = [r for r in receiver.at("/restart") if r.status == 200]
    assert sorted(orjson.loads(r.body)["version"] for r in delivered) == [1, 2, 3]
    by_version = {}
    for item in receiver.at("/restart"):
        by_version.setdefault(orjson.loads(item.body)["version"], set()).add(item.headers["x-registry-delivery"])
    assert all(len(ids) == 1 for ids in by_version.values()), by_version
