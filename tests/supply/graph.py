"""Model versions with declared packages, made through the API for the supply-chain tests."""

from __future__ import annotations

from typing import Any

import httpx

from tests.graphql import data

CREATE = """
mutation($input: CreateModelVersionInput!) { createModelVersion(input: $input) { version stage } }
"""
PROMOTE = """
mutation($m: String!, $v: Int!, $s: Stage!) { transitionStage(model: $m, version: $v, stage: $s) { stage } }
"""
IMPORT = """
mutation($osv: JSON!) {
  importAdvisories(osv: $osv) { imported updated skipped newlyAffected { version model { name } } }
}
"""


async def version_with(client: httpx.AsyncClient, model: str, requirements: list[str], **extra: Any) -> int:
    created = await data(client, CREATE, input={"model": model, "requirements": requirements, **extra})
    version: int = created["createModelVersion"]["version"]
    return version


async def promote(client: httpx.AsyncClient, model: str, version: int, stage: str) -> None:
    await data(client, PROMOTE, m=model, v=version, s=stage)


async def import_osv(client: httpx.AsyncClient, osv: Any) -> dict[str, Any]:
    result: dict[str, Any] = (await data(client, IMPORT, osv=osv))["importAdvisories"]
    return result


DATASET = """
mutation($input: RegisterDatasetVersionInput!) { registerDatasetVersion(input: $input) { version digest } }
"""


async def full_lineage_version(client: httpx.AsyncClient, model: str, unique: str) -> dict[str, Any]:
    """A base version, then a version with a dataset, the base model, packages, a commit and metrics."""
    digest = "sha256:" + unique.ljust(64, "0")[:64]
    dataset = f"data-{unique}"
    await data(client, DATASET, input={"dataset": dataset, "digest": digest, "uri": f"s3://bucket/{unique}"})
    base = await version_with(client, f"{model}-base", [])
    version = await version_with(
        client,
        model,
        ["pyyaml==5.3.1", f"lib-{unique}==1.0"],
        trainedOn=[{"dataset": dataset, "digest": digest}],
        baseModel={"model": f"{model}-base", "version": base},
        commit={"repo": "https://github.com/example/fraud", "sha": "a" * 40, "branch": "main"},
        metrics=[{"key": "auc", "value": 0.91}, {"key": "f1", "value": 0.8}],
        tags=[{"key": "task", "value": "fraud"}],
    )
    return {"version": version, "dataset": dataset, "digest": digest, "base": base}
