"""Models and versions through the HTTP API: create, update, find, list, page."""

from __future__ import annotations

import httpx

from tests.graphql import data, error_code

CREATE_VERSION = """
mutation($input: CreateModelVersionInput!) {
  createModelVersion(input: $input) { id version stage deleted tags { key value } metrics { key value step }
                                      model { name } }
}
"""


async def test_create_model_and_update_it(client: httpx.AsyncClient, model_name: str) -> None:
    created = await data(
        client,
        'mutation($n: String!) { createModel(name: $n, description: "fraud", tags: [{key: "team", value: "risk"}]) '
        "{ id name description tags { key value } createdAt } }",
        n=model_name,
    )
    model = created["createModel"]
    assert model["name"] == model_name
    assert model["tags"] == [{"key": "team", "value": "risk"}]

    updated = await data(
        client,
        'mutation($n: String!) { updateModel(name: $n, description: "fraud v2") { description tags { key } } }',
        n=model_name,
    )
    assert updated["updateModel"] == {"description": "fraud v2", "tags": [{"key": "team"}]}

    found = await data(client, "query($id: ID!) { node(id: $id) { id ... on Model { name } } }", id=model["id"])
    assert found["node"] == {"id": model["id"], "name": model_name}


async def test_create_model_twice_is_a_conflict(client: httpx.AsyncClient, model_name: str) -> None:
    query = "mutation($n: String!) { createModel(name: $n) { name } }"
    await data(client, query, n=model_name)
    assert await error_code(client, query, n=model_name) == "CONFLICT"


async def test_update_missing_model_is_not_found(client: httpx.AsyncClient, model_name: str) -> None:
    query = 'mutation($n: String!) { updateModel(name: $n, description: "x") { name } }'
    assert await error_code(client, query, n=model_name) == "NOT_FOUND"


async def test_first_version_creates_the_model(client: httpx.AsyncClient, model_name: str) -> None:
    result = await data(
        client,
        CREATE_VERSION,
        input={
            "model": model_name,
            "description": "baseline",
            "tags": [{"key": "framework", "value": "xgboost"}],
            "metrics": [{"key": "auc", "value": 0.91}, {"key": "loss", "value": 0.3, "step": 10}],
        },
    )
    version = result["createModelVersion"]
    assert version["version"] == 1
    assert version["stage"] == "NONE"
    assert version["deleted"] is False
    assert version["model"] == {"name": model_name}
    assert version["metrics"] == [
        {"key": "auc", "value": 0.91, "step": None},
        {"key": "loss", "value": 0.3, "step": 10},
    ]

    found = await data(
        client, "query($id: ID!) { node(id: $id) { ... on ModelVersion { version } } }", id=version["id"]
    )
    assert found["node"] == {"version": 1}


async def test_request_id_makes_creation_idempotent(client: httpx.AsyncClient, model_name: str) -> None:
    first = await data(client, CREATE_VERSION, input={"model": model_name, "requestId": "job-42"})
    again = await data(client, CREATE_VERSION, input={"model": model_name, "requestId": "job-42"})
    other = await data(client, CREATE_VERSION, input={"model": model_name, "requestId": "job-43"})
    assert first["createModelVersion"]["id"] == again["createModelVersion"]["id"]
    assert other["createModelVersion"]["version"] == 2


async def test_versions_page_newest_first_with_cursors(client: httpx.AsyncClient, model_name: str) -> None:
    for _ in range(5):
        await data(client, CREATE_VERSION, input={"model": model_name})
    page_query = """
    query($n: String!, $after: String) {
      model(name: $n) {
        latestVersion { version }
        versions(first: 2, after: $after) {
          totalCount pageInfo { hasNextPage endCursor } edges { cursor node { version } }
        }
      }
    }
    """
    seen: list[int] = []
    after = None
    while True:
        page = (await data(client, page_query, n=model_name, after=after))["model"]
        assert page["latestVersion"] == {"version": 5}
        assert page["versions"]["totalCount"] == 5
        seen += [edge["node"]["version"] for edge in page["versions"]["edges"]]
        if not page["versions"]["pageInfo"]["hasNextPage"]:
            break
        after = page["versions"]["pageInfo"]["endCursor"]
    assert seen == [5, 4, 3, 2, 1]


async def test_models_filtered_by_name_and_tag(client: httpx.AsyncClient, unique: str) -> None:
    for name, team in [("alpha", "risk"), ("beta", "risk"), ("gamma", "growth")]:
        await data(
            client,
            'mutation($n: String!, $t: String!) { createModel(name: $n, tags: [{key: "team", value: $t}]) { name } }',
            n=f"{unique}-{name}",
            t=team,
        )
    listing = await data(
        client,
        'query($c: String!) { models(nameContains: $c, tag: {key: "team", value: "risk"}, first: 1) '
        "{ totalCount pageInfo { hasNextPage } edges { node { name } } } }",
        c=unique,
    )
    assert listing["models"]["totalCount"] == 2
    assert listing["models"]["pageInfo"]["hasNextPage"] is True
    assert listing["models"]["edges"] == [{"node": {"name": f"{unique}-alpha"}}]


async def test_listed_times_are_the_stored_times(client: httpx.AsyncClient, unique: str) -> None:
    """Listings read times as text (records.moment), single lookups as driver DateTimes: the same
    instant either way."""
    model, dataset = f"m-{unique}", f"d-{unique}"
    await data(client, "mutation($m: String!) { createModelVersion(input: {model: $m}) { version } }", m=model)
    await data(
        client,
        "mutation($d: String!, $g: String!) { registerDatasetVersion(input: {dataset: $d, digest: $g}) { version } }",
        d=dataset,
        g="sha256:" + "0" * 64,
    )
    found = await data(
        client,
        """query($m: String!, $d: String!) {
          model(name: $m) { versions { edges { node { createdAt } } } }
          modelVersion(model: $m, version: 1) { createdAt }
          dataset(name: $d) { versions { edges { node { createdAt } } } }
          datasetVersion(dataset: $d, version: 1) { createdAt }
        }""",
        m=model,
        d=dataset,
    )
    assert found["model"]["versions"]["edges"] == [{"node": found["modelVersion"]}]
    assert found["dataset"]["versions"]["edges"] == [{"node": found["datasetVersion"]}]
    assert found["modelVersion"]["createdAt"].endswith("+00:00")


async def test_model_pages_follow_names_and_count_on_demand(client: httpx.AsyncClient, unique: str) -> None:
    names = [f"{unique}-{suffix}" for suffix in ("c", "a", "e", "b", "d")]
    for name in names:
        await data(client, "mutation($n: String!) { createModel(name: $n) { name } }", n=name)
    page_query = """
    query($c: String!, $after: String) {
      models(nameContains: $c, first: 2, after: $after) {
        ...total pageInfo { hasNextPage endCursor } edges { node { name } }
      }
    }
    fragment total on ModelConnection { totalCount }
    """
    seen: list[str] = []
    after = None
    while True:
        page = (await data(client, page_query, c=unique, after=after))["models"]
        assert page["totalCount"] == 5
        seen += [edge["node"]["name"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == sorted(names)
    without_total = await data(
        client, "query($c: String!) { models(nameContains: $c) { edges { node { name } } } }", c=unique
    )
    assert [edge["node"]["name"] for edge in without_total["models"]["edges"]] == sorted(names)


async def test_missing_objects_are_null(client: httpx.AsyncClient, model_name: str) -> None:
    result = await data(
        client,
        "query($n: String!) { model(name: $n) { name } modelVersion(model: $n, version: 1) { version } }",
        n=model_name,
    )
    assert result == {"model": None, "modelVersion": None}
