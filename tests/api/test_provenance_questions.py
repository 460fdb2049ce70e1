"""Impact, package impact, provenance diffs and gaps, deletion rules: each on a graph built to know the answer."""

from __future__ import annotations

import httpx

from tests.graphql import data, error_code
from tests.lineage_graphs import PROMOTE, dataset, model_version, ref, run, trained_version

IMPACT = """
query($d: String!, $v: Int!, $stage: Stage, $alias: String, $depth: Int) {
  impact(datasetVersion: {dataset: $d, version: $v}, stage: $stage, alias: $alias, depth: $depth) {
    modelVersion { id deleted } path { id }
  }
}
"""


async def test_impact_gives_one_shortest_path_per_version(
    client: httpx.AsyncClient, unique: str, model_name: str
) -> None:
    raw = await dataset(client, f"raw-{unique}", "1")
    left = await dataset(client, f"left-{unique}", "1", parents=[raw])
    right = await dataset(client, f"right-{unique}", "1", parents=[raw])
    top = await dataset(client, f"top-{unique}", "1", parents=[left, right])
    started = await run(client, f"exp-{unique}", inputs=[top, left], repo="github.com/acme/i", name="t")
    parent = await model_version(client, model_name, runId=started["runId"])
    child = await model_version(client, f"{model_name}-child", baseModel={"model": model_name, "version": 1})
    hits = (await data(client, IMPACT, d=f"raw-{unique}", v=1))["impact"]
    paths = {hit["modelVersion"]["id"]: [step["id"] for step in hit["path"]] for hit in hits}
    assert paths == {
        parent["id"]: [raw["id"], left["id"], started["id"], parent["id"]],
        child["id"]: [raw["id"], left["id"], started["id"], parent["id"], child["id"]],
    }
    assert (await data(client, IMPACT, d=f"raw-{unique}", v=1, depth=3))["impact"] == [
        {"modelVersion": {"id": parent["id"], "deleted": False}, "path": [{"id": i} for i in paths[parent["id"]]]}
    ]
    field = await data(
        client,
        "query($d: String!) { datasetVersion(dataset: $d, version: 1) { impactedModels { id } few: impactedModels(depth: 2) { id } } }",
        d=f"raw-{unique}",
    )
    assert {m["id"] for m in field["datasetVersion"]["impactedModels"]} == {parent["id"], child["id"]}
    assert field["datasetVersion"]["few"] == []
    assert await error_code(client, IMPACT, d=f"raw-{unique}", v=9) == "NOT_FOUND"
    assert await error_code(client, IMPACT, d=f"raw-{unique}", v=1, depth=99) == "INVALID_INPUT"


async def test_impact_filters_by_stage_and_alias_now_and_in_the_past(
    client: httpx.AsyncClient, unique: str, model_name: str
) -> None:
    source = await dataset(client, f"src-{unique}", "1")
    first = await trained_version(client, model_name, [source])
    second = await trained_version(client, model_name, [source], description="two")
    await data(client, PROMOTE, m=model_name, v=1, s="PRODUCTION")
    at = (
        await data(
            client, "query($m: String!) { modelVersion(model: $m, version: 1) { stageHistory { at } } }", m=model_name
        )
    )["modelVersion"]["stageHistory"][-1]["at"]
    await data(client, PROMOTE, m=model_name, v=2, s="PRODUCTION")
    await data(
        client, 'mutation($m: String!) { setAlias(model: $m, alias: "champion", version: 1) { version } }', m=model_name
    )
    production = (await data(client, IMPACT, d=f"src-{unique}", v=1, stage="PRODUCTION"))["impact"]
    assert [hit["modelVersion"]["id"] for hit in production] == [second["id"]]
    champion = (await data(client, IMPACT, d=f"src-{unique}", v=1, alias="champion"))["impact"]
    assert [hit["modelVersion"]["id"] for hit in champion] == [first["id"]]
    # Point in time: the version that was in PRODUCTION then, and its lineage.
    then = await data(
        client,
        """query($m: String!, $at: DateTime!) { modelVersion(model: $m, stage: PRODUCTION, at: $at) {
             id trainedOn { id } lineage(kinds: [DATASET_VERSION]) { nodes { node { id } } } } }""",
        m=model_name,
        at=at,
    )
    assert then["modelVersion"]["id"] == first["id"]
    assert then["modelVersion"]["trainedOn"] == [{"id": source["id"]}]
    assert {n["node"]["id"] for n in then["modelVersion"]["lineage"]["nodes"]} == {first["id"], source["id"]}


async def test_package_impact_matches_pep_440(client: httpx.AsyncClient, unique: str, model_name: str) -> None:
    package = f"pkg-{unique}"
    for pinned in ["1.13.0", "2.1.0", "2.2.0rc1", "2.3.1"]:
        await model_version(client, model_name, requirements=[f"{package.upper().replace('-', '_')}=={pinned}"])
    query = "query($n: String!, $s: String) { packageImpact(name: $n, spec: $s) { version } }"

    async def versions(spec: str | None) -> list[int]:
        return [v["version"] for v in (await data(client, query, n=package, s=spec))["packageImpact"]]

    assert await versions("<2.2") == [1, 2]
    assert await versions(">=2.2") == [4]  # PEP 440: 2.2.0rc1 comes before 2.2
    assert await versions(">=2.2rc1") == [3, 4]
    assert await versions("~=2.1") == [2, 3, 4]
    assert await versions(None) == [1, 2, 3, 4]
    assert await versions("==1.13.*") == [1]
    assert await error_code(client, query, n=package, s="<<2") == "INVALID_INPUT"


async def test_provenance_diff(client: httpx.AsyncClient, unique: str, model_name: str) -> None:
    old = await dataset(client, f"ds-{unique}", "old")
    kept = await dataset(client, f"ds-{unique}", "kept")
    new = await dataset(client, f"ds-{unique}", "new")
    run_a = await run(
        client, f"exp-{unique}", inputs=[old, kept], repo="r/a", params={"lr": "0.1", "gone": "x"}, name="a"
    )
    run_b = await run(client, f"exp-{unique}", inputs=[kept, new], repo="r/b", params={"lr": "0.2"}, name="b")
    await model_version(
        client,
        model_name,
        runId=run_a["runId"],
        requirements=["torch==2.1.0", "numpy==1.0"],
        metrics=[{"key": "auc", "value": 0.9}],
    )
    await model_version(
        client,
        model_name,
        runId=run_b["runId"],
        requirements=["torch==2.3.1", "numpy==1.0"],
        metrics=[{"key": "auc", "value": 0.9}, {"key": "f1", "value": 0.5}],
        baseModel={"model": model_name, "version": 1},
    )
    diff = (
        await data(
            client,
            """query($m: String!) { provenanceDiff(a: {model: $m, version: 1}, b: {model: $m, version: 2}) {
                 datasetsAdded { id } datasetsRemoved { id } commitA { repo } commitB { repo }
                 paramChanges { key a b } metricChanges { key a b } packageChanges { key a b } baseModelChanged } }""",
            m=model_name,
        )
    )["provenanceDiff"]
    assert diff == {
        "datasetsAdded": [{"id": new["id"]}],
        "datasetsRemoved": [{"id": old["id"]}],
        "commitA": {"repo": "r/a"},
        "commitB": {"repo": "r/b"},
        "paramChanges": [{"key": "gone", "a": "x", "b": None}, {"key": "lr", "a": "0.1", "b": "0.2"}],
        "metricChanges": [{"key": "f1", "a": None, "b": "0.5"}],
        "packageChanges": [{"key": "torch", "a": "2.1.0", "b": "2.3.1"}],
        "baseModelChanged": True,
    }
    missing = "query($m: String!) { provenanceDiff(a: {model: $m, version: 1}, b: {model: $m, version: 7}) { baseModelChanged } }"
    assert await error_code(client, missing, m=model_name) == "NOT_FOUND"


async def test_provenance_gaps(client: httpx.AsyncClient, unique: str, model_name: str) -> None:
    source = await dataset(client, f"src-{unique}", "1")
    await trained_version(client, model_name, [source])
    await model_version(client, model_name, trainedOn=[ref(source)])
    await data(client, PROMOTE, m=model_name, v=1, s="STAGING")
    await data(client, PROMOTE, m=model_name, v=2, s="STAGING")
    await data(
        client,
        "mutation($m: String!) { transitionStage(model: $m, version: 1, stage: STAGING, archiveExisting: false) { stage } }",
        m=model_name,
    )
    gaps = (
        await data(client, "{ provenanceGaps(stage: STAGING) { modelVersion { model { name } version } missing } }")
    )["provenanceGaps"]
    mine = {
        g["modelVersion"]["version"]: g["missing"] for g in gaps if g["modelVersion"]["model"]["name"] == model_name
    }
    assert mine == {1: ["ARTIFACT_NOT_READY"], 2: ["NO_COMMIT", "ARTIFACT_NOT_READY"]}


async def test_hard_delete_rules(client: httpx.AsyncClient, unique: str, model_name: str) -> None:
    source = await dataset(client, f"src-{unique}", "1")
    await trained_version(client, model_name, [source])
    await model_version(client, f"{model_name}-child", baseModel={"model": model_name, "version": 1})
    await trained_version(client, model_name, [source], description="x")
    delete = "mutation($m: String!, $v: Int!, $h: Boolean) { deleteModelVersion(model: $m, version: $v, hard: $h) }"
    assert await error_code(client, delete, m=model_name, v=1, h=True) == "PRECONDITION_FAILED"
    await data(client, PROMOTE, m=model_name, v=2, s="PRODUCTION")
    assert await error_code(client, delete, m=model_name, v=2, h=True) == "PRECONDITION_FAILED"
    assert await error_code(client, delete, m=model_name, v=2, h=False) == "PRECONDITION_FAILED"
    await data(client, PROMOTE, m=model_name, v=2, s="ARCHIVED")
    await data(
        client, 'mutation($m: String!) { setAlias(model: $m, alias: "keep", version: 2) { version } }', m=model_name
    )
    assert await error_code(client, delete, m=model_name, v=2, h=True) == "PRECONDITION_FAILED"
    await data(client, 'mutation($m: String!) { deleteAlias(model: $m, alias: "keep") }', m=model_name)
    assert (await data(client, delete, m=model_name, v=2, h=True))["deleteModelVersion"] is True
    assert await error_code(client, delete, m=model_name, v=2, h=True) == "NOT_FOUND"
    assert (await data(client, delete, m=model_name, v=1, h=False))["deleteModelVersion"] is True
    again = await trained_version(client, model_name, [source], description="y")
    assert again["version"] == 3


async def test_dataset_deletion_refused_while_production_depends(
    client: httpx.AsyncClient, unique: str, model_name: str
) -> None:
    raw = await dataset(client, f"raw-{unique}", "1")
    derived = await dataset(client, f"der-{unique}", "1", parents=[raw])
    await trained_version(client, model_name, [derived])
    delete = "mutation($d: String!) { deleteDatasetVersion(dataset: $d, version: 1) }"
    assert (await data(client, delete, d=f"der-{unique}"))["deleteDatasetVersion"] is True
    await dataset(client, f"der-{unique}", "1", parents=[raw])  # same digest: back again
    await data(client, PROMOTE, m=model_name, v=1, s="PRODUCTION")
    assert await error_code(client, delete, d=f"raw-{unique}") == "PRECONDITION_FAILED"
    assert (
        await error_code(
            client, "mutation($d: String!) { deleteDatasetVersion(dataset: $d, version: 5) }", d=f"raw-{unique}"
        )
        == "NOT_FOUND"
    )
    listing = await data(
        client,
        "query($d: String!) { dataset(name: $d) { versions { totalCount } latestVersion { deleted } } }",
        d=f"raw-{unique}",
    )
    assert listing["dataset"] == {"versions": {"totalCount": 1}, "latestVersion": {"deleted": False}}
