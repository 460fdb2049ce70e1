"""Bad input gets the contract's code, a clear message, and changes nothing."""

from __future__ import annotations

import httpx
import pytest

from tests.graphql import data, execute

SNAPSHOT = """
query($m: String!) {
  model(name: $m) { description tags { key value } aliases { name }
    versions(first: 100) { totalCount edges { node { version stage aliases stageHistory { to } } } } }
}
"""

CASES = [
    ("model name with a space", 'mutation { createModel(name: "bad name") { name } }', "INVALID_INPUT"),
    ("model name too long", 'mutation { createModel(name: "%s") { name } }' % ("x" * 129), "INVALID_INPUT"),
    ("model name starting with a dot", 'mutation { createModel(name: ".hidden") { name } }', "INVALID_INPUT"),
    ("path traversal as a name", 'mutation { createModel(name: "../../etc/passwd") { name } }', "INVALID_INPUT"),
    (
        "version zero",
        'mutation { transitionStage(model: "$M", version: 0, stage: STAGING) { version } }',
        "INVALID_INPUT",
    ),
    (
        "negative version",
        'mutation { setAlias(model: "$M", alias: "champion", version: -3) { version } }',
        "INVALID_INPUT",
    ),
    ("absurd version", '{ modelVersion(model: "$M", version: 2147483647) { version } }', None),
    ("version beyond Int", '{ modelVersion(model: "$M", version: 99999999999) { version } }', "INVALID_INPUT"),
    (
        "unknown stage",
        'mutation { transitionStage(model: "$M", version: 1, stage: LIVE) { version } }',
        "INVALID_INPUT",
    ),
    (
        "stage as a string",
        'mutation { transitionStage(model: "$M", version: 1, stage: "PRODUCTION") { version } }',
        "INVALID_INPUT",
    ),
    ("two selectors", '{ modelVersion(model: "$M", version: 1, alias: "champion") { version } }', "INVALID_INPUT"),
    ("bad alias", 'mutation { setAlias(model: "$M", alias: "no spaces", version: 1) { version } }', "INVALID_INPUT"),
    (
        "duplicate tag keys",
        'mutation { updateModel(name: "$M", tags: [{key: "a", value: "1"}, {key: "a", value: "2"}]) { name } }',
        "INVALID_INPUT",
    ),
    (
        "tag key with =",
        'mutation { updateModel(name: "$M", tags: [{key: "a=b", value: "1"}]) { name } }',
        "INVALID_INPUT",
    ),
    ("page too large", "{ models(first: 1000) { totalCount } }", "INVALID_INPUT"),
    ("negative page", '{ model(name: "$M") { versions(first: -1) { totalCount } } }', "INVALID_INPUT"),
    ("garbage cursor", '{ models(after: "not-a-cursor!!") { totalCount } }', "INVALID_INPUT"),
    ("garbage node id", '{ node(id: "%%%") { id } }', "INVALID_INPUT"),
    (
        "unknown version",
        'mutation { transitionStage(model: "$M", version: 99, stage: STAGING) { version } }',
        "NOT_FOUND",
    ),
    (
        "unknown model",
        'mutation { setAlias(model: "$M-nope", alias: "champion", version: 1) { version } }',
        "NOT_FOUND",
    ),
    ("unknown alias", 'mutation { deleteAlias(model: "$M", alias: "ghost") }', "NOT_FOUND"),
    ("existing model", 'mutation { createModel(name: "$M") { name } }', "CONFLICT"),
    ("unknown field", '{ model(name: "$M") { nonsense } }', "INVALID_INPUT"),
    ("syntax error", '{ model(name: "$M") { name ', "INVALID_INPUT"),
    (
        "metric not a number",
        'mutation { createModelVersion(input: {model: "$M", metrics: [{key: "auc", value: "high"}]}) { version } }',
        "INVALID_INPUT",
    ),
    (
        "requestId too long",
        'mutation { createModelVersion(input: {model: "$M", requestId: "%s"}) { version } }' % ("r" * 200),
        "INVALID_INPUT",
    ),
]


@pytest.fixture
async def prepared_model(client: httpx.AsyncClient, model_name: str) -> str:
    await data(client, 'mutation($m: String!) { createModel(name: $m, description: "kept") { name } }', m=model_name)
    for _ in range(2):
        await data(client, "mutation($m: String!) { createModelVersion(input: {model: $m}) { version } }", m=model_name)
    await data(
        client,
        "mutation($m: String!) { transitionStage(model: $m, version: 1, stage: PRODUCTION) { stage } }",
        m=model_name,
    )
    await data(
        client, 'mutation($m: String!) { setAlias(model: $m, alias: "champion", version: 1) { version } }', m=model_name
    )
    return model_name


@pytest.mark.parametrize(("case", "query", "code"), CASES, ids=[case[0] for case in CASES])
async def test_bad_input_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, prepared_model: str, case: str, query: str, code: str | None
) -> None:
    before = await data(client, SNAPSHOT, m=prepared_model)
    body = await execute(client, query.replace("$M", prepared_model))
    if code is None:
        assert body["data"] == {"modelVersion": None}, case
    else:
        assert body.get("errors"), f"{case}: expected {code}, got {body}"
        error = body["errors"][0]
        assert error["extensions"]["code"] == code, f"{case}: {error}"
        assert error["message"] and "Traceback" not in error["message"] and "MATCH" not in error["message"]
    assert await data(client, SNAPSHOT, m=prepared_model) == before
