"""Lineage walks over HTTP on graphs whose answer is known by construction."""

from __future__ import annotations

from typing import Any

import httpx

from graph_registry.storage.database import Database
from tests.graphql import data, error_code
from tests.lineage_graphs import dataset, model_version, ref, run

LINEAGE = """
query($id: ID!, $d: LineageDirection, $depth: Int, $kinds: [NodeKind!]) {
  lineage(id: $id, direction: $d, depth: $depth, kinds: $kinds) {
    root { id } truncated nodes { depth kind label node { id } } edges { source target type } mermaid dot
  }
}
"""


async def walk(client: httpx.AsyncClient, node_id: str, **arguments: Any) -> dict[str, Any]:
    graph: dict[str, Any] = (await data(client, LINEAGE, id=node_id, **arguments))["lineage"]
    return graph


def depths(graph: dict[str, Any]) -> dict[str, int]:
    return {node["node"]["id"]: node["depth"] for node in graph["nodes"]}


async def test_diamond_upstream_reaches_each_node_once(client: httpx.AsyncClient, unique: str) -> None:
    raw = await dataset(client, f"raw-{unique}", "1")
    left = await dataset(client, f"left-{unique}", "1", parents=[raw])
    right = await dataset(client, f"right-{unique}", "1", parents=[raw])
    top = await dataset(client, f"top-{unique}", "1", parents=[left, right])
    graph = await walk(client, top["id"], kinds=["DATASET_VERSION"])
    assert depths(graph) == {top["id"]: 0, left["id"]: 1, right["id"]: 1, raw["id"]: 2}
    assert graph["truncated"] is False
    assert sorted((e["source"], e["target"]) for e in graph["edges"]) == sorted(
        [(raw["id"], left["id"]), (raw["id"], right["id"]), (left["id"], top["id"]), (right["id"], top["id"])]
    )
    assert {e["type"] for e in graph["edges"]} == {"DERIVED_FROM"}
    down = await walk(client, raw["id"], d="DOWNSTREAM", kinds=["DATASET_VERSION"])
    assert depths(down) == {raw["id"]: 0, left["id"]: 1, right["id"]: 1, top["id"]: 2}


async def test_long_chain_is_cut_at_depth_and_says_so(client: httpx.AsyncClient, unique: str) -> None:
    chain = [await dataset(client, f"chain-{unique}", "0")]
    for index in range(1, 28):
        chain.append(await dataset(client, f"chain-{unique}", str(index), parents=[chain[-1]]))
    tip = chain[-1]["id"]
    short = await walk(client, tip, depth=3, kinds=["DATASET_VERSION"])
    assert sorted(depths(short).values()) == [0, 1, 2, 3] and short["truncated"] is True
    capped = await walk(client, tip, depth=25, kinds=["DATASET_VERSION"])
    assert len(capped["nodes"]) == 26 and capped["truncated"] is True
    whole = await walk(client, chain[3]["id"], depth=25, kinds=["DATASET_VERSION"])
    assert len(whole["nodes"]) == 4 and whole["truncated"] is False
    only_root = await walk(client, tip, depth=0)
    assert [n["node"]["id"] for n in only_root["nodes"]] == [tip] and only_root["truncated"] is True
    for bad in (26, -1):
        assert await error_code(client, LINEAGE, id=tip, depth=bad) == "INVALID_INPUT"


async def test_cycles_in_stored_data_end(client: httpx.AsyncClient, database: Database, unique: str) -> None:
    a = await dataset(client, f"cyc-{unique}", "a")
    b = await dataset(client, f"cyc-{unique}", "b", parents=[a])
    c = await dataset(client, f"cyc-{unique}", "c", parents=[b])
    # The API refuses cycles; data imported before that rule may still hold one. Names are uuid hex.
    await database.run_schema(
        f"MATCH (a:DatasetVersion {{dataset: 'cyc-{unique}', version: 1}}), "
        f"(c:DatasetVersion {{dataset: 'cyc-{unique}', version: 3}}) CREATE (a)-[:DERIVED_FROM]->(c)"
    )
    for direction in ("UPSTREAM", "DOWNSTREAM", "BOTH"):
        graph = await walk(client, a["id"], d=direction, depth=25, kinds=["DATASET_VERSION"])
        assert len(graph["nodes"]) == 3 and graph["truncated"] is False
    up = await walk(client, c["id"], depth=25, kinds=["DATASET_VERSION"])
    assert depths(up) == {c["id"]: 0, b["id"]: 1, a["id"]: 2}
    impact = await data(
        client,
        "query($d: String!) { impact(datasetVersion: {dataset: $d, version: 1}, depth: 25) { path { id } } }",
        d=f"cyc-{unique}",
    )
    assert impact["impact"] == []


async def test_kinds_filter_the_nodes_not_the_walk(client: httpx.AsyncClient, unique: str, model_name: str) -> None:
    source = await dataset(client, f"src-{unique}", "1")
    features = await dataset(client, f"feat-{unique}", "1", parents=[source])
    started = await run(client, f"exp-{unique}", inputs=[features], repo="github.com/acme/w", name="train")
    version = await model_version(client, model_name, runId=started["runId"], requirements=["numpy==1.26.4"])
    everything = await walk(client, version["id"], depth=3)
    kinds = {n["kind"] for n in everything["nodes"]}
    assert kinds == {"MODEL_VERSION", "MODEL", "RUN", "EXPERIMENT", "COMMIT", "DATASET_VERSION", "DATASET", "PACKAGE"}
    assert {e["type"] for e in everything["edges"]} == {
        "PRODUCED_BY",
        "USED",
        "RAN",
        "REQUIRES",
        "VERSION_OF",
        "IN",
        "DERIVED_FROM",
    }
    datasets = await walk(client, version["id"], depth=3, kinds=["DATASET_VERSION"])
    # Two hops through a run the filter hides: the dataset versions are still found.
    assert depths(datasets) == {version["id"]: 0, features["id"]: 2, source["id"]: 3}
    assert [e["type"] for e in datasets["edges"]] == ["DERIVED_FROM"]
    down = await walk(client, source["id"], d="DOWNSTREAM", kinds=["MODEL_VERSION"])
    assert depths(down) == {source["id"]: 0, version["id"]: 3}


async def test_model_version_lineage_field_and_pictures(
    client: httpx.AsyncClient, unique: str, model_name: str
) -> None:
    source = await dataset(client, f"src-{unique}", "1")
    version = await model_version(
        client, model_name, trainedOn=[ref(source)], commit={"repo": 'acme/"x"<y>', "sha": "a" * 40}
    )
    graph = (
        await data(
            client,
            "query($m: String!) { modelVersion(model: $m, version: 1) { lineage(depth: 2, kinds: [MODEL_VERSION, RUN, COMMIT, DATASET_VERSION]) { nodes { label } mermaid dot } } }",
            m=model_name,
        )
    )["modelVersion"]["lineage"]
    labels = {n["label"] for n in graph["nodes"]}
    assert f"{model_name} v1" in labels and "aaaaaaa" in labels
    assert graph["mermaid"].startswith("flowchart LR\n")
    assert graph["mermaid"].count("-->|") == 3 and graph["dot"].count(" -> ") == 3
    assert version["version"] == 1


async def test_soft_deleted_versions_stay_in_lineage(client: httpx.AsyncClient, unique: str, model_name: str) -> None:
    source = await dataset(client, f"src-{unique}", "1")
    version = await model_version(client, model_name, trainedOn=[ref(source)])
    deleted = await data(client, "mutation($m: String!) { deleteModelVersion(model: $m, version: 1) }", m=model_name)
    assert deleted["deleteModelVersion"] is True
    down = await walk(client, source["id"], d="DOWNSTREAM", kinds=["MODEL_VERSION"])
    assert version["id"] in depths(down)
    listed = await data(
        client,
        "query($m: String!) { model(name: $m) { versions { totalCount } } modelVersion(model: $m, version: 1) { deleted } }",
        m=model_name,
    )
    assert listed == {"model": {"versions": {"totalCount": 0}}, "modelVersion": {"deleted": True}}


async def test_unknown_roots(client: httpx.AsyncClient, unique: str) -> None:
    from graph_registry.api.graphql import ids

    assert await error_code(client, LINEAGE, id=ids.global_id("DatasetVersion", f"none-{unique}", 1)) == "NOT_FOUND"
    assert await error_code(client, LINEAGE, id=ids.global_id("Alias", "x")) == "INVALID_INPUT"
    assert await error_code(client, LINEAGE, id="not-an-id!") == "INVALID_INPUT"
