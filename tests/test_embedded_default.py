"""The README's first command: `graph-registry serve` on a fresh state folder, end to end."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from graph_registry.storage.local_neo4j import LocalNeo4j
from tests.live_server import free_port

PRODUCTION_TRAINING = '{ modelVersion(model: "fraud-detector", stage: PRODUCTION) { version trainedOn { version } } }'


def test_serve_starts_its_own_neo4j_loads_the_demo_and_stops_it(tmp_path: Path) -> None:
    neo4j_port, api_port = free_port(), free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("NEO4J_", "GRAPH_REGISTRY_"))}
    env.update(GRAPH_REGISTRY_HOME=str(tmp_path), GRAPH_REGISTRY_EMBEDDED_NEO4J_PORT=str(neo4j_port))
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "graph_registry", "serve", "--port", str(api_port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{api_port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.5)

        answer = httpx.post(f"{url}/graphql", json={"query": PRODUCTION_TRAINING}, timeout=30).json()
        assert answer["data"]["modelVersion"]["version"] == 2, answer
        assert answer["data"]["modelVersion"]["trainedOn"]
        page = httpx.get(f"{url}/graphql", headers={"accept": "text/html"}, timeout=10)
        assert page.status_code in (200, 503)  # 503: the web UI was not built in this checkout
        assert "authentication is OFF" in (tmp_path / "serve.log").read_text()
        deadline = time.monotonic() + 30
        while "ready at" not in (tmp_path / "serve.log").read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=90)
        log.close()
    assert LocalNeo4j(tmp_path / "neo4j", port=neo4j_port).status().running is False
    # One line per long phase, each with its duration (a fresh state folder resolves Neo4j's jars).
    said = (tmp_path / "serve.log").read_text()
    for phase in (
        r"fetching Neo4j Community with Maven",
        r"Neo4j jars ready: \d+ MB \(\d+ MB fetched from Maven Central\) in \d+s",
        r"Neo4j started in [\d.]+s",
        r"migrations: \d+ applied in [\d.]+s",
        r"demo loaded: \d+ nodes, \d+ relationships in [\d.]+s",
        rf"ready at http://127.0.0.1:{api_port}/graphql \(web UI http://127.0.0.1:{api_port}/ui\) in [\d.]+s",
        r"local Neo4j stopped in [\d.]+s",
    ):
        assert re.search(phase, said), f"{phase!r} not in:\n{said}"
