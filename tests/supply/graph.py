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
