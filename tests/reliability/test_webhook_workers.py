"""Webhook deliveries from a real `graph-registry serve --workers 2`: both worker processes run the
delivery loop over the one outbox in the graph, and each committed event reaches a loopback receiver
exactly once (by delivery id) while the receiver answers 2xx; a restart of the whole server, with
deliveries failing at the stop and events made while no server delivers, loses nothing and sends
each event under one delivery id.

Exactly once holds here because no attempt is cut between the receiver's 2xx and its record (the
receiver fails while the server stops); the general promise is at least once (README: Webhooks)."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import orjson
import pytest

from graph_registry.settings import Settings
from tests.live_server import LiveServer, free_port
from tests.reliability.servers import GRAPH_REGISTRY

PATIENCE = 120.0  # guards against a hang, not a timing assertion
CREATE_VERSION = "mutation($m: String!) { createModelVersion(input: {model: $m}) { version } }"


@dataclass
class Receiver:
    url: str = ""
    failing: bool = False
    # (delivery id, version, status answered), in arrival order.
    seen: list[tuple[str, int, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def delivered(self) -> list[tuple[str, int]]:
        with self.lock:
            return [(delivery, version) for delivery, version, status in self.seen if status == 204]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = orjson.loads(self.rfile.read(int(self.headers["Content-Length"])))
            status = 503 if state.failing else 204
            with state.lock:
                state.seen.append((self.headers["X-Registry-Delivery"], body["version"], status))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def env(neo4j_settings: Settings, tmp_path: Path) -> dict[str, str]:
    assert neo4j_settings.neo4j_uri is not None and neo4j_settings.neo4j_password is not None
    return {
        **os.environ,
        "NEO4J_URI": neo4j_settings.neo4j_uri,
        "NEO4J_USER": neo4j_settings.neo4j_user,
        "NEO4J_PASSWORD": neo4j_settings.neo4j_password.get_secret_value(),
        "GRAPH_REGISTRY_HOME": str(tmp_path),
        "GRAPH_REGISTRY_AUTH": "off",
        "GRAPH_REGISTRY_LOAD_DEMO": "false",
        "GRAPH_REGISTRY_REQUIRE_PROVENANCE": "false",
        "GRAPH_REGISTRY_WEBHOOK_DELIVERIES": "true",
        "GRAPH_REGISTRY_WEBHOOK_ALLOW_PRIVATE": "true",
        "GRAPH_REGISTRY_WEBHOOK_RETRY_BASE": "0.2",
        "GRAPH_REGISTRY_WEBHOOK_POLL_INTERVAL": "0.2",
    }


class Serve:
    """`graph-registry serve --workers 2` on a free loopback port, stopped with SIGTERM."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [GRAPH_REGISTRY, "serve", "--port", str(self.port), "--workers", "2"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + PATIENCE
        while True:
            assert self.process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            try:
                if httpx.get(f"{self.url}/readyz", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        assert self.process.wait(timeout=PATIENCE) == 0, self.log_path.read_text()


def graphql(url: str, query: str, **variables: object) -> dict[str, object]:
    # A new connection per request, so both workers answer some.
    response = httpx.post(f"{url}/graphql", json={"query": query, "variables": variables}, timeout=PATIENCE)
    body = response.json()
    assert response.status_code == 200 and not body.get("errors"), response.text
    data: dict[str, object] = body["data"]
    return data


def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_two_workers_deliver_each_event_once_and_a_restart_loses_nothing(
    env: dict[str, str], receiver: Receiver, api: LiveServer, model_name: str, tmp_path: Path
) -> None:
    log_path = tmp_path / "serve.log"
    served = Serve(env, log_path)
    try:
        graphql(served.url, "mutation($m: String!) { createModel(name: $m) { name } }", m=model_name)
        hook = graphql(
            served.url,
            "mutation($u: String!, $m: String) { createWebhook(url: $u, model: $m) { webhook { id } } }",
            u=receiver.url,
            m=model_name,
        )
        for _ in range(12):
            graphql(served.url, CREATE_VERSION, m=model_name)
        until(lambda: {version for _, version in receiver.delivered()} == set(range(1, 13)), "twelve deliveries")
        time.sleep(1.0)  # a duplicate from the other worker would have arrived by now
        first = receiver.delivered()
        assert len(first) == 12 and len({delivery for delivery, _ in first}) == 12, first

        # Deliveries failing while the server stops.
        receiver.failing = True
        for _ in range(3):
            graphql(served.url, CREATE_VERSION, m=model_name)
        until(lambda: any(status == 503 for *_, status in receiver.seen), "a failed attempt before the stop")
    finally:
        served.stop()
    # Events made while no server delivers (the suite's own server does not).
    for _ in range(3):
        graphql(api.url, CREATE_VERSION, m=model_name)
    receiver.failing = False
    again = Serve(env, log_path)
    try:
        until(lambda: {version for _, version in receiver.delivered()} == set(range(1, 19)), "every event")
        time.sleep(1.0)
        log = graphql(again.url, "{ webhooks { id deliveries(first: 50) { deliveryId delivered attempts } } }")
        graphql(again.url, "mutation($id: ID!) { deleteWebhook(id: $id) }", id=hook["createWebhook"]["webhook"]["id"])  # type: ignore[index]
    finally:
        again.stop()
    delivered = receiver.delivered()
    assert sorted(version for _, version in delivered) == list(range(1, 19)), delivered
    assert len({delivery for delivery, _ in delivered}) == 18
    ids_by_version: dict[int, set[str]] = {}
    for delivery, version, _ in receiver.seen:
        ids_by_version.setdefault(version, set()).add(delivery)
    assert all(len(ids) == 1 for ids in ids_by_version.values()), ids_by_version
    [mine] = [w for w in log["webhooks"] if w["id"] == hook["createWebhook"]["webhook"]["id"]]  # type: ignore[attr-defined,index]
    assert len(mine["deliveries"]) == 18 and all(d["delivered"] for d in mine["deliveries"])
