"""PRODUCTION governance (on and off, each on its own server) and database round trips per request."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

import httpx
import pytest

from graph_registry.bootstrap import neo4j_credentials
from graph_registry.settings import Settings
from graph_registry.storage.database import Database, Row, Transaction
from tests.graphql import data, error_code
from tests.lineage_graphs import PROMOTE, dataset, model_version, ref, run
from tests.live_server import LiveServer

T = TypeVar("T")


class CountingDatabase(Database):
    """The real database, counting the queries and transactions sent to it."""

    calls = 0

    async def read(self, query_name: str, /, **params: Any) -> list[Row]:
        self.calls += 1
        return await super().read(query_name, **params)

    async def write(self, query_name: str, /, **params: Any) -> list[Row]:
        self.calls += 1
        return await super().write(query_name, **params)

    async def read_transaction(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        self.calls += 1
        return await super().read_transaction(work)

    async def write_transaction(
        self, work: Callable[[Transaction], Awaitable[T]], *, settled: Callable[[bool], None] | None = None
    ) -> T:
        self.calls += 1
        return await super().write_transaction(work, settled=settled)


def _connect(settings: Settings) -> CountingDatabase:
    uri, user, password = neo4j_credentials(settings)
    return CountingDatabase.connect(uri=uri, user=user, password=password, database=settings.neo4j_database)


@pytest.fixture(scope="module")
def counted(neo4j_settings: Settings, database: Database) -> Iterator[tuple[LiveServer, CountingDatabase]]:
    counting = _connect(neo4j_settings)
    settings = neo4j_settings.model_copy(update={"auth": False, "require_provenance": True})
    with LiveServer.serving(settings, database=counting) as server:
        yield server, counting


@pytest.fixture(scope="module")
def ungoverned(neo4j_settings: Settings, database: Database) -> Iterator[LiveServer]:
    settings = neo4j_settings.model_copy(update={"auth": False, "require_provenance": False})
    with LiveServer.serving(settings) as server:
        yield server


@pytest.fixture
async def governed_client(counted: tuple[LiveServer, CountingDatabase]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=counted[0].url, timeout=60) as http:
        yield http


async def test_production_needs_a_dataset_and_a_commit(
    governed_client: httpx.AsyncClient, unique: str, model_name: str
) -> None:
    client = governed_client
    source = await dataset(client, f"src-{unique}", "1")
    await model_version(client, model_name)
    await model_version(client, model_name, trainedOn=[ref(source)])
    await model_version(client, model_name, commit={"repo": "r", "sha": "b" * 40})
    await model_version(client, model_name, trainedOn=[ref(source)], commit={"repo": "r", "sha": "b" * 40})
    for number in (1, 2, 3):
        assert await error_code(client, PROMOTE, m=model_name, v=number, s="PRODUCTION") == "PRECONDITION_FAILED"
    assert (await data(client, PROMOTE, m=model_name, v=1, s="STAGING"))["transitionStage"]["stage"] == "STAGING"
    assert (await data(client, PROMOTE, m=model_name, v=4, s="PRODUCTION"))["transitionStage"]["stage"] == "PRODUCTION"


async def test_governance_off_lets_anything_in(ungoverned: LiveServer, model_name: str) -> None:
    async with httpx.AsyncClient(base_url=ungoverned.url, timeout=60) as client:
        await model_version(client, model_name)
        assert (await data(client, PROMOTE, m=model_name, v=1, s="PRODUCTION"))["transitionStage"][
            "stage"
        ] == "PRODUCTION"


NESTED = """
query($m: String!) {
  model(name: $m) {
    versions(first: 50) { edges { node {
      version packages { name } baseModel { version } commit { sha }
      producedBy { experiment { name } params { key } commit { sha } }
      trainedOn {
        dataset { name }
        usedBy { runId }
        producedBy { inputs { role datasetVersion { dataset { name } derivatives { version } } } commit { sha } }
        derivedFrom { usedBy { runId } derivatives { version } }
      }
    } } }
  }
}
"""


async def _build(client: httpx.AsyncClient, prefix: str, model: str, size: int) -> None:
    for index in range(size):
        raw = await dataset(client, f"{prefix}-raw", str(index))
        made_by = await run(client, f"{prefix}-pipeline", inputs=[raw], repo="github.com/acme/p", name=str(index))
        features = await dataset(client, f"{prefix}-features", str(index), parents=[raw], run=made_by["runId"])
        trained = await run(client, f"{prefix}-training", inputs=[features], repo="github.com/acme/t", name=str(index))
        await model_version(
            client,
            model,
            runId=trained["runId"],
            requirements=[f"torch==2.{index}.0"],
            baseModel={"model": model, "version": index} if index else None,
        )


async def test_round_trips_do_not_grow_with_the_result(
    counted: tuple[LiveServer, CountingDatabase], governed_client: httpx.AsyncClient, unique: str
) -> None:
    client, counting = governed_client, counted[1]
    trips = {}
    for size in (2, 6):
        model = f"rt{size}-{unique}"
        await _build(client, f"rt{size}-{unique}", model, size)
        before = counting.calls
        result = await data(client, NESTED, m=model)
        trips[size] = counting.calls - before
        edges = result["model"]["versions"]["edges"]
        assert len(edges) == size
        assert all(e["node"]["trainedOn"][0]["producedBy"]["inputs"][0]["datasetVersion"]["derivatives"] for e in edges)
    assert trips[2] == trips[6], trips
    assert trips[6] <= 14, trips


LISTINGS = """
query($d: String!) {
  datasetVersion(dataset: $d, version: 1) {
    derivatives { dataset { name versions(first: 5) { totalCount edges { node { version } } } } }
    usedBy { experiment { name runs(first: 5) { totalCount edges { node { runId } } } } }
  }
}
"""


async def test_nested_dataset_and_run_listings_cost_one_query_each(
    counted: tuple[LiveServer, CountingDatabase], governed_client: httpx.AsyncClient, unique: str
) -> None:
    """Dataset.versions and Experiment.runs under a lineage answer go through loaders, not a query per object."""
    client, counting = governed_client, counted[1]
    trips = {}
    for size in (1, 4):
        source = await dataset(client, f"ls{size}-{unique}", "1")
        for index in range(size):
            child = await dataset(client, f"ls{size}-{index}-{unique}", "1", parents=[source])
            await dataset(client, f"ls{size}-{index}-{unique}", "2", parents=[child])
            await run(client, f"ls{size}-{index}-{unique}", inputs=[source])
        before = counting.calls
        result = await data(client, LISTINGS, d=f"ls{size}-{unique}")
        trips[size] = counting.calls - before
        derived = result["datasetVersion"]["derivatives"]
        assert len(derived) == size
        assert all(item["dataset"]["versions"]["totalCount"] == 2 for item in derived)
        assert all(len(item["experiment"]["runs"]["edges"]) == 1 for item in result["datasetVersion"]["usedBy"])
    assert trips[1] == trips[4], trips
