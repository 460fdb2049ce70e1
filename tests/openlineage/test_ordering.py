"""Arrival order does not matter: reordered events converge, concurrent events of one run serialize."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import uuid
from typing import Any

import httpx

from tests.graphql import data
from tests.openlineage.events import RUN_STATE, run_event, send

SCHEMA = {"schema": {"fields": [{"name": "id", "type": "long"}, {"name": "label", "type": "string"}]}}
VERSIONS = """
query($namespace: String!, $name: String!) {
  datasetBySource(namespace: $namespace, name: $name) { versions { totalCount } }
}
"""
RAW_DERIVATIVES = (
    'query($n: String!) { datasetBySource(namespace: $n, name: "raw") { latestVersion { derivatives { digest } } } }'
)
JOB_RUNS = "query($n: String!, $j: String!) { job(namespace: $n, name: $j) { runs { totalCount } } }"


def _events(tag: str, run_id: str) -> list[dict[str, Any]]:
    """One run's events, in the order the producer sent them; RUNNING is also sent late."""
    job = (f"order-{tag}", "build_labels")
    source = f"s3://order-{tag}"
    parent = {
        "parent": {
            "run": {"runId": str(uuid.UUID(int=uuid.UUID(run_id).int ^ 1))},
            "job": {"namespace": job[0], "name": "dag"},
        }
    }
    return [
        run_event(
            "START", run_id=run_id, job=job, time="2026-11-30T08:00:00Z", inputs=[(source, "raw")], run_facets=parent
        ),
        run_event("RUNNING", run_id=run_id, job=job, time="2026-11-30T08:01:00Z"),
        run_event(
            "COMPLETE",
            run_id=run_id,
            job=job,
            time="2026-11-30T08:05:00Z",
            inputs=[(source, "raw"), (source, "lookup")],
            outputs=[(source, "labels")],
            output_facets=SCHEMA,
        ),
        run_event("RUNNING", run_id=run_id, job=job, time="2026-11-30T08:02:00Z"),
    ]


async def _state(client: httpx.AsyncClient, tag: str, run_id: str) -> str:
    """The run as GraphQL shows it, with the run's own ids and names made comparable across runs."""
    run = (await data(client, RUN_STATE, runId=run_id))["run"]
    run["inputs"].sort(key=lambda i: i["datasetVersion"]["dataset"]["source"]["name"])
    for output in run["producedDatasets"]:
        output["derivedFrom"].sort(key=lambda d: d["dataset"]["name"])
    parent = str(uuid.UUID(int=uuid.UUID(run_id).int ^ 1))
    text = json.dumps(run, sort_keys=True).replace(run_id, "RUN").replace(parent, "PARENT").replace(tag, "TAG")
    # Registry names end in a hash of the full source, which holds the tag.
    return re.sub(r"-[0-9a-f]{8}\b", "-HASH", text)


async def test_events_in_any_order_converge_to_one_end_state(writer: httpx.AsyncClient, unique: str) -> None:
    states = set()
    for index, order in enumerate(itertools.permutations(range(4))):
        tag, run_id = f"{unique}-{index}", str(uuid.uuid4())
        events = _events(tag, run_id)
        for position in order:
            await send(writer, events[position])
        states.add(await _state(writer, tag, run_id))
    assert len(states) == 1
    final = json.loads(states.pop())
    assert (final["status"], final["startedAt"][:19], final["endedAt"][:19]) == (
        "FINISHED",
        "2026-11-30T08:00:00",
        "2026-11-30T08:05:00",
    )
    assert final["parent"]["runId"] == "PARENT"
    assert [i["datasetVersion"]["digest"] for i in final["inputs"]] == ["openlineage:first-seen"] * 2
    [output] = final["producedDatasets"]
    assert [field["name"] for field in output["schema"]] == ["id", "label"]
    assert len(output["derivedFrom"]) == 2


async def test_a_failure_reported_before_the_start_still_ends_the_run(writer: httpx.AsyncClient, unique: str) -> None:
    run_id = str(uuid.uuid4())
    job = (f"fail-{unique}", "load")
    error = {"errorMessage": {"message": "disk full", "programmingLanguage": "java"}}
    await send(writer, run_event("FAIL", run_id=run_id, job=job, time="2026-11-30T09:03:00Z", run_facets=error))
    await send(writer, run_event("START", run_id=run_id, job=job, time="2026-11-30T09:00:00Z"))
    await send(writer, run_event("RUNNING", run_id=run_id, job=job, time="2026-11-30T09:01:00Z"))
    run = (await data(writer, RUN_STATE, runId=run_id))["run"]
    assert (run["status"], run["errorMessage"]) == ("FAILED", "disk full")
    assert (run["startedAt"][:19], run["endedAt"][:19]) == ("2026-11-30T09:00:00", "2026-11-30T09:03:00")


async def test_sixteen_concurrent_requests_for_one_run_make_one_run_and_one_version(
    writer: httpx.AsyncClient, unique: str
) -> None:
    tag, run_id = f"{unique}-c", str(uuid.uuid4())
    events = _events(tag, run_id)
    burst = [events[i % len(events)] for i in range(16)]
    await asyncio.gather(*(send(writer, event) for event in burst))
    source = f"s3://order-{tag}"
    for name in ("raw", "lookup", "labels"):
        found = await data(writer, VERSIONS, namespace=source, name=name)
        assert found["datasetBySource"]["versions"]["totalCount"] == 1, name
    assert (await data(writer, JOB_RUNS, n=f"order-{tag}", j="build_labels"))["job"]["runs"]["totalCount"] == 1
    run = (await data(writer, RUN_STATE, runId=run_id))["run"]
    assert run["status"] == "FINISHED"
    assert len(run["inputs"]) == 2
    assert len(run["producedDatasets"]) == 1
    assert len(run["producedDatasets"][0]["derivedFrom"]) == 2

    # The same events one after the other give the same answer.
    sequential_tag, sequential_run = f"{unique}-s", str(uuid.uuid4())
    for event in _events(sequential_tag, sequential_run):
        await send(writer, event)
    assert await _state(writer, tag, run_id) == await _state(writer, sequential_tag, sequential_run)


async def test_concurrent_runs_reading_a_new_table_share_its_one_first_seen_version(
    writer: httpx.AsyncClient, unique: str
) -> None:
    source = f"postgres://shared-{unique}:5432"
    events = [
        run_event(
            "START",
            run_id=str(uuid.uuid4()),
            job=(f"readers-{unique}", f"reader_{index}"),
            time="2026-11-30T10:00:00Z",
            inputs=[(source, "public.events")],
        )
        for index in range(16)
    ]
    await asyncio.gather(*(send(writer, event) for event in events))
    found = await data(writer, VERSIONS, namespace=source, name="public.events")
    assert found["datasetBySource"]["versions"]["totalCount"] == 1


def _clean_written(run_id: str, jobs: str, lake: str) -> dict[str, Any]:
    """Run `run_id` of job `clean` wrote `clean` from `raw` at 10:10 (the writer both races below read)."""
    return run_event(
        "COMPLETE",
        run_id=run_id,
        job=(jobs, "clean"),
        time="2026-11-30T10:10:00Z",
        inputs=[(lake, "raw")],
        outputs=[(lake, "clean")],
    )


async def test_a_reader_heard_before_the_writer_ends_up_reading_what_was_written(
    writer: httpx.AsyncClient, unique: str
) -> None:
    """B read `clean` at 10:20, A wrote it at 10:10; B's events arrive first. The reads converge."""
    for order in ("in order", "reader first"):
        tag = f"{unique}-{order.replace(' ', '-')}"
        lake, jobs = f"s3://cross-{tag}", f"cross-{tag}"
        a, b = str(uuid.uuid4()), str(uuid.uuid4())
        write = _clean_written(a, jobs, lake)
        read = run_event(
            "COMPLETE",
            run_id=b,
            job=(jobs, "features"),
            time="2026-11-30T10:20:00Z",
            inputs=[(lake, "clean")],
            outputs=[(lake, "features")],
        )
        for event in (write, read) if order == "in order" else (read, write):
            await send(writer, event)
        reader = (await data(writer, RUN_STATE, runId=b))["run"]
        [used] = reader["inputs"]
        assert used["datasetVersion"]["digest"] == f"openlineage:{a}:{lake}/clean", order
        [output] = reader["producedDatasets"]
        assert [d["digest"] for d in output["derivedFrom"]] == [f"openlineage:{a}:{lake}/clean"], order
        raw = (await data(writer, RAW_DERIVATIVES, n=lake))["datasetBySource"]["latestVersion"]
        assert raw["derivatives"] == [{"digest": used["datasetVersion"]["digest"]}], order


async def test_a_run_that_reads_and_writes_one_table_derives_the_new_version_from_the_old(
    writer: httpx.AsyncClient, unique: str
) -> None:
    """An incremental model (dbt, Spark MERGE INTO) reads the table it writes: one event, two items."""
    lake, run_id = f"s3://incremental-{unique}", str(uuid.uuid4())
    job = (f"incremental-{unique}", "append_orders")
    table = (lake, "orders")
    await send(
        writer,
        run_event("COMPLETE", run_id=run_id, job=job, time="2026-11-30T11:00:00Z", inputs=[table], outputs=[table]),
    )
    run = (await data(writer, RUN_STATE, runId=run_id))["run"]
    [used] = run["inputs"]
    assert used["datasetVersion"]["digest"] == "openlineage:first-seen"
    [output] = run["producedDatasets"]
    assert output["digest"] == f"openlineage:{run_id}:{lake}/orders"
    assert [d["digest"] for d in output["derivedFrom"]] == ["openlineage:first-seen"]


async def test_readers_racing_the_writer_of_what_they_read_all_end_up_reading_it(
    writer: httpx.AsyncClient, unique: str
) -> None:
    """A wrote `clean` at 10:10; twelve runs read it at 10:20 (no version facet), all sent at once with A's event.

    Whichever commits first, every read ends on A's version and no first-seen version of `clean` is left.
    """
    for round_ in range(4):
        tag = f"{unique}-race{round_}"
        lake, jobs = f"s3://race-{tag}", f"race-{tag}"
        a = str(uuid.uuid4())
        readers = [str(uuid.uuid4()) for _ in range(12)]
        write = _clean_written(a, jobs, lake)
        reads = [
            run_event(
                "START", run_id=b, job=(jobs, f"features_{i}"), time="2026-11-30T10:20:00Z", inputs=[(lake, "clean")]
            )
            for i, b in enumerate(readers)
        ]
        half = len(reads) // 2
        await asyncio.gather(*(send(writer, event) for event in [*reads[:half], write, *reads[half:]]))
        for b in readers:
            [used] = (await data(writer, RUN_STATE, runId=b))["run"]["inputs"]
            assert used["datasetVersion"]["digest"] == f"openlineage:{a}:{lake}/clean", round_
        found = await data(writer, VERSIONS, namespace=lake, name="clean")
        assert found["datasetBySource"]["versions"]["totalCount"] == 1, round_
