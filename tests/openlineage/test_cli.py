"""`graph-registry lineage` and `impact` draw pipeline jobs and runs recorded from OpenLineage."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from rich.console import Console
from typer.testing import CliRunner

from graph_registry.cli import output
from graph_registry.cli.main import app
from graph_registry.services.tokens import Role
from tests.graphql import data
from tests.live_server import LiveServer
from tests.openlineage.events import run_event, send

BY_SOURCE = (
    "query($n: String!, $s: String!) { datasetBySource(namespace: $n, name: $s) { name latestVersion { version } } }"
)
CREATE = "mutation($input: CreateModelVersionInput!) { createModelVersion(input: $input) { version } }"


async def test_the_cli_draws_jobs_and_runs(
    lineage_api: LiveServer,
    tokens: dict[Role, str],
    writer: httpx.AsyncClient,
    unique: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lake, jobs, run_id = f"s3://cli-{unique}", f"cli-{unique}", str(uuid.uuid4())
    await send(
        writer,
        run_event(
            "COMPLETE",
            run_id=run_id,
            job=(jobs, "prepare"),
            time="2026-11-30T12:00:00Z",
            inputs=[(lake, "raw")],
            outputs=[(lake, "train")],
        ),
    )
    train = (await data(writer, BY_SOURCE, n=lake, s="train"))["datasetBySource"]
    model = f"cli-{unique}"
    ref = {"dataset": train["name"], "version": train["latestVersion"]["version"]}
    await data(writer, CREATE, input={"model": model, "trainedOn": [ref]})
    raw = (await data(writer, BY_SOURCE, n=lake, s="raw"))["datasetBySource"]

    monkeypatch.setattr(output, "stdout", Console(width=250, highlight=False))
    runner = CliRunner()

    def cli(*args: str) -> str:
        result = runner.invoke(app, [*args, "--url", lineage_api.url, "--token", tokens[Role.READER]])
        assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
        return result.stdout

    tree = await asyncio.to_thread(cli, "lineage", f"{model}:1", "--depth", "6")
    assert f"JOB {jobs}/prepare" in tree
    assert f"RUN prepare run {run_id[:8]}" in tree
    impact = await asyncio.to_thread(cli, "impact", f"{raw['name']}:{raw['latestVersion']['version']}")
    assert f"prepare run {run_id[:8]}" in impact
