"""Webhooks for team maintainers, with real tokens over HTTP: a team's maintainers create, list, test
and delete the team's webhooks (a team webhook, or one on a model of the team); registry-wide
webhooks, and other teams', stay admins'. Refusals are FORBIDDEN and change nothing.

The server allows loopback targets (GRAPH_REGISTRY_WEBHOOK_ALLOW_PRIVATE) and delivers nothing; the
one delivery test runs its own deliverer against a receiver on 127.0.0.1."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import orjson
import pytest

from graph_registry.api.graphql import ids
from graph_registry.bootstrap import webhook_policy
from graph_registry.services.tokens import Role, TokenService
from graph_registry.services.webhooks import WebhookService, delivering
from graph_registry.settings import Settings
from graph_registry.storage.database import Database
from tests.governance.conftest import VERSION, make_model, make_team
from tests.live_server import LiveServer, free_port
from tests.security.client import Caller

PATIENCE = 60.0  # guards against a hang, not a timing assertion
CREATE = """mutation($url: String!, $model: String, $team: String, $events: [String!]) {
  createWebhook(url: $url, model: $model, team: $team, events: $events) { webhook { id model team } }
}"""
LIST = "{ webhooks { id model team } }"
DELETE = "mutation($id: ID!) { deleteWebhook(id: $id) }"
TEST = "mutation($id: ID!) { testWebhook(id: $id) { eventType attempts } }"
KINDS = ("reader", "writer of A", "maintainer of A", "maintainer of B", "registry maintainer", "admin")
# Rarely emitted: a registry-wide webhook made here must not collect the whole suite's events.
QUIET = ["TRANSITION_EXPIRED"]


@pytest.fixture(scope="module")
def hooks_api(neo4j_settings: Settings, database: Database) -> Iterator[LiveServer]:
    settings = neo4j_settings.model_copy(
        update={"auth": True, "require_provenance": False, "webhook_allow_private": True, "webhook_deliveries": False}
    )
    with LiveServer.serving(settings) as server:
        yield server


@dataclass
class World:
    team_a: str
    team_b: str
    model_a: str  # in team A
    model_b: str  # in team B
    loose: str  # in no team
    url: str  # a loopback port nothing listens on
    callers: dict[str, Caller]


@pytest.fixture
async def world(hooks_api: LiveServer, database: Database) -> AsyncIterator[World]:
    tokens = TokenService(database)
    unique = uuid.uuid4().hex[:10]
    clients: list[httpx.AsyncClient] = []
    registry_roles = {"admin": Role.ADMIN, "registry maintainer": Role.MAINTAINER}
    callers: dict[str, Caller] = {}
    for kind in KINDS:
        created = await tokens.create(
            name=f"hook-{kind.replace(' ', '-')}-{unique}", role=registry_roles.get(kind, Role.READER)
        )
        http = httpx.AsyncClient(
            base_url=hooks_api.url, timeout=PATIENCE, headers={"Authorization": f"Bearer {created.secret}"}
        )
        clients.append(http)
        callers[kind] = Caller(http, name=created.record.name)
    admin = callers["admin"]
    name = lambda kind: callers[kind].name or ""  # noqa: E731
    team_a = await make_team(
        admin,
        f"hooks-a-{unique}",
        {name("writer of A"): "WRITER", name("maintainer of A"): "MAINTAINER"},
    )
    team_b = await make_team(admin, f"hooks-b-{unique}", {name("maintainer of B"): "MAINTAINER"})
    world = World(
        team_a=team_a,
        team_b=team_b,
        model_a=await make_model(admin, f"hooks-ma-{unique}", team_a, versions=0),
        model_b=await make_model(admin, f"hooks-mb-{unique}", team_b, versions=0),
        loose=await make_model(admin, f"hooks-mn-{unique}", None, versions=0),
        url=f"http://127.0.0.1:{free_port()}/hook",
        callers=callers,
    )
    yield world
    models = (world.model_a, world.model_b, world.loose)
    for hook in (await admin.data("{ webhooks { id url team model } }"))["webhooks"]:
        if hook["url"] == world.url or hook["team"] in (team_a, team_b) or hook["model"] in models:
            await admin.data(DELETE, id=hook["id"])
    for http in clients:
        await http.aclose()


# (what, variables) -> who may create it.
CREATES = [
    ("a team A webhook", lambda w: {"team": w.team_a}, {"maintainer of A", "registry maintainer", "admin"}),
    (
        "a webhook on a model of team A",
        lambda w: {"model": w.model_a},
        {"maintainer of A", "registry maintainer", "admin"},
    ),
    ("a team B webhook", lambda w: {"team": w.team_b}, {"maintainer of B", "registry maintainer", "admin"}),
    ("a webhook on a model of no team", lambda w: {"model": w.loose}, {"admin"}),
    ("a registry-wide webhook", lambda w: {"events": QUIET}, {"admin"}),
]


@pytest.mark.parametrize(("what", "variables", "allowed"), CREATES, ids=[case[0] for case in CREATES])
async def test_who_may_create_which_webhook(world: World, what: str, variables: object, allowed: set[str]) -> None:
    for kind in KINDS:
        caller = world.callers[kind]
        before = len((await world.callers["admin"].data(LIST))["webhooks"])
        body = await caller.execute(CREATE, url=world.url, **variables(world))  # type: ignore[operator]
        after = len((await world.callers["admin"].data(LIST))["webhooks"])
        if kind in allowed:
            assert not body.get("errors"), (kind, body)
            assert after == before + 1
        else:
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (kind, body)
            assert body["data"] is None and after == before, kind


async def test_a_webhook_on_a_team_model_belongs_to_that_team(world: World) -> None:
    created = await world.callers["maintainer of A"].data(CREATE, url=world.url, model=world.model_a)
    assert created["createWebhook"]["webhook"] == {
        "id": created["createWebhook"]["webhook"]["id"],
        "model": world.model_a,
        "team": world.team_a,
    }
    body = await world.callers["admin"].execute(CREATE, url=world.url, team=f"{world.team_a}-none")
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_each_maintainer_lists_its_teams_webhooks_only(world: World) -> None:
    admin = world.callers["admin"]
    made = {
        "A": (await admin.data(CREATE, url=world.url, team=world.team_a))["createWebhook"]["webhook"]["id"],
        "A model": (await admin.data(CREATE, url=world.url, model=world.model_a))["createWebhook"]["webhook"]["id"],
        "B": (await admin.data(CREATE, url=world.url, team=world.team_b))["createWebhook"]["webhook"]["id"],
        "loose": (await admin.data(CREATE, url=world.url, model=world.loose))["createWebhook"]["webhook"]["id"],
        "registry": (await admin.data(CREATE, url=world.url, events=QUIET))["createWebhook"]["webhook"]["id"],
    }
    seen = {}
    for kind in KINDS:
        body = await world.callers[kind].execute(LIST)
        if body.get("errors"):
            seen[kind] = body["errors"][0]["extensions"]["code"]
        else:
            listed = {hook["id"] for hook in body["data"]["webhooks"]}
            seen[kind] = sorted(name for name, key in made.items() if key in listed)
    assert seen == {
        "reader": "FORBIDDEN",
        "writer of A": "FORBIDDEN",
        "maintainer of A": ["A", "A model"],
        "maintainer of B": ["B"],
        "registry maintainer": ["A", "A model", "B"],
        "admin": ["A", "A model", "B", "loose", "registry"],
    }


@pytest.mark.parametrize("mutation", [TEST, DELETE], ids=["test", "delete"])
async def test_who_may_test_and_delete_which_webhook(world: World, mutation: str) -> None:
    admin = world.callers["admin"]
    targets = {
        "A": {"team": world.team_a},
        "B": {"team": world.team_b},
        "registry": {"events": QUIET},
    }
    allowed = {
        "A": {"maintainer of A", "registry maintainer", "admin"},
        "B": {"maintainer of B", "registry maintainer", "admin"},
        "registry": {"admin"},
    }
    for target, variables in targets.items():
        for kind in KINDS:
            hook = (await admin.data(CREATE, url=world.url, **variables))["createWebhook"]["webhook"]["id"]
            body = await world.callers[kind].execute(mutation, id=hook)
            still = hook in {h["id"] for h in (await admin.data(LIST))["webhooks"]}
            if kind in allowed[target]:
                assert not body.get("errors"), (target, kind, body)
                assert still is (mutation == TEST), (target, kind)
            else:
                assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (target, kind, body)
                assert still, (target, kind)
            if still:
                await admin.data(DELETE, id=hook)
    unknown = ids.global_id("Webhook", "no-such-webhook")
    assert await world.callers["maintainer of A"].code(mutation, id=unknown) == "FORBIDDEN"
    assert await world.callers["admin"].code(mutation, id=unknown) == (None if mutation == DELETE else "NOT_FOUND")


async def test_a_team_webhook_gets_the_teams_events_only(
    world: World, neo4j_settings: Settings, database: Database
) -> None:
    """A maintainer of A's webhook on its team, and one on its model: versions of team A's model are
    delivered, those of team B's and of no team's are not; moved to team B, the model's events stop
    reaching team A's webhooks."""
    received: list[tuple[str, dict[str, object]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append((self.path, orjson.loads(self.rfile.read(int(self.headers["Content-Length"])))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    maintainer, admin = world.callers["maintainer of A"], world.callers["admin"]
    try:
        await maintainer.data(CREATE, url=base + "/team", team=world.team_a)
        await maintainer.data(CREATE, url=base + "/model", model=world.model_a)
        policy = webhook_policy(
            neo4j_settings.model_copy(update={"webhook_allow_private": True, "webhook_poll_interval": 0.2})
        )
        async with delivering(WebhookService(database, policy)):
            for model in (world.model_a, world.model_b, world.loose):
                await admin.data(VERSION, m=model)
            mine = lambda: sorted((path, body["model"], body["version"]) for path, body in received)  # noqa: E731
            await _until(lambda: len(mine()) >= 2)
            await admin.data(
                "mutation($m: String!, $t: String) { setModelTeam(model: $m, team: $t) { name } }",
                m=world.model_a,
                t=world.team_b,
            )
            await admin.data(VERSION, m=world.model_a)
            await admin.data(VERSION, m=world.model_b)
            marker = (await admin.data(CREATE, url=base + "/marker", team=world.team_b))["createWebhook"]
            await admin.data(VERSION, m=world.model_b)
            await _until(lambda: any(path == "/marker" for path, _ in received))
            await asyncio.sleep(0.5)  # a late delivery to team A's webhooks would have come by now
        await admin.data(DELETE, id=marker["webhook"]["id"])
    finally:
        server.shutdown()
        server.server_close()
    assert [entry for entry in mine() if entry[0] != "/marker"] == [
        ("/model", world.model_a, 1),
        ("/team", world.model_a, 1),
    ]


async def _until(condition: object) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out waiting for deliveries"
        await asyncio.sleep(0.1)
