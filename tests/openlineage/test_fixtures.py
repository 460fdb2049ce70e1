"""Events shaped as Airflow, Spark and dbt emit them land as the mapping says, and replays change nothing."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from graph_registry.domain.openlineage import registry_name
from graph_registry.storage.database import Database
from tests.graphql import data
from tests.openlineage.events import RUN_STATE, fixture, graph_size, send

DATASET = """
query Dataset($namespace: String!, $name: String!) {
  datasetBySource(namespace: $namespace, name: $name) {
    name facets source { namespace name }
    versions { totalCount edges { node { version digest schema { name type } usedBy { runId } } } }
  }
}
"""
JOB = """
query Job($namespace: String!, $name: String!) {
  job(namespace: $namespace, name: $name) { namespace name facets runs { totalCount edges { node { runId } } } }
}
"""


async def _run(client: httpx.AsyncClient, run_id: str) -> dict[str, Any]:
    run: dict[str, Any] = (await data(client, RUN_STATE, runId=run_id))["run"]
    return run


async def _dataset(client: httpx.AsyncClient, namespace: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = (await data(client, DATASET, namespace=namespace, name=name))["datasetBySource"]
    return found


async def test_an_airflow_task_lands_as_mapped(writer: httpx.AsyncClient, unique: str) -> None:
    events = fixture("airflow_task", unique)
    for event in events:
        await send(writer, event)
    start, complete = events
    run = await _run(writer, start["run"]["runId"])
    namespace = f"airflow-prod-{unique}"
    assert run["status"] == "FINISHED"
    assert run["startedAt"].startswith("2026-11-30T02:00:04.112")
    assert run["endedAt"].startswith("2026-11-30T02:01:37.509")
    assert run["experiment"]["name"] == namespace
    assert (run["job"]["namespace"], run["job"]["name"]) == (namespace, "orders_pipeline.clean_orders")
    job_facets = json.loads(run["job"]["facets"])
    assert job_facets["sql"]["query"].startswith("INSERT INTO public.orders_clean")
    assert job_facets["sourceCodeLocation"]["repoUrl"] == "https://github.com/acme/airflow-dags"
    assert run["commit"] == {
        "repo": "https://github.com/acme/airflow-dags",
        "sha": "4b6f1c2d9e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c",
        "branch": "main",
    }
    assert run["parent"]["runId"] == start["run"]["facets"]["parent"]["run"]["runId"]
    assert run["parent"]["job"]["name"] == "orders_pipeline"

    source = f"postgres://orders-db:5432-{unique}"
    [used] = run["inputs"]
    assert used["role"] == "input"
    assert used["datasetVersion"]["digest"] == "openlineage:first-seen"
    assert used["datasetVersion"]["dataset"]["source"] == {
        "namespace": source,
        "name": "food_delivery.public.orders_raw",
    }
    assert used["datasetVersion"]["dataset"]["name"] == registry_name(source, "food_delivery.public.orders_raw")

    [output] = run["producedDatasets"]
    assert output["digest"] == f"openlineage:{start['run']['runId']}:{source}/food_delivery.public.orders_clean"
    assert output["schema"] == [
        {"name": "id", "type": "integer", "description": "order id"},
        {"name": "customer_id", "type": "integer", "description": None},
        {"name": "amount", "type": "numeric", "description": None},
    ]
    facets = json.loads(output["facets"])
    assert facets["columnLineage"]["fields"]["amount"]["inputFields"][0]["field"] == "amount"
    assert facets["outputStatistics"]["rowCount"] == 48210
    raw_name = used["datasetVersion"]["dataset"]["name"]
    assert output["derivedFrom"] == [{"digest": "openlineage:first-seen", "dataset": {"name": raw_name}}]

    raw = await _dataset(writer, source, "food_delivery.public.orders_raw")
    assert json.loads(raw["facets"])["dataSource"]["uri"] == "postgres://orders-db:5432"
    [raw_version] = [edge["node"] for edge in raw["versions"]["edges"]]
    assert [field["name"] for field in raw_version["schema"]] == ["id", "customer_id", "amount"]
    assert raw_version["usedBy"] == [{"runId": start["run"]["runId"]}]
    job = (await data(writer, JOB, namespace=namespace, name="orders_pipeline.clean_orders"))["job"]
    assert job["runs"]["totalCount"] == 1
    assert complete["run"]["runId"] == start["run"]["runId"]


async def test_a_spark_job_lands_as_mapped(writer: httpx.AsyncClient, unique: str) -> None:
    events = fixture("spark_job", unique)
    for event in events:
        await send(writer, event)
    run = await _run(writer, events[0]["run"]["runId"])
    assert run["status"] == "FINISHED"
    assert run["commit"] is None
    assert json.loads(run["job"]["facets"])["jobType"]["integration"] == "SPARK"
    assert sorted(i["datasetVersion"]["dataset"]["source"]["name"] for i in run["inputs"]) == [
        "clean/orders",
        "raw/customers",
    ]
    [output] = run["producedDatasets"]
    assert output["digest"] == "openlineage:version:7"
    assert output["dataset"]["source"] == {"namespace": f"s3://datalake-{unique}", "name": "features/orders"}
    assert [field["type"] for field in output["schema"]] == ["long", "string", "long", "decimal(22,2)"]
    assert len(output["derivedFrom"]) == 2
    facets = json.loads(output["facets"])
    assert facets["dataSource"]["uri"] == "s3://datalake"
    assert facets["outputStatistics"] == {
        "_producer": "https://github.com/OpenLineage/OpenLineage/tree/1.54.0/integration/spark",
        "_schemaURL": "https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet",
        "rowCount": 129044,
        "size": 8843120,
    }
    # The version facet names the version: a dataset version found by that digest through GraphQL.
    found = await data(
        writer,
        "query($d: String!, $g: String) { datasetVersion(dataset: $d, digest: $g) { version } }",
        d=output["dataset"]["name"],
        g="openlineage:version:7",
    )
    assert found["datasetVersion"]["version"] == output["version"]


async def test_a_dbt_model_lands_as_mapped(writer: httpx.AsyncClient, unique: str) -> None:
    events = fixture("dbt_model", unique)
    for event in events:
        await send(writer, event)
    run = await _run(writer, events[0]["run"]["runId"])
    assert run["status"] == "FINISHED"
    assert run["parent"]["job"]["name"] == "dbt-run-jaffle_shop"
    assert run["parent"]["status"] == "RUNNING"  # the dbt run itself sent no event (yet)
    assert "customer_id" in json.loads(run["job"]["facets"])["sql"]["query"]
    [output] = run["producedDatasets"]
    facets = json.loads(output["facets"])
    assert facets["documentation"]["description"] == "Orders per customer."
    assert [(f["name"], f["type"]) for f in output["schema"]] == [("customer_id", "integer"), ("order_count", "bigint")]
    staged = await _dataset(writer, f"postgres://warehouse:5432-{unique}", "analytics.public.stg_orders")
    assert json.loads(staged["facets"])["documentation"]["description"] == "Orders, one row per order, cleaned."


@pytest.mark.parametrize("name", ["airflow_task", "spark_job", "dbt_model"])
async def test_each_fixture_twice_gives_the_same_graph(
    writer: httpx.AsyncClient, database: Database, unique: str, name: str
) -> None:
    events = fixture(name, unique)
    for event in events:
        await send(writer, event)
    once = await _run(writer, events[0]["run"]["runId"])
    size = await graph_size(database)
    for event in events:
        await send(writer, event)
    # Each accepted event is audited: one entry node per request, nothing else.
    nodes, relationships = await graph_size(database)
    assert (nodes - len(events), relationships) == size
    assert await _run(writer, events[0]["run"]["runId"]) == once
