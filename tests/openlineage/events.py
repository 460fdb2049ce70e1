"""OpenLineage events for the tests: the fixture files with fresh ids, and small hand-made ones."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

import httpx

from graph_registry.storage.database import Database

FIXTURES = Path(__file__).parent / "fixtures"
PRODUCER = "https://github.com/acme/graph-registry-tests"
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"


def fixture(name: str, unique: str) -> list[dict[str, Any]]:
    """A fixture's events with every run id replaced (consistently) and every namespace made unique."""
    events: list[dict[str, Any]] = json.loads((FIXTURES / f"{name}.json").read_text())
    run_ids: dict[str, str] = {}

    def fresh(value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            return {k: fresh(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [fresh(item) for item in value]
        if key == "runId":
            return run_ids.setdefault(value, str(uuid.uuid4()))
        if key == "namespace":
            return f"{value}-{unique}"
        return value

    return [fresh(event) for event in events]


def run_event(
    event_type: str | None,
    *,
    run_id: str,
    job: tuple[str, str],
    time: str,
    inputs: list[tuple[str, str]] = (),  # type: ignore[assignment]
    outputs: list[tuple[str, str]] = (),  # type: ignore[assignment]
    run_facets: dict[str, Any] | None = None,
    output_facets: dict[str, Any] | None = None,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "eventTime": time,
        "producer": PRODUCER,
        "schemaURL": SCHEMA_URL,
        "run": {"runId": run_id, "facets": run_facets or {}},
        "job": {"namespace": job[0], "name": job[1], "facets": {}},
        "inputs": [{"namespace": ns, "name": name, "facets": {}} for ns, name in inputs],
        "outputs": [
            {"namespace": ns, "name": name, "facets": copy.deepcopy(output_facets or {})} for ns, name in outputs
        ],
    }
    if event_type is not None:
        event["eventType"] = event_type
    return event


async def send(client: httpx.AsyncClient, event: dict[str, Any]) -> None:
    response = await client.post("/api/v1/lineage", json=event)
    assert response.status_code == 201, response.text


async def graph_size(database: Database) -> tuple[int, int]:
    row = (await database.read("count_graph"))[0]
    return row["nodes"], row["relationships"]


RUN_STATE = """
query Run($runId: String!) {
  run(runId: $runId) {
    runId name status startedAt endedAt errorMessage
    experiment { name }
    job { namespace name facets }
    parent { runId status job { name } }
    commit { repo sha branch }
    inputs { role datasetVersion { digest version dataset { name source { namespace name } } } }
    producedDatasets {
      digest version facets
      dataset { name source { namespace name } }
      schema { name type description }
      derivedFrom { digest dataset { name } }
    }
  }
}
"""
