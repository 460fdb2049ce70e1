"""Recording provenance over HTTP: dataset versions, commits, runs, lineage-bearing model versions."""

from __future__ import annotations

import uuid

import httpx

from tests.graphql import data, error_code, execute
from tests.lineage_graphs import REGISTER, START_RUN, dataset, digest, model_version, ref, run, sha

FINISH = 'mutation($r: String!, $s: RunStatus) { finishRun(runId: $r, status: $s, metrics: [{key: "auc", value: 0.9}]) { status endedAt metrics { key value } } }'
RECORD_COMMIT = "mutation($input: CommitInput!) { recordCommit(input: $input) { id repo sha branch } }"


async def test_same_digest_is_the_same_version(client: httpx.AsyncClient, unique: str) -> None:
    first = await dataset(client, f"ds-{unique}", "a")
    again = await dataset(client, f"ds-{unique}", "a")
    other = await dataset(client, f"ds-{unique}", "b")
    assert first["id"] == again["id"] and first["version"] == 1
    assert other["version"] == 2
    upper = digest(f"ds-{unique}/a").upper().replace("SHA256", "sha256")
    same = await data(client, REGISTER, input={"dataset": f"ds-{unique}", "digest": upper})
    assert same["registerDatasetVersion"]["version"] == 1


async def test_malformed_digests_are_invalid(client: httpx.AsyncClient, unique: str) -> None:
    for bad in ["abc", "sha256:" + "0" * 63, "sha256:" + "g" * 64, "crc32:deadbeef", "md5:" + "0" * 64]:
        assert await error_code(client, REGISTER, input={"dataset": f"ds-{unique}", "digest": bad}) == "INVALID_INPUT"
    assert (await data(client, "query($d: String!) { dataset(name: $d) { name } }", d=f"ds-{unique}"))[
        "dataset"
    ] is None
    md5 = await data(client, REGISTER, input={"dataset": f"ds-{unique}", "digest": "md5:" + "a" * 32})
    assert md5["registerDatasetVersion"]["version"] == 1


async def test_missing_parent_is_not_found_and_writes_nothing(client: httpx.AsyncClient, unique: str) -> None:
    code = await error_code(
        client,
        REGISTER,
        input={
            "dataset": f"ds-{unique}",
            "digest": digest("x"),
            "derivedFrom": [{"dataset": f"gone-{unique}", "version": 1}],
        },
    )
    assert code == "NOT_FOUND"
    code = await error_code(
        client, REGISTER, input={"dataset": f"ds-{unique}", "digest": digest("x"), "producedBy": str(uuid.uuid4())}
    )
    assert code == "NOT_FOUND"
    code = await error_code(
        client, REGISTER, input={"dataset": f"ds-{unique}", "digest": digest("x"), "producedBy": "no-such-run"}
    )
    assert code == "INVALID_INPUT"
    assert (await data(client, "query($d: String!) { dataset(name: $d) { name } }", d=f"ds-{unique}"))[
        "dataset"
    ] is None


async def test_derivation_cycle_is_a_conflict(client: httpx.AsyncClient, unique: str) -> None:
    a = await dataset(client, f"a-{unique}", "1")
    b = await dataset(client, f"b-{unique}", "1", parents=[a])
    c = await dataset(client, f"c-{unique}", "1", parents=[b])
    closing = {"dataset": f"a-{unique}", "digest": digest(f"a-{unique}/1"), "derivedFrom": [ref(c)]}
    assert await error_code(client, REGISTER, input=closing) == "CONFLICT"
    itself = {"dataset": f"a-{unique}", "digest": digest(f"a-{unique}/1"), "derivedFrom": [ref(a)]}
    assert await error_code(client, REGISTER, input=itself) == "CONFLICT"
    parents = await data(
        client, "query($d: String!) { datasetVersion(dataset: $d, version: 1) { derivedFrom { id } } }", d=f"a-{unique}"
    )
    assert parents["datasetVersion"]["derivedFrom"] == []
    # A link that closes no cycle may be added later, by registering the same digest again.
    other = await dataset(client, f"o-{unique}", "1")
    again = {"dataset": f"c-{unique}", "digest": digest(f"c-{unique}/1"), "derivedFrom": [ref(other)]}
    assert (await data(client, REGISTER, input=again))["registerDatasetVersion"]["id"] == c["id"]


async def test_record_commit_is_idempotent_and_validated(client: httpx.AsyncClient, unique: str) -> None:
    commit = {"repo": f"github.com/acme/{unique}", "sha": sha(unique).upper(), "branch": "main"}
    first = (await data(client, RECORD_COMMIT, input=commit))["recordCommit"]
    again = (await data(client, RECORD_COMMIT, input={**commit, "branch": "other"}))["recordCommit"]
    assert first == again and first["sha"] == sha(unique) and first["branch"] == "main"
    for bad in ["abc123", sha(unique) + "0", "z" * 40]:
        assert await error_code(client, RECORD_COMMIT, input={**commit, "sha": bad}) == "INVALID_INPUT"
    long_sha = "ab" * 32
    assert (await data(client, RECORD_COMMIT, input={**commit, "sha": long_sha}))["recordCommit"]["sha"] == long_sha


async def test_run_lifecycle_and_links(client: httpx.AsyncClient, unique: str) -> None:
    source = await dataset(client, f"ds-{unique}", "1")
    started = await run(
        client, f"exp-{unique}", inputs=[source], repo="github.com/acme/x", params={"lr": "0.1"}, name="r1"
    )
    assert started["status"] == "RUNNING"
    output = await dataset(client, f"out-{unique}", "1", parents=[source], run=started["runId"])
    finished = await data(client, FINISH, r=started["runId"], s="FINISHED")
    assert finished["finishRun"]["status"] == "FINISHED" and finished["finishRun"]["endedAt"]
    assert await error_code(client, FINISH, r=started["runId"], s="FAILED") == "CONFLICT"
    assert await error_code(client, FINISH, r=str(uuid.uuid4()), s="FAILED") == "NOT_FOUND"
    assert await error_code(client, FINISH, r="no-such-run", s="FAILED") == "INVALID_INPUT"
    assert await error_code(client, FINISH, r=started["runId"], s="RUNNING") == "INVALID_INPUT"
    produced = [await model_version(client, f"m-{unique}", runId=started["runId"]) for _ in range(2)]
    found = await data(
        client,
        """query($r: String!, $e: String!) {
          run(runId: $r) { status params { key value } metrics { key value } experiment { name }
                           inputs { role datasetVersion { id } } commit { repo } producedDatasets { id }
                           producedModels { id version } }
          experiment(name: $e) { runs { totalCount edges { node { runId } } } }
        }""",
        r=started["runId"],
        e=f"exp-{unique}",
    )
    assert found["run"] == {
        "status": "FINISHED",
        "params": [{"key": "lr", "value": "0.1"}],
        "metrics": [{"key": "auc", "value": 0.9}],
        "experiment": {"name": f"exp-{unique}"},
        "inputs": [{"role": "training", "datasetVersion": {"id": source["id"]}}],
        "commit": {"repo": "github.com/acme/x"},
        "producedDatasets": [{"id": output["id"]}],
        "producedModels": [{"id": version["id"], "version": version["version"]} for version in produced],
    }
    assert found["experiment"]["runs"]["totalCount"] == 1


async def test_start_run_with_missing_input_writes_nothing(client: httpx.AsyncClient, unique: str) -> None:
    body = {"experiment": f"exp-{unique}", "inputs": [{"datasetVersion": {"dataset": f"gone-{unique}", "version": 1}}]}
    assert await error_code(client, START_RUN, input=body) == "NOT_FOUND"
    assert (await data(client, "query($e: String!) { experiment(name: $e) { name } }", e=f"exp-{unique}"))[
        "experiment"
    ] is None


VERSION_LINEAGE = """
query($m: String!, $v: Int!) {
  modelVersion(model: $m, version: $v) {
    producedBy { runId name } trainedOn { id } commit { sha } baseModel { version } packages { name version }
  }
}
"""


async def test_version_from_a_run_takes_its_lineage(client: httpx.AsyncClient, unique: str, model_name: str) -> None:
    source = await dataset(client, f"ds-{unique}", "1")
    started = await run(client, f"exp-{unique}", inputs=[source], repo="github.com/acme/x", name="train")
    await model_version(
        client, model_name, runId=started["runId"], requirements=["Torch==2.3.1", "scikit_learn == 1.5.0"]
    )
    child = await model_version(
        client, model_name, baseModel={"model": model_name, "version": 1}, trainedOn=[ref(source)]
    )
    parent = (await data(client, VERSION_LINEAGE, m=model_name, v=1))["modelVersion"]
    assert parent["producedBy"]["runId"] == started["runId"]
    assert parent["trainedOn"] == [{"id": source["id"]}]
    assert parent["commit"]["sha"] == sha("github.com/acme/x/exp-" + unique + "/train")
    assert parent["packages"] == [{"name": "scikit-learn", "version": "1.5.0"}, {"name": "torch", "version": "2.3.1"}]
    found = (await data(client, VERSION_LINEAGE, m=model_name, v=child["version"]))["modelVersion"]
    assert found["baseModel"] == {"version": 1}
    assert found["producedBy"]["name"].endswith("(implicit)") and found["commit"] is None
    assert found["trainedOn"] == [{"id": source["id"]}]


async def test_bad_version_lineage_is_refused_and_writes_nothing(client: httpx.AsyncClient, model_name: str) -> None:
    bad = [
        ({"runId": str(uuid.uuid4())}, "NOT_FOUND"),
        ({"runId": "no-such-run"}, "INVALID_INPUT"),
        ({"trainedOn": [{"dataset": "gone-dataset-x", "version": 1}]}, "NOT_FOUND"),
        ({"baseModel": {"model": model_name, "version": 9}}, "NOT_FOUND"),
        ({"requirements": ["torch>=2"]}, "INVALID_INPUT"),
        ({"requirements": ["not a requirement"]}, "INVALID_INPUT"),
        ({"trainedOn": [{"dataset": "x", "digest": "nope"}]}, "INVALID_INPUT"),
        ({"commit": {"repo": "r", "sha": "short"}}, "INVALID_INPUT"),
    ]
    for lineage, code in bad:
        body = await data(client, "query($m: String!) { model(name: $m) { name } }", m=model_name)
        assert body["model"] is None
        result = await execute(
            client,
            "mutation($input: CreateModelVersionInput!) { createModelVersion(input: $input) { version } }",
            input={"model": model_name, **lineage},
        )
        assert result["errors"][0]["extensions"]["code"] == code, lineage
    assert (await data(client, "query($m: String!) { model(name: $m) { name } }", m=model_name))["model"] is None
