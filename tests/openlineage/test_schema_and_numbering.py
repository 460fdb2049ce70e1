"""Nested schema fields, and first-seen version numbers that do not depend on arrival order, with the
real OpenLineage client (openlineage-python, HTTP transport, api_key auth) against a live server."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import schema_dataset

from graph_registry.services.tokens import Role
from tests.graphql import data
from tests.live_server import LiveServer

PRODUCER = "https://github.com/acme/graph-registry-tests"
T0 = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
Field = schema_dataset.SchemaDatasetFacetFields
VERSIONS = """query($namespace: String!, $name: String!) {
  datasetBySource(namespace: $namespace, name: $name) {
    name
    versions(first: 50) { edges { node { version digest schema { name type description } usedBy { runId } } } }
  }
}"""
USED = """query($runId: String!) { run(runId: $runId) { inputs { datasetVersion { version digest } } } }"""


def _client(api: LiveServer, secret: str) -> OpenLineageClient:
    auth = {"type": "api_key", "apiKey": secret}
    return OpenLineageClient(config={"transport": {"type": "http", "url": api.url, "auth": auth}})


async def _emit(client: OpenLineageClient, *events: RunEvent) -> None:
    for event in events:
        await asyncio.to_thread(client.emit, event)


async def test_nested_schema_fields_are_listed_by_their_dotted_path(
    lineage_api: LiveServer, tokens: dict[Role, str], writer: httpx.AsyncClient, unique: str
) -> None:
    schema = schema_dataset.SchemaDatasetFacet(
        fields=[
            Field(name="id", type="BIGINT"),
            Field(
                name="customer",
                type="STRUCT",
                description="who ordered",
                fields=[
                    Field(name="name", type="STRING"),
                    Field(name="address", type="STRUCT", fields=[Field(name="city", type="STRING", description="c")]),
                ],
            ),
            Field(
                name="items", type="ARRAY", fields=[Field(name="_element", type="STRUCT", fields=[Field(name="sku")])]
            ),
        ]
    )
    namespace = f"warehouse-{unique}"
    event = RunEvent(
        eventType=RunState.COMPLETE,
        eventTime=T0.isoformat(),
        run=Run(runId=str(uuid.uuid4())),
        job=Job(namespace=namespace, name="orders"),
        producer=PRODUCER,
        outputs=[OutputDataset(namespace=namespace, name="sales.orders", facets={"schema": schema})],
    )
    await _emit(_client(lineage_api, tokens[Role.WRITER]), event)
    found = (await data(writer, VERSIONS, namespace=namespace, name="sales.orders"))["datasetBySource"]
    [version] = [edge["node"] for edge in found["versions"]["edges"]]
    assert [(f["name"], f["type"], f["description"]) for f in version["schema"]] == [
        ("id", "BIGINT", None),
        ("customer", "STRUCT", "who ordered"),
        ("customer.name", "STRING", None),
        ("customer.address", "STRUCT", None),
        ("customer.address.city", "STRING", "c"),
        ("items", "ARRAY", None),
        ("items._element", "STRUCT", None),
        ("items._element.sku", None, None),
    ]


def _events(namespace: str, runs: dict[str, str]) -> list[RunEvent]:
    """A table written by one run at T0+10 and read, without a version facet, by three runs: at
    T0+5 (before the write: the table as first seen), T0+20 and T0+30 (after it: the written one)."""
    table = InputDataset(namespace=namespace, name="raw.events")
    job = lambda name: Job(namespace=namespace, name=name)  # noqa: E731
    made = [
        RunEvent(
            eventType=RunState.COMPLETE,
            eventTime=(T0 + timedelta(minutes=10)).isoformat(),
            run=Run(runId=runs["writer"]),
            job=job("load_events"),
            producer=PRODUCER,
            outputs=[OutputDataset(namespace=namespace, name="raw.events")],
        )
    ]
    for name, minutes in (("early", 5), ("late", 20), ("later", 30)):
        made.append(
            RunEvent(
                eventType=RunState.COMPLETE,
                eventTime=(T0 + timedelta(minutes=minutes)).isoformat(),
                run=Run(runId=runs[name]),
                job=job(f"read_{name}"),
                producer=PRODUCER,
                inputs=[table],
            )
        )
    return made


async def _end_state(writer: httpx.AsyncClient, namespace: str, runs: dict[str, str]) -> dict[str, Any]:
    found = (await data(writer, VERSIONS, namespace=namespace, name="raw.events"))["datasetBySource"]
    versions = sorted(
        (
            node["version"],
            node["digest"].replace(runs["writer"], "<writer>").replace(namespace, "<namespace>"),
            sorted(next(k for k, v in runs.items() if v == used["runId"]) for used in node["usedBy"]),
        )
        for node in (edge["node"] for edge in found["versions"]["edges"])
    )
    used = {}
    for name in ("early", "late", "later"):
        [read] = (await data(writer, USED, runId=runs[name]))["run"]["inputs"]
        used[name] = read["datasetVersion"]["version"]
    return {"versions": versions, "used": used}


async def test_first_seen_numbering_does_not_depend_on_arrival_order(
    lineage_api: LiveServer, tokens: dict[Role, str], writer: httpx.AsyncClient, unique: str
) -> None:
    """Every order of the four runs' events gives the same versions, numbers and reads: the written
    version is 1 and the table as first seen (read before it was written) is 0; with no read before
    the write, no version 0 remains."""
    client = _client(lineage_api, tokens[Role.WRITER])
    states = []
    for index, order in enumerate(itertools.permutations(range(4))):
        if index % 3:  # 8 of the 24 orders, the written event first, last and between
            continue
        namespace = f"lake-{unique}-{index}"
        runs = {name: str(uuid.uuid4()) for name in ("writer", "early", "late", "later")}
        events = _events(namespace, runs)
        await _emit(client, *(events[position] for position in order))
        states.append(await _end_state(writer, namespace, runs))
    assert all(state == states[0] for state in states), states
    assert states[0] == {
        "versions": [
            (0, "openlineage:first-seen", ["early"]),
            (1, "openlineage:<writer>:<namespace>/raw.events", ["late", "later"]),
        ],
        "used": {"early": 0, "late": 1, "later": 1},
    }


async def test_without_an_early_read_no_first_seen_version_remains(
    lineage_api: LiveServer, tokens: dict[Role, str], writer: httpx.AsyncClient, unique: str
) -> None:
    """Read at T0+20 first (resolved to the table as first seen), then the write at T0+10 arrives: the
    read moves to the written version and the first-seen version, read by nobody now, goes."""
    client = _client(lineage_api, tokens[Role.WRITER])
    namespace = f"lake-{unique}"
    runs = {name: str(uuid.uuid4()) for name in ("writer", "early", "late", "later")}
    writer_event, _, late, later = _events(namespace, runs)
    await _emit(client, late, later, writer_event)
    found = (await data(writer, VERSIONS, namespace=namespace, name="raw.events"))["datasetBySource"]
    assert [(e["node"]["version"], e["node"]["digest"]) for e in found["versions"]["edges"]] == [
        (1, f"openlineage:{runs['writer']}:{namespace}/raw.events")
    ]
