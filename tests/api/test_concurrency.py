"""The correctness rules under concurrent writers, through the HTTP API."""

from __future__ import annotations

import asyncio

import httpx

from tests.graphql import data, execute

CREATE = "mutation($input: CreateModelVersionInput!) { createModelVersion(input: $input) { version } }"
TRANSITION = """
mutation($m: String!, $v: Int!, $archive: Boolean!) {
  transitionStage(model: $m, version: $v, stage: PRODUCTION, archiveExisting: $archive) { version stage }
}
"""
STATE = """
query($m: String!) {
  model(name: $m) {
    versions(first: 100) { totalCount edges { node { version stage stageHistory { from to } } } }
  }
}
"""


async def test_fifty_concurrent_creations_number_one_to_fifty(client: httpx.AsyncClient, model_name: str) -> None:
    results = await asyncio.gather(*(data(client, CREATE, input={"model": model_name}) for _ in range(50)))
    numbers = sorted(result["createModelVersion"]["version"] for result in results)
    assert numbers == list(range(1, 51))

    state = await data(client, STATE, m=model_name)
    assert state["model"]["versions"]["totalCount"] == 50


async def test_same_request_id_concurrently_yields_one_version(client: httpx.AsyncClient, model_name: str) -> None:
    requests = [data(client, CREATE, input={"model": model_name, "requestId": "retry-me"}) for _ in range(10)]
    results = await asyncio.gather(*requests)
    assert {result["createModelVersion"]["version"] for result in results} == {1}
    state = await data(client, STATE, m=model_name)
    assert state["model"]["versions"]["totalCount"] == 1


async def _versions(client: httpx.AsyncClient, model_name: str, count: int) -> None:
    for _ in range(count):
        await data(client, CREATE, input={"model": model_name})


async def test_twenty_concurrent_promotions_leave_one_production(client: httpx.AsyncClient, model_name: str) -> None:
    await _versions(client, model_name, 20)
    results = await asyncio.gather(
        *(data(client, TRANSITION, m=model_name, v=number, archive=True) for number in range(1, 21))
    )
    assert all(result["transitionStage"]["stage"] == "PRODUCTION" for result in results)

    versions = [edge["node"] for edge in (await data(client, STATE, m=model_name))["model"]["versions"]["edges"]]
    in_production = [version for version in versions if version["stage"] == "PRODUCTION"]
    assert len(in_production) == 1
    assert all(version["stage"] == "ARCHIVED" for version in versions if version not in in_production)

    # Every version entered PRODUCTION once; all but the last holder left it for ARCHIVED, in order.
    for version in versions:
        history = [(step["from"], step["to"]) for step in version["stageHistory"]]
        if version in in_production:
            assert history == [("NONE", "PRODUCTION")]
        else:
            assert history == [("NONE", "PRODUCTION"), ("PRODUCTION", "ARCHIVED")]


async def test_concurrent_promotions_without_archiving_admit_one(client: httpx.AsyncClient, model_name: str) -> None:
    await _versions(client, model_name, 20)
    bodies = await asyncio.gather(
        *(execute(client, TRANSITION, m=model_name, v=number, archive=False) for number in range(1, 21))
    )
    succeeded = [body for body in bodies if not body.get("errors")]
    refused = [body["errors"][0]["extensions"]["code"] for body in bodies if body.get("errors")]
    assert len(succeeded) == 1
    assert refused == ["CONFLICT"] * 19

    versions = [edge["node"] for edge in (await data(client, STATE, m=model_name))["model"]["versions"]["edges"]]
    winner = succeeded[0]["data"]["transitionStage"]["version"]
    for version in versions:
        if version["version"] == winner:
            assert version["stage"] == "PRODUCTION"
            assert [(s["from"], s["to"]) for s in version["stageHistory"]] == [("NONE", "PRODUCTION")]
        else:
            assert version["stage"] == "NONE"
            assert version["stageHistory"] == []


async def test_concurrent_alias_moves_leave_the_alias_on_one_version(
    client: httpx.AsyncClient, model_name: str
) -> None:
    await _versions(client, model_name, 10)
    set_alias = 'mutation($m: String!, $v: Int!) { setAlias(model: $m, alias: "champion", version: $v) { version } }'
    await asyncio.gather(*(data(client, set_alias, m=model_name, v=number) for number in range(1, 11)))

    state = await data(
        client,
        """query($m: String!) { model(name: $m) { aliases { name version { version } }
             versions(first: 100) { edges { node { version aliases aliasHistory { to } } } } } }""",
        m=model_name,
    )
    model = state["model"]
    assert len(model["aliases"]) == 1
    holder = model["aliases"][0]["version"]["version"]
    open_assignments = 0
    for edge in model["versions"]["edges"]:
        node = edge["node"]
        assert node["aliases"] == (["champion"] if node["version"] == holder else [])
        open_assignments += sum(1 for assignment in node["aliasHistory"] if assignment["to"] is None)
    assert open_assignments == 1
