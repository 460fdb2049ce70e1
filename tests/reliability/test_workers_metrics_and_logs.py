"""A real `serve --workers 2` with JSON logs and authentication on: /metrics adds up both workers
(prometheus-client's multiprocess mode), every log line is one JSON object with the request's
fields, and no minted secret (API tokens, the metrics token) appears anywhere in the log."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from graph_registry.settings import Settings
from tests.api.test_metrics import parse, value
from tests.live_server import free_port
from tests.reliability.servers import GRAPH_REGISTRY

PATIENCE = 120.0
METRICS_TOKEN = "metrics-" + os.urandom(12).hex()


@pytest.fixture
def env(neo4j_settings: Settings, tmp_path: Path) -> dict[str, str]:
    assert neo4j_settings.neo4j_uri is not None and neo4j_settings.neo4j_password is not None
    return {
        **os.environ,
        "NEO4J_URI": neo4j_settings.neo4j_uri,
        "NEO4J_USER": neo4j_settings.neo4j_user,
        "NEO4J_PASSWORD": neo4j_settings.neo4j_password.get_secret_value(),
        "GRAPH_REGISTRY_HOME": str(tmp_path),
        "GRAPH_REGISTRY_AUTH": "on",
        "GRAPH_REGISTRY_LOAD_DEMO": "false",
        "GRAPH_REGISTRY_LOG_FORMAT": "json",
        "GRAPH_REGISTRY_METRICS_TOKEN": METRICS_TOKEN,
    }


def mint(env: dict[str, str], name: str, role: str) -> str:
    done = subprocess.run(
        [GRAPH_REGISTRY, "token", "create", "--name", name, "--role", role],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=PATIENCE,
    )
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture
def workers(env: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [GRAPH_REGISTRY, "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + PATIENCE
        while True:
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            try:
                if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        yield url, log_path
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=PATIENCE)


def test_two_workers_report_together_and_log_json_without_secrets(
    env: dict[str, str], workers: tuple[str, Path], unique: str
) -> None:
    url, log_path = workers
    admin = mint(env, f"admin-{unique}", "admin")
    reader = mint(env, f"reader-{unique}", "reader")
    sent = 24
    for index in range(sent):
        # A new connection each time, so both workers answer some.
        token = admin if index % 2 else reader
        response = httpx.post(
            f"{url}/graphql",
            json={"query": f"query Count_{unique} {{ models {{ totalCount }} }}"},
            headers={"Authorization": f"Bearer {token}", "X-Request-Id": f"req-{unique}-{index}"},
            timeout=PATIENCE,
        )
        assert response.status_code == 200 and not response.json().get("errors"), response.text
    refused = httpx.post(
        f"{url}/graphql",
        json={"query": f"query Refused_{unique} {{ models {{ totalCount }} }}"},
        headers={"Authorization": f"Bearer {admin}x"},
        timeout=PATIENCE,
    )
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    scraped = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=PATIENCE)
    assert scraped.status_code == 200
    samples = parse(scraped.text)
    duration = "graph_registry_request_duration_seconds_count"
    assert value(samples, duration, endpoint="graphql", operation=f"Count_{unique}", operation_type="query") == sent

    time.sleep(1.0)  # let the workers flush their last lines
    log = log_path.read_text()
    for secret in (admin, reader, METRICS_TOKEN, env["NEO4J_PASSWORD"]):
        assert secret not in log, "a secret was logged"
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("operation") == f"Count_{unique}"]
    assert len(requests) == sent
    # The server allocates each request's id; the caller's X-Request-Id is logged beside it.
    assert {line["client_request_id"] for line in requests} == {f"req-{unique}-{index}" for index in range(sent)}
    assert len({line["request_id"] for line in requests}) == sent
    assert not {line["request_id"] for line in requests} & {line["client_request_id"] for line in requests}
    assert {line["actor"] for line in requests} == {f"admin-{unique}", f"reader-{unique}"}
    assert all(line["outcome"] == "ok" and line["duration_ms"] >= 0 for line in requests)
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    access = [line for line in lines if line["logger"] == "uvicorn.access"]
    assert access and all("?" not in line["path"] for line in access)
