"""Point-in-time answers: which version held a stage or an alias at a past moment."""

from __future__ import annotations

import asyncio
from datetime import datetime

import httpx

from tests.graphql import data

CREATE = "mutation($m: String!) { createModelVersion(input: {model: $m}) { version createdAt } }"
PROMOTE = "mutation($m: String!, $v: Int!) { transitionStage(model: $m, version: $v, stage: PRODUCTION) { stage } }"
ALIAS = 'mutation($m: String!, $v: Int!) { setAlias(model: $m, alias: "champion", version: $v) { version } }'
AT = """
query($m: String!, $at: DateTime!) {
  byStage: modelVersion(model: $m, stage: PRODUCTION, at: $at) { version }
  byAlias: modelVersion(model: $m, alias: "champion", at: $at) { version }
  latest: modelVersion(model: $m, at: $at) { version }
}
"""


async def _now(client: httpx.AsyncClient) -> str:
    """A server-side timestamp taken strictly between two writes."""
    await asyncio.sleep(0.05)
    moment = datetime.now().astimezone().isoformat()
    await asyncio.sleep(0.05)
    return moment


async def test_stage_and_alias_as_they_stood(client: httpx.AsyncClient, model_name: str) -> None:
    before_everything = await _now(client)
    await data(client, CREATE, m=model_name)
    await data(client, CREATE, m=model_name)
    await data(client, PROMOTE, m=model_name, v=1)
    await data(client, ALIAS, m=model_name, v=1)
    between = await _now(client)
    await data(client, PROMOTE, m=model_name, v=2)
    await data(client, ALIAS, m=model_name, v=2)
    after = await _now(client)

    assert (await data(client, AT, m=model_name, at=before_everything)) == {
        "byStage": None,
        "byAlias": None,
        "latest": None,
    }
    assert (await data(client, AT, m=model_name, at=between)) == {
        "byStage": {"version": 1},
        "byAlias": {"version": 1},
        "latest": {"version": 2},
    }
    assert (await data(client, AT, m=model_name, at=after)) == {
        "byStage": {"version": 2},
        "byAlias": {"version": 2},
        "latest": {"version": 2},
    }


async def test_a_version_archived_then_restored(client: httpx.AsyncClient, model_name: str) -> None:
    await data(client, CREATE, m=model_name)
    await data(client, CREATE, m=model_name)
    await data(client, PROMOTE, m=model_name, v=1)
    await data(client, PROMOTE, m=model_name, v=2)
    v2_era = await _now(client)
    await data(client, PROMOTE, m=model_name, v=1)
    v1_again = await _now(client)

    assert (await data(client, AT, m=model_name, at=v2_era))["byStage"] == {"version": 2}
    assert (await data(client, AT, m=model_name, at=v1_again))["byStage"] == {"version": 1}
    history = await data(
        client,
        "query($m: String!) { modelVersion(model: $m, version: 1) { stageHistory { from to } } }",
        m=model_name,
    )
    assert [(s["from"], s["to"]) for s in history["modelVersion"]["stageHistory"]] == [
        ("NONE", "PRODUCTION"),
        ("PRODUCTION", "ARCHIVED"),
        ("ARCHIVED", "PRODUCTION"),
    ]
