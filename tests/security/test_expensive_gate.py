"""One caller's expensive operations run one at a time (issue #21, the residual of finding 2): 4
parallel copies of the smallest walk shape allowed under the cost cap still stalled other clients
(bench/RESULTS.md), so a caller's operation costing at least GRAPH_REGISTRY_EXPENSIVE_QUERY_COST
while another of its own is running is refused UNAVAILABLE, before it runs; other callers and cheap
operations go on. The first operation is held in flight without timing: its write waits for a lock
this test holds in Neo4j."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import neo4j
import pytest

from graph_registry.api.graphql.extensions.limits import ExpensiveGate
from graph_registry.services.tokens import Role, TokenService
from graph_registry.settings import Settings
from graph_registry.storage.database import Database
from tests.live_server import LiveServer
from tests.security.client import Caller

PATIENCE = 60.0  # guards against a hang, not a timing assertion
WALK = "lineage(direction: BOTH, depth: 25) { nodes { label kind depth } edges { source target type } mermaid dot }"
EXPENSIVE_WRITE = f"mutation($m: String!) {{ createModelVersion(input: {{model: $m}}) {{ version {WALK} }} }}"
EXPENSIVE_READ = f"query($m: String!) {{ model(name: $m) {{ latestVersion {{ {WALK} }} }} }}"
CHEAP_READ = "query($m: String!) { model(name: $m) { name } }"


def test_the_gate_counts_each_callers_expensive_operations() -> None:
    gate = ExpensiveGate(threshold=100, per_caller=1)
    assert gate.enter("a", 99) and gate.enter("a", 99)  # cheap ones are never counted
    assert gate.enter("a", 100)
    assert not gate.enter("a", 5000)
    assert gate.enter("b", 5000)
    gate.leave("a")
    assert gate.enter("a", 100)
    gate.leave("a")
    gate.leave("b")
    assert gate.running == {}
    assert all(ExpensiveGate(threshold=1, per_caller=0).enter("a", 10**6) for _ in range(3))


@pytest.fixture(scope="module")
def gated_api(neo4j_settings: Settings, database: Database) -> Iterator[LiveServer]:
    settings = neo4j_settings.model_copy(
        update={
            "auth": True,
            "require_provenance": False,
            "expensive_query_cost": 1_000,
            "max_expensive_per_caller": 1,
        }
    )
    with LiveServer.serving(settings) as server:
        yield server


@pytest.fixture
async def callers(gated_api: LiveServer, database: Database) -> AsyncIterator[dict[str, Caller]]:
    tokens = TokenService(database)
    made: dict[str, Caller] = {}
    for label, role in (("writer", Role.WRITER), ("other", Role.READER)):
        created = await tokens.create(name=f"gate-{label}-{uuid.uuid4().hex[:10]}", role=role)
        http = httpx.AsyncClient(
            base_url=gated_api.url, timeout=PATIENCE, headers={"Authorization": f"Bearer {created.secret}"}
        )
        made[label] = Caller(http, name=created.record.name)
    yield made
    for caller in made.values():
        await caller.http.aclose()


async def _blocked_transactions(driver: neo4j.AsyncDriver) -> int:
    async with driver.session() as session:
        result = await session.run(
            "SHOW TRANSACTIONS YIELD status WHERE status STARTS WITH 'Blocked' RETURN count(*) AS n"
        )
        record = await result.single()
        return int(record["n"]) if record else 0


async def test_a_callers_second_expensive_operation_is_refused_while_the_first_runs(
    neo4j_settings: Settings, callers: dict[str, Caller], model_name: str
) -> None:
    writer, other = callers["writer"], callers["other"]
    await writer.data("mutation($m: String!) { createModelVersion(input: {model: $m}) { version } }", m=model_name)
    assert neo4j_settings.neo4j_uri is not None and neo4j_settings.neo4j_password is not None
    auth = (neo4j_settings.neo4j_user, neo4j_settings.neo4j_password.get_secret_value())
    async with neo4j.AsyncGraphDatabase.driver(neo4j_settings.neo4j_uri, auth=auth) as driver:
        session = driver.session()
        lock = await session.begin_transaction()
        try:
            await lock.run("MATCH (m:Model {name: $m}) SET m.heldByTest = true", m=model_name)
            first = asyncio.create_task(writer.execute(EXPENSIVE_WRITE, m=model_name))
            deadline = time.monotonic() + PATIENCE
            while await _blocked_transactions(driver) == 0:
                assert not first.done(), first.result()
                assert time.monotonic() < deadline, "the first operation never reached its write"
                await asyncio.sleep(0.1)
            refused = await writer.execute(EXPENSIVE_READ, m=model_name)
            assert refused["data"] is None
            error = refused["errors"][0]
            assert error["extensions"]["code"] == "UNAVAILABLE", error
            assert error["extensions"]["maxConcurrent"] == 1
            assert error["extensions"]["cost"] >= error["extensions"]["expensiveCost"] == 1_000
            assert "retry" in error["message"]
            # Another caller's expensive read, and the same caller's cheap one, run meanwhile.
            assert (await other.data(EXPENSIVE_READ, m=model_name))["model"]["latestVersion"]["lineage"]["nodes"]
            assert (await writer.data(CHEAP_READ, m=model_name))["model"]["name"] == model_name
            assert not first.done()
        finally:
            await lock.rollback()
            await session.close()
    written = await first
    assert not written.get("errors"), written["errors"]
    assert written["data"]["createModelVersion"]["version"] == 2
    # Its turn over, the caller's expensive read runs.
    assert (await writer.data(EXPENSIVE_READ, m=model_name))["model"]["latestVersion"]["lineage"]["nodes"]
