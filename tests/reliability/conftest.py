"""Fixtures of the reliability suite: Neo4j servers of its own, the API as deployed, and the figures.

Sizes come from the environment (see README.md): the defaults fit CI; larger runs are by hand.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import orjson
import pytest

from graph_registry.bootstrap import open_database
from graph_registry.settings import Settings
from graph_registry.storage.database import Database
from tests.reliability.servers import ApiProcess, ScratchNeo4j

FIGURES: dict[str, Any] = {}


def load_clients() -> list[int]:
    given = os.environ.get("RELIABILITY_CLIENTS")
    return [int(part) for part in given.split(",")] if given else [8, 32]


def load_seconds() -> float:
    return float(os.environ.get("RELIABILITY_SECONDS", "6"))


def max_requests() -> int:
    return int(os.environ.get("RELIABILITY_MAX_REQUESTS", "5000"))


def min_requests() -> int:
    return int(os.environ.get("RELIABILITY_MIN_REQUESTS", "300"))


@pytest.fixture(scope="session")
def figures() -> dict[str, Any]:
    """What the suite measured, printed at the end of the run (and written to RELIABILITY_REPORT)."""
    return FIGURES


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES:
        return
    terminalreporter.section("reliability figures")
    for name, value in FIGURES.items():
        terminalreporter.write_line(f"{name}: {orjson.dumps(value).decode()}")
    if report := os.environ.get("RELIABILITY_REPORT"):
        Path(report).write_bytes(orjson.dumps(FIGURES, option=orjson.OPT_INDENT_2))


@pytest.fixture(scope="session")
def scratch_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ScratchNeo4j, ScratchNeo4j]]:
    """Two Neo4j servers of this suite's own, started side by side: one to load and kill, one kept
    blank for imports and fresh-database starts. The shared test Neo4j is never touched."""
    root = tmp_path_factory.mktemp("reliability-neo4j")
    cache = Settings().neo4j_home  # the suite's Neo4j: its Maven classpath and launcher are reused
    servers = (ScratchNeo4j(root / "loaded", cache_from=cache), ScratchNeo4j(root / "blank", cache_from=cache))
    try:
        with ThreadPoolExecutor(2) as pool:
            started = list(pool.map(ScratchNeo4j.start, servers))
        FIGURES["neo4j start seconds"] = [round(seconds, 1) for seconds in started]
        yield servers
    finally:
        for server in servers:
            server.close()


@pytest.fixture(scope="session")
def scratch_neo4j(scratch_pair: tuple[ScratchNeo4j, ScratchNeo4j]) -> ScratchNeo4j:
    return scratch_pair[0]


@pytest.fixture(scope="session")
def blank_neo4j(scratch_pair: tuple[ScratchNeo4j, ScratchNeo4j]) -> ScratchNeo4j:
    return scratch_pair[1]


@pytest.fixture(scope="session")
def scratch_api(scratch_neo4j: ScratchNeo4j, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    """`graph-registry serve` on the scratch Neo4j, with a short body timeout for the slow-body tests."""
    api = ApiProcess(scratch_neo4j, tmp_path_factory.mktemp("reliability-api"), GRAPH_REGISTRY_REQUEST_BODY_TIMEOUT="3")
    api.start()
    try:
        api.wait_ready()
        yield api
    finally:
        api.stop()


@pytest.fixture(scope="session")
async def scratch_database(scratch_neo4j: ScratchNeo4j) -> AsyncIterator[Database]:
    database = open_database(scratch_neo4j.settings())
    yield database
    await database.close()
