"""DatasetEvent and JobEvent (static metadata), 1-0-x run events, and datasets registered with a source."""

from __future__ import annotations

import json
import uuid

import httpx

from tests.graphql import data, error_code
from tests.openlineage.events import PRODUCER, run_event, send

DATASET = """
query($namespace: String!, $name: String!) {
  datasetBySource(namespace: $namespace, name: $name) {
    name facets source { namespace name } versions { totalCount edges { node { digest usedBy { runId } } } }
  }
}
"""
REGISTER = """
mutation($input: RegisterDatasetVersionInput!) {
  registerDatasetVersion(input: $input) { version digest dataset { name source { namespace name } } }
}
"""


async def test_a_dataset_event_records_the_dataset_and_its_facets(writer: httpx.AsyncClient, unique: str) -> None:
    namespace = f"bigquery-{unique}"
    event = {
        "eventTime": "2026-11-30T11:00:00Z",
        "producer": PRODUCER,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent",
        "dataset": {
            "namespace": namespace,
            "name": "project.analytics.users",
            "facets": {"documentation": {"_producer": PRODUCER, "_schemaURL": "x", "description": "One row per user."}},
        },
    }
    await send(writer, event)
    found = (await data(writer, DATASET, namespace=namespace, name="project.analytics.users"))["datasetBySource"]
    assert json.loads(found["facets"])["documentation"]["description"] == "One row per user."
    assert found["versions"]["totalCount"] == 0  # metadata, no version of the data


async def test_a_job_event_records_the_job_and_its_datasets(writer: httpx.AsyncClient, unique: str) -> None:
    namespace = f"jobs-{unique}"
    event = {
        "eventTime": "2026-11-30T11:00:00Z",
        "producer": PRODUCER,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent",
        "job": {"namespace": namespace, "name": "nightly", "facets": {"sql": {"query": "select 1"}}},
        "inputs": [{"namespace": f"pg-{unique}", "name": "db.public.a"}],
        "outputs": [{"namespace": f"pg-{unique}", "name": "db.public.b"}],
    }
    await send(writer, event)
    job = await data(
        writer, 'query($n: String!) { job(namespace: $n, name: "nightly") { facets runs { totalCount } } }', n=namespace
    )
    assert json.loads(job["job"]["facets"])["sql"]["query"] == "select 1"
    assert job["job"]["runs"]["totalCount"] == 0
    assert (await data(writer, DATASET, namespace=f"pg-{unique}", name="db.public.b"))["datasetBySource"] is not None


async def test_a_1_0_run_event_without_schema_url_is_accepted(writer: httpx.AsyncClient, unique: str) -> None:
    run_id = str(uuid.uuid4())
    event = run_event("COMPLETE", run_id=run_id, job=(f"old-{unique}", "job"), time="2026-11-30T11:00:00+02:00")
    del event["schemaURL"]
    await send(writer, event)
    run = (await data(writer, "query($r: String!) { run(runId: $r) { status endedAt } }", r=run_id))["run"]
    assert run["status"] == "FINISHED"
    assert run["endedAt"].startswith("2026-11-30T09:00:00")


async def test_a_dataset_registered_with_a_source_is_the_one_events_use(writer: httpx.AsyncClient, unique: str) -> None:
    namespace, name = f"s3://registered-{unique}", "curated/labels"
    registered = await data(
        writer,
        REGISTER,
        input={
            "dataset": f"labels-{unique}",
            "digest": "sha256:" + "ab" * 32,
            "source": {"namespace": namespace, "name": name},
        },
    )
    assert registered["registerDatasetVersion"]["dataset"]["source"] == {"namespace": namespace, "name": name}
    run_id = str(uuid.uuid4())
    await send(
        writer,
        run_event(
            "START",
            run_id=run_id,
            job=(f"jobs-{unique}", "reader"),
            time="2999-01-01T00:00:00Z",
            inputs=[(namespace, name)],
        ),
    )
    found = (await data(writer, DATASET, namespace=namespace, name=name))["datasetBySource"]
    assert found["name"] == f"labels-{unique}"
    # Read at a time after it was registered: the registered version, no implicit one.
    assert [edge["node"] for edge in found["versions"]["edges"]] == [
        {"digest": "sha256:" + "ab" * 32, "usedBy": [{"runId": run_id}]}
    ]
    # A dataset has one source; another one is a conflict.
    other = {
        "dataset": f"labels-{unique}",
        "digest": "sha256:" + "ab" * 32,
        "source": {"namespace": "s3://x", "name": name},
    }
    assert await error_code(writer, REGISTER, input=other) == "CONFLICT"


async def test_adapter_digests_are_written_by_the_endpoint_only(writer: httpx.AsyncClient, unique: str) -> None:
    for digest in ("openlineage:first-seen", f"openlineage:{uuid.uuid4()}:s3://x/y", "openlineage:version:3"):
        value = {"dataset": f"forged-{unique}", "digest": digest}
        assert await error_code(writer, REGISTER, input=value) == "INVALID_INPUT"


async def test_a_jobs_runs_and_its_experiments_runs_page_newest_first(writer: httpx.AsyncClient, unique: str) -> None:
    namespace = f"paged-{unique}"
    run_ids = [str(uuid.uuid4()) for _ in range(3)]
    for hour, run_id in enumerate(run_ids):
        await send(
            writer, run_event("START", run_id=run_id, job=(namespace, "daily"), time=f"2026-11-30T0{hour}:00:00Z")
        )
    pages = """
    query($n: String!, $after: String) {
      job(namespace: $n, name: "daily") { runs(first: 2, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { runId } } } }
      experiment(name: $n) { runs(first: 2, after: $after) { edges { node { runId } } } }
    }
    """
    first = await data(writer, pages, n=namespace)
    runs = first["job"]["runs"]
    assert runs["totalCount"] == 3 and runs["pageInfo"]["hasNextPage"]
    assert [edge["node"]["runId"] for edge in runs["edges"]] == [run_ids[2], run_ids[1]]
    assert first["experiment"]["runs"]["edges"] == runs["edges"]
    rest = await data(writer, pages, n=namespace, after=runs["pageInfo"]["endCursor"])
    assert [edge["node"]["runId"] for edge in rest["job"]["runs"]["edges"]] == [run_ids[0]]
    assert rest["experiment"]["runs"]["edges"] == rest["job"]["runs"]["edges"]
