"""Servers the reliability tests own: a Neo4j they may kill, and the API as a real `graph-registry serve`.

The shared test Neo4j (the conftest's, port 7697) is never touched here: every fault is injected
into a `ScratchNeo4j` with its own home under a temporary folder and a free port.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from neo4j import GraphDatabase

from graph_registry.settings import Settings
from graph_registry.storage.local_neo4j import LocalNeo4j
from tests.live_server import free_port

GRAPH_REGISTRY = str(Path(sys.executable).with_name("graph-registry"))


def _reuse_launcher_cache(source: Path, home: Path) -> None:
    """Copy the resolved classpath and compiled launcher (caches keyed by content) of another state
    folder, so a new server starts in seconds instead of running Maven again."""
    home.mkdir(parents=True, exist_ok=True)
    for cached in [*source.glob("classpath-*.txt"), *source.glob("launcher-*")]:
        target = home / cached.name
        if cached.is_dir():
            shutil.copytree(cached, target, dirs_exist_ok=True)
        else:
            shutil.copy2(cached, target)


class ScratchNeo4j:
    """A Neo4j of the tests' own: start, SIGKILL, restart, empty."""

    def __init__(self, home: Path, *, cache_from: Path | None = None) -> None:
        self.local = LocalNeo4j(home, port=free_port(), heap="512m", pagecache_mb=64)
        if cache_from is not None:
            _reuse_launcher_cache(cache_from, home)

    @property
    def uri(self) -> str:
        return self.local.uri

    def start(self) -> float:
        """Start (or restart on the same data and port); returns the seconds until Bolt answered."""
        began = time.monotonic()
        self.local.start(timeout=180)
        return time.monotonic() - began

    def kill(self) -> None:
        """SIGKILL the server, as a crash or the OOM killer would: no shutdown, no flush."""
        pid = self.local.status().pid
        assert pid is not None, "the scratch Neo4j is not running"
        os.kill(pid, signal.SIGKILL)
        self.local.stop()  # reaps the dead child and forgets its pid file

    def env(self) -> dict[str, str]:
        return {"NEO4J_URI": self.uri, "NEO4J_USER": self.local.user, "NEO4J_PASSWORD": self.local.password()}

    def settings(self, **overrides: Any) -> Settings:
        return Settings(
            neo4j_uri=self.uri,
            neo4j_user=self.local.user,
            neo4j_password=self.local.password(),
            load_demo=False,
            auth=False,
            **overrides,
        )

    def wipe(self) -> None:
        """Back to a fresh database: no nodes, no constraints, no indexes (test setup only)."""
        with GraphDatabase.driver(self.uri, auth=(self.local.user, self.local.password())) as driver:
            with driver.session() as session:  # CALL IN TRANSACTIONS needs an auto-commit transaction
                session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS").consume()
            for kind, plural in (("CONSTRAINT", "CONSTRAINTS"), ("INDEX", "INDEXES")):
                records, _, _ = driver.execute_query(f"SHOW {plural} YIELD name, type")
                for record in records:
                    if record["type"] != "LOOKUP":
                        driver.execute_query(f"DROP {kind} `{record['name']}` IF EXISTS")

    def schema(self) -> dict[str, list[str]]:
        """Names of constraints and indexes, and the recorded migrations (version, count of records)."""
        with GraphDatabase.driver(self.uri, auth=(self.local.user, self.local.password())) as driver:
            constraints, _, _ = driver.execute_query("SHOW CONSTRAINTS YIELD name RETURN name ORDER BY name")
            indexes, _, _ = driver.execute_query("SHOW INDEXES YIELD name, state RETURN name, state ORDER BY name")
            recorded, _, _ = driver.execute_query(
                "MATCH (m:Migration) RETURN m.version AS version, count(*) AS records ORDER BY version"
            )
        return {
            "constraints": [r["name"] for r in constraints],
            "indexes": [f"{r['name']}:{r['state']}" for r in indexes],
            "migrations": [f"V{r['version']:04d}x{r['records']}" for r in recorded],
        }

    def close(self) -> None:
        if self.local.status().running:
            self.kill()


class ApiProcess:
    """`graph-registry serve` in its own process, as deployed: uvicorn with the production settings."""

    def __init__(self, neo4j: ScratchNeo4j, home: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        home.mkdir(parents=True, exist_ok=True)
        self.log_path = home / f"api-{self.port}.log"
        self.env = {
            **os.environ,
            **neo4j.env(),
            "GRAPH_REGISTRY_HOME": str(home),
            "GRAPH_REGISTRY_AUTH": "off",
            "GRAPH_REGISTRY_LOAD_DEMO": "false",
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [GRAPH_REGISTRY, "serve", "--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    def wait_ready(self, timeout: float = 90.0) -> float:
        """Seconds until /readyz said ready (migrations applied, Neo4j answering)."""
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            assert self.process is not None and self.process.poll() is None, f"the API exited:\n{self.log()}"
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return time.monotonic() - began
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"the API was not ready within {timeout}s:\n{self.log()}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
