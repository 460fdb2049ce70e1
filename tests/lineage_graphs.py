"""Build lineage graphs through the HTTP API for tests: datasets, runs, model versions."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx

from tests.graphql import data

REGISTER = """
mutation($input: RegisterDatasetVersionInput!) {
  registerDatasetVersion(input: $input) { id version digest deleted dataset { name } }
}
"""
START_RUN = "mutation($input: StartRunInput!) { startRun(input: $input) { id runId status } }"
CREATE_VERSION = """
mutation($input: CreateModelVersionInput!) { createModelVersion(input: $input) { id version model { name } } }
"""
PROMOTE = """
mutation($m: String!, $v: Int!, $s: Stage!) { transitionStage(model: $m, version: $v, stage: $s) { stage } }
"""


def digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def sha(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def ref(version: dict[str, Any]) -> dict[str, Any]:
    return {"dataset": version["dataset"]["name"], "version": version["version"]}


async def dataset(
    client: httpx.AsyncClient, name: str, content: str, *, parents: list[dict[str, Any]] = (), run: str | None = None
) -> dict[str, Any]:
    result = await data(
        client,
        REGISTER,
        input={
            "dataset": name,
            "digest": digest(f"{name}/{content}"),
            "derivedFrom": [ref(p) for p in parents],
            "producedBy": run,
        },
    )
    version: dict[str, Any] = result["registerDatasetVersion"]
    return version


async def run(
    client: httpx.AsyncClient,
    experiment: str,
    *,
    inputs: list[dict[str, Any]] = (),
    repo: str | None = None,
    params: dict[str, str] | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    result = await data(
        client,
        START_RUN,
        input={
            "experiment": experiment,
            "name": name,
            "params": [{"key": k, "value": v} for k, v in (params or {}).items()],
            "commit": {"repo": repo, "sha": sha(f"{repo}/{experiment}/{name}")} if repo else None,
            "inputs": [{"datasetVersion": ref(i)} for i in inputs],
        },
    )
    started: dict[str, Any] = result["startRun"]
    return started


async def model_version(client: httpx.AsyncClient, model: str, **lineage: Any) -> dict[str, Any]:
    result = await data(client, CREATE_VERSION, input={"model": model, **lineage})
    created: dict[str, Any] = result["createModelVersion"]
    return created


async def trained_version(
    client: httpx.AsyncClient, model: str, datasets: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    """A version with the trainedOn + commit shortcut: complete provenance."""
    commit = {"repo": "github.com/acme/tests", "sha": sha(f"{model}/{len(datasets)}/{extra}")}
    return await model_version(client, model, trainedOn=[ref(d) for d in datasets], commit=commit, **extra)
