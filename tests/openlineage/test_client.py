"""The real OpenLineage client (openlineage-python, HTTP transport, api_key auth) against a live server."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import requests
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import error_message_run, schema_dataset

from graph_registry.services.tokens import Role
from tests.graphql import data
from tests.live_server import LiveServer
from tests.openlineage.events import RUN_STATE

PRODUCER = "https://github.com/acme/graph-registry-tests"
T0 = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


def _client(api: LiveServer, secret: str, **transport: str) -> OpenLineageClient:
    auth = {"type": "api_key", "apiKey": secret}
    return OpenLineageClient(config={"transport": {"type": "http", "url": api.url, "auth": auth, **transport}})


def _event(state: RunState, run_id: str, job: str, at: datetime, *, fail: str | None = None) -> RunEvent:
    schema = schema_dataset.SchemaDatasetFacet(
        fields=[
            schema_dataset.SchemaDatasetFacetFields(name="user_id", type="BIGINT"),
            schema_dataset.SchemaDatasetFacetFields(name="score", type="DOUBLE", description="model input"),
        ]
    )
    run_facets = {}
    if fail is not None:
        run_facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(message=fail, programmingLanguage="python")
    return RunEvent(
        eventType=state,
        eventTime=at.isoformat(),
        run=Run(runId=run_id, facets=run_facets),
        job=Job(namespace=job, name="score_users"),
        producer=PRODUCER,
        inputs=[InputDataset(namespace=f"bigquery-{job}", name="analytics.users")],
        outputs=[OutputDataset(namespace=f"bigquery-{job}", name="analytics.user_scores", facets={"schema": schema})],
    )


async def test_start_complete_and_fail_from_the_real_client(
    lineage_api: LiveServer, tokens: dict[Role, str], writer: httpx.AsyncClient, unique: str
) -> None:
    client = _client(lineage_api, tokens[Role.WRITER])
    job = f"pipelines-{unique}"
    finished, failed = str(uuid.uuid4()), str(uuid.uuid4())
    for event in (
        _event(RunState.START, finished, job, T0),
        _event(RunState.COMPLETE, finished, job, T0 + timedelta(minutes=3)),
        _event(RunState.START, failed, job, T0 + timedelta(minutes=5)),
        _event(RunState.FAIL, failed, job, T0 + timedelta(minutes=6), fail="division by zero in score()"),
    ):
        await asyncio.to_thread(client.emit, event)

    done = (await data(writer, RUN_STATE, runId=finished))["run"]
    assert done["status"] == "FINISHED"
    assert done["job"] == {"namespace": job, "name": "score_users", "facets": None}
    assert done["errorMessage"] is None
    [output] = done["producedDatasets"]
    assert output["dataset"]["source"] == {"namespace": f"bigquery-{job}", "name": "analytics.user_scores"}
    assert output["schema"] == [
        {"name": "user_id", "type": "BIGINT", "description": None},
        {"name": "score", "type": "DOUBLE", "description": "model input"},
    ]
    bad = (await data(writer, RUN_STATE, runId=failed))["run"]
    assert bad["status"] == "FAILED"
    assert bad["errorMessage"] == "division by zero in score()"
    assert bad["endedAt"].startswith("2026-11-30T06:06:00")
    assert bad["producedDatasets"] == []  # a failed run wrote nothing the registry can trust
    # The inputs of both runs resolved to one version of the table: the implicit first-seen one.
    assert bad["inputs"][0]["datasetVersion"] == done["inputs"][0]["datasetVersion"]


@pytest.mark.parametrize("role", [Role.READER, None])
async def test_the_client_needs_a_writer_token(
    lineage_api: LiveServer, tokens: dict[Role, str], writer: httpx.AsyncClient, unique: str, role: Role | None
) -> None:
    secret = tokens[role] if role is not None else "gr_" + uuid.uuid4().hex
    run_id = str(uuid.uuid4())
    with pytest.raises(requests.HTTPError) as refused:
        await asyncio.to_thread(_client(lineage_api, secret).emit, _event(RunState.START, run_id, unique, T0))
    assert refused.value.response.status_code == (403 if role else 401)
    assert (await data(writer, "query($r: String!) { run(runId: $r) { runId } }", r=run_id))["run"] is None


async def test_refusals_and_accepted_events_are_audited(
    lineage_api: LiveServer, tokens: dict[Role, str], writer: httpx.AsyncClient, unique: str
) -> None:
    run_id = str(uuid.uuid4())
    await asyncio.to_thread(_client(lineage_api, tokens[Role.WRITER]).emit, _event(RunState.START, run_id, unique, T0))
    with pytest.raises(requests.HTTPError):
        await asyncio.to_thread(
            _client(lineage_api, tokens[Role.READER]).emit, _event(RunState.START, run_id, unique, T0)
        )
    log = await data(
        writer,
        "{ auditLog(first: 50) { edges { node { operation outcome role arguments } } } }",
    )
    mine = [e["node"] for e in log["auditLog"]["edges"] if run_id in (e["node"]["arguments"] or "")]
    assert [(e["operation"], e["outcome"], e["role"]) for e in mine] == [("POST /api/v1/lineage", "OK", "writer")]
    refused = [e["node"] for e in log["auditLog"]["edges"] if e["node"]["outcome"] == "FORBIDDEN"]
    assert any(e["operation"] == "POST /api/v1/lineage" and e["role"] == "reader" for e in refused)


async def test_the_client_may_compress_its_events(
    lineage_api: LiveServer, tokens: dict[Role, str], writer: httpx.AsyncClient, unique: str
) -> None:
    client = _client(lineage_api, tokens[Role.WRITER], compression="gzip")
    run_id = str(uuid.uuid4())
    await asyncio.to_thread(client.emit, _event(RunState.COMPLETE, run_id, f"gzip-{unique}", T0))
    run = (await data(writer, RUN_STATE, runId=run_id))["run"]
    assert run["status"] == "FINISHED"
    assert run["producedDatasets"][0]["schema"][0]["name"] == "user_id"
