"""search and leaderboard against the real full-text index (exact, prefix and one-typo matches)."""

from __future__ import annotations

import httpx

from tests.graphql import data, error_code
from tests.supply.graph import version_with

SEARCH = """
query($q: String!, $kinds: [NodeKind!], $first: Int) {
  search(query: $q, kinds: $kinds, first: $first) {
    kind score highlight
    node { id ... on Model { name } ... on ModelVersion { version model { name } } ... on Dataset { name } }
  }
}
"""
LEADERBOARD = """
query($m: String!, $metric: String!, $higher: Boolean, $stage: Stage, $first: Int) {
  leaderboard(model: $m, metric: $metric, higherIsBetter: $higher, stage: $stage, first: $first) { version }
}
"""


def word(unique: str) -> str:
    # A word of letters only (the index splits on digits' neighbours as well): qzx + the hex mapped to letters.
    return "qzx" + unique.translate(str.maketrans("0123456789", "ghijklmnop"))


async def search(client: httpx.AsyncClient, query: str, kinds: list[str] | None = None) -> list[dict]:
    hits: list[dict] = (await data(client, SEARCH, q=query, kinds=kinds, first=20))["search"]
    return hits


def names(hits: list[dict]) -> list[tuple[str, str]]:
    found = []
    for hit in hits:
        node = hit["node"]
        found.append((hit["kind"], node.get("name") or f"{node['model']['name']}:{node['version']}"))
    return found


async def test_exact_prefix_and_one_typo_find_a_model(client: httpx.AsyncClient, unique: str) -> None:
    term = word(unique)
    name = f"{term}-detector"
    await data(
        client,
        'mutation($n: String!, $d: String!) { createModel(name: $n, description: $d, tags: [{key: "team", value: "risk"}]) { name } }',
        n=name,
        d=f"Scores card payments for {term} patterns",
    )
    exact = await search(client, term)
    assert ("MODEL", name) in names(exact)
    assert exact[0]["node"]["name"] == name
    assert "<em>" in exact[0]["highlight"]
    prefix = await search(client, term[:-3])
    assert ("MODEL", name) in names(prefix)
    typo = term[:5] + ("a" if term[5] != "a" else "b") + term[6:]  # one letter changed
    assert ("MODEL", name) in names(await search(client, typo))
    dropped = term[:4] + term[5:]  # one letter missing
    assert ("MODEL", name) in names(await search(client, dropped))
    two_off = "yy" + term[2:]
    assert ("MODEL", name) not in names(await search(client, two_off))


async def test_versions_cards_and_datasets_kinds_and_soft_deletes(
    client: httpx.AsyncClient, unique: str, model_name: str
) -> None:
    term = word(unique)
    kept = await version_with(client, model_name, [], description=f"retrained on {term} data")
    gone = await version_with(client, model_name, [], description=f"the {term} experiment")
    carded = await version_with(client, model_name, [])
    await data(
        client,
        "mutation($m: String!, $v: Int!, $s: String!) { updateModelCard(model: $m, version: $v, card: {limitations: $s}) { limitations } }",
        m=model_name,
        v=carded,
        s=f"Not validated on {term} merchants",
    )
    await data(
        client,
        "mutation($d: String!, $g: String!) { registerDatasetVersion(input: {dataset: $d, digest: $g}) { version } }",
        d=f"{term}-transactions",
        g="sha256:" + "b" * 64,
    )
    await data(
        client, "mutation($m: String!, $v: Int!) { deleteModelVersion(model: $m, version: $v) }", m=model_name, v=gone
    )

    found = names(await search(client, term))
    assert ("MODEL_VERSION", f"{model_name}:{kept}") in found
    assert ("MODEL_VERSION", f"{model_name}:{carded}") in found
    assert ("DATASET", f"{term}-transactions") in found
    assert ("MODEL_VERSION", f"{model_name}:{gone}") not in found  # soft-deleted

    only_datasets = names(await search(client, term, ["DATASET"]))
    assert only_datasets == [("DATASET", f"{term}-transactions")]
    assert await search(client, term, ["RUN"]) == []
    card_hit = next(h for h in await search(client, term, ["MODEL_VERSION"]) if h["node"]["version"] == carded)
    assert card_hit["highlight"] == f"Not validated on <em>{term}</em> merchants"


async def test_search_refuses_empty_and_oversized_queries(client: httpx.AsyncClient) -> None:
    assert await error_code(client, SEARCH, q="  ", first=5) == "INVALID_INPUT"
    assert await error_code(client, SEARCH, q="x" * 500, first=5) == "INVALID_INPUT"
    assert await error_code(client, SEARCH, q="model", first=5000) == "INVALID_INPUT"
    # Lucene syntax in the text is not interpreted
    assert isinstance((await data(client, SEARCH, q='fraud AND "x" OR y~2 *:*', first=5))["search"], list)


async def test_leaderboard_orders_by_metric(client: httpx.AsyncClient, model_name: str) -> None:
    scores = [0.7, 0.9, 0.8, None, 0.95]
    versions = []
    for score in scores:
        metrics = [{"key": "auc", "value": score}] if score is not None else [{"key": "loss", "value": 1.0}]
        versions.append(await version_with(client, model_name, [], metrics=metrics))
    await data(
        client,
        "mutation($m: String!, $v: Int!) { deleteModelVersion(model: $m, version: $v) }",
        m=model_name,
        v=versions[4],
    )
    await data(
        client,
        "mutation($m: String!, $v: Int!) { transitionStage(model: $m, version: $v, stage: STAGING) { stage } }",
        m=model_name,
        v=versions[0],
    )
    best = (await data(client, LEADERBOARD, m=model_name, metric="auc"))["leaderboard"]
    assert [v["version"] for v in best] == [versions[1], versions[2], versions[0]]
    worst = (await data(client, LEADERBOARD, m=model_name, metric="auc", higher=False, first=2))["leaderboard"]
    assert [v["version"] for v in worst] == [versions[0], versions[2]]
    staged = (await data(client, LEADERBOARD, m=model_name, metric="auc", stage="STAGING"))["leaderboard"]
    assert [v["version"] for v in staged] == [versions[0]]
    assert (await data(client, LEADERBOARD, m=model_name, metric="nothing"))["leaderboard"] == []
