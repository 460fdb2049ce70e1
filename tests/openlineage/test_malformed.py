"""Malformed events: 400 naming the field, and the graph exactly as it was (nodes and edges counted)."""

from __future__ import annotations

import asyncio
import copy
import gzip
import uuid
from typing import Any

import httpx
import orjson
import pytest

from graph_registry.services.tokens import Role
from graph_registry.settings import Settings
from graph_registry.storage.database import Database
from tests.live_server import LiveServer
from tests.openlineage.events import graph_size, run_event

GOOD = run_event(
    "COMPLETE",
    run_id="00000000-0000-4000-8000-000000000000",
    job=("malformed-tests", "job"),
    time="2026-11-30T07:00:00Z",
    inputs=[("s3://malformed", "in")],
    outputs=[("s3://malformed", "out")],
)


def _changed(path: str, value: Any) -> bytes:
    """GOOD with the value at a dotted path (list indexes as numbers) replaced; value DELETE removes it."""
    event = copy.deepcopy(GOOD)
    event["run"]["runId"] = str(uuid.uuid4())  # were the event accepted, it would be a new run
    *parents, last = path.split(".")
    target: Any = event
    for part in parents:
        target = target[int(part)] if part.isdigit() else target.setdefault(part, {})
    if value is DELETE:
        del target[last]
    else:
        target[int(last) if last.isdigit() else last] = value
    return orjson.dumps(event)


DELETE = object()
CASES: list[tuple[str, bytes, str]] = [
    ("not JSON", b"{not json", "body"),
    ("not an object", b'["a", "list"]', "body"),
    ("a JSON string", b'"START"', "body"),
    ("no runId", _changed("run.runId", DELETE), "run.runId"),
    ("a runId that is no UUID", _changed("run.runId", "run-42"), "run.runId"),
    ("a numeric runId", _changed("run.runId", 42), "run.runId"),
    ("run not an object", _changed("run", "r"), "run"),
    ("no eventTime", _changed("eventTime", DELETE), "eventTime"),
    ("an unparsable eventTime", _changed("eventTime", "yesterday at noon"), "eventTime"),
    ("an unknown eventType", _changed("eventType", "FINISHED"), "eventType"),
    ("no job", _changed("job", DELETE), "job"),
    ("no job namespace", _changed("job.namespace", DELETE), "job.namespace"),
    ("an empty job name", _changed("job.name", ""), "job.name"),
    ("a job name that is no string", _changed("job.name", ["x"]), "job.name"),
    ("a run facet that is not an object", _changed("run.facets.errorMessage", "boom"), "run.facets.errorMessage"),
    ("run facets not an object", _changed("run.facets", []), "run.facets"),
    ("a job facet that is not an object", _changed("job.facets.sql", "select 1"), "job.facets.sql"),
    ("a dataset facet that is not an object", _changed("outputs.0.facets.schema", 7), "outputs[0].facets.schema"),
    ("an input facet that is not an object", _changed("inputs.0.inputFacets", "x"), "inputs[0].inputFacets"),
    ("inputs not a list", _changed("inputs", {"namespace": "s3://x"}), "inputs"),
    ("an input without a name", _changed("inputs.0.name", DELETE), "inputs[0].name"),
    ("an output without a namespace", _changed("outputs.0.namespace", None), "outputs[0].namespace"),
    (
        "a parent facet with a bad runId",
        _changed("run.facets.parent", {"run": {"runId": "p"}, "job": {}}),
        "run.facets.parent.run.runId",
    ),
    (
        "a parent facet without a job",
        _changed("run.facets.parent", {"run": {"runId": str(uuid.uuid4())}}),
        "run.facets.parent.job",
    ),
]


@pytest.mark.parametrize(("case", "body", "field"), CASES, ids=[case for case, _, _ in CASES])
async def test_a_malformed_event_is_refused_naming_the_field(
    writer: httpx.AsyncClient, database: Database, case: str, body: bytes, field: str
) -> None:
    before = await graph_size(database)
    response = await writer.post("/api/v1/lineage", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    answer = response.json()
    assert (answer["code"], answer["field"]) == ("INVALID_INPUT", field), answer
    assert await graph_size(database) == before


async def test_a_body_over_the_limit_is_refused(writer: httpx.AsyncClient, database: Database) -> None:
    before = await graph_size(database)
    event = copy.deepcopy(GOOD)
    event["run"]["facets"]["padding"] = {"text": "x" * (1024 * 1024)}
    response = await writer.post("/api/v1/lineage", json=event)
    assert response.status_code == 413
    assert response.json()["field"] == "body"
    assert await graph_size(database) == before


async def test_a_gzip_bomb_is_refused(writer: httpx.AsyncClient, database: Database) -> None:
    before = await graph_size(database)
    bomb = gzip.compress(b" " * (16 * 1024 * 1024))  # 16 MiB of spaces, a few KiB on the wire
    headers = {"content-type": "application/json", "content-encoding": "gzip"}
    response = await writer.post("/api/v1/lineage", content=bomb, headers=headers)
    assert response.status_code == 413
    response = await writer.post("/api/v1/lineage", content=b"not gzip", headers=headers)
    assert (response.status_code, response.json()["field"]) == (400, "body")
    assert await graph_size(database) == before


async def test_the_good_event_of_the_table_is_accepted(writer: httpx.AsyncClient, database: Database) -> None:
    """The table's events differ from an accepted one by the named field alone."""
    before = await graph_size(database)
    response = await writer.post("/api/v1/lineage", content=_changed("producer", "tests"))
    assert response.status_code == 201, response.text
    assert (await graph_size(database))[1] > before[1]


async def test_an_event_that_fails_half_way_leaves_nothing_but_its_audit_entry(
    writer: httpx.AsyncClient, database: Database, unique: str
) -> None:
    run_id = str(uuid.uuid4())
    first = run_event("START", run_id=run_id, job=(unique, "a"), time="2026-11-30T07:00:00Z")
    response = await writer.post("/api/v1/lineage", json=first)
    assert response.status_code == 201
    before = await graph_size(database)
    # The same run id under another job: found CONFLICT after the job, experiment and datasets were merged.
    other = run_event(
        "COMPLETE",
        run_id=run_id,
        job=(f"{unique}-other", "b"),
        time="2026-11-30T07:05:00Z",
        inputs=[(f"s3://{unique}", "in")],
        outputs=[(f"s3://{unique}", "out")],
    )
    response = await writer.post("/api/v1/lineage", json=other)
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "CONFLICT"
    nodes, relationships = await graph_size(database)
    assert (nodes, relationships) == (before[0] + 1, before[1])  # the refused attempt's audit entry alone


async def test_a_body_that_never_arrives_is_answered_408(
    neo4j_settings: Settings, database: Database, tokens: dict[Role, str]
) -> None:
    settings = neo4j_settings.model_copy(update={"auth": True, "request_body_timeout": 1.0})
    with LiveServer.serving(settings) as server:
        host, port = server.url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        head = (
            "POST /api/v1/lineage HTTP/1.1\r\n"
            f"Host: {host}\r\nAuthorization: Bearer {tokens[Role.WRITER]}\r\n"
            "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
        )
        writer.write(head.encode())
        await writer.drain()
        status = await reader.readline()
        writer.close()
        await writer.wait_closed()
    assert status.split()[1] == b"408"
