"""logRunInputs and logRunParams: a RUNNING run grows; what it produced sees it at once; an ended run is fixed."""

from __future__ import annotations

import uuid

import httpx

from tests.graphql import data, error_code
from tests.lineage_graphs import dataset, model_version, ref, run

LOG_INPUTS = """
mutation($r: String!, $inputs: [RunInputInput!]!) {
  logRunInputs(runId: $r, inputs: $inputs) { status inputs { role datasetVersion { id } } }
}
"""
LOG_PARAMS = """
mutation($r: String!, $params: [TagInput!]!) { logRunParams(runId: $r, params: $params) { params { key value } } }
"""
FINISH = "mutation($r: String!) { finishRun(runId: $r) { status } }"
TRAINED_ON = "query($m: String!) { modelVersion(model: $m, version: 1) { trainedOn { id } } }"


def _inputs(result: dict[str, object]) -> set[tuple[str, str]]:
    return {(item["role"], item["datasetVersion"]["id"]) for item in result["logRunInputs"]["inputs"]}  # type: ignore[index]


async def test_inputs_logged_during_a_run_join_its_lineage(
    client: httpx.AsyncClient, unique: str, model_name: str
) -> None:
    train = await dataset(client, f"train-{unique}", "1")
    valid = await dataset(client, f"valid-{unique}", "1")
    started = await run(client, f"exp-{unique}", inputs=[train])
    # A version registered mid-run: the inputs logged afterwards are in its lineage too (never stale).
    await model_version(client, model_name, runId=started["runId"])

    added = await data(client, LOG_INPUTS, r=started["runId"], inputs=[{"datasetVersion": ref(valid), "role": "eval"}])
    assert _inputs(added) == {("training", train["id"]), ("eval", valid["id"])}
    again = await data(client, LOG_INPUTS, r=started["runId"], inputs=[{"datasetVersion": ref(valid), "role": "eval"}])
    assert _inputs(again) == _inputs(added)
    trained_on = (await data(client, TRAINED_ON, m=model_name))["modelVersion"]["trainedOn"]
    assert {item["id"] for item in trained_on} == {train["id"], valid["id"]}

    await data(client, FINISH, r=started["runId"])
    late = [{"datasetVersion": ref(valid), "role": "late"}]
    assert await error_code(client, LOG_INPUTS, r=started["runId"], inputs=late) == "CONFLICT"


async def test_bad_input_logs_are_refused_and_write_nothing(client: httpx.AsyncClient, unique: str) -> None:
    train = await dataset(client, f"train-{unique}", "1")
    started = await run(client, f"exp-{unique}", inputs=[train])
    gone = [
        {"datasetVersion": ref(train), "role": "x"},
        {"datasetVersion": {"dataset": f"gone-{unique}", "version": 1}},
    ]
    assert await error_code(client, LOG_INPUTS, r=started["runId"], inputs=gone) == "NOT_FOUND"
    inputs = [{"datasetVersion": ref(train)}]
    assert await error_code(client, LOG_INPUTS, r=str(uuid.uuid4()), inputs=inputs) == "NOT_FOUND"
    assert await error_code(client, LOG_INPUTS, r="not-a-run", inputs=inputs) == "INVALID_INPUT"
    bad_role = [{"datasetVersion": ref(train), "role": "no spaces"}]
    assert await error_code(client, LOG_INPUTS, r=started["runId"], inputs=bad_role) == "INVALID_INPUT"
    found = await data(client, "query($r: String!) { run(runId: $r) { inputs { role } } }", r=started["runId"])
    assert found["run"]["inputs"] == [{"role": "training"}]


async def test_params_are_set_once(client: httpx.AsyncClient, unique: str) -> None:
    started = await run(client, f"exp-{unique}", params={"lr": "0.1"})
    grown = await data(client, LOG_PARAMS, r=started["runId"], params=[{"key": "epochs", "value": "10"}])
    assert grown["logRunParams"]["params"] == [{"key": "lr", "value": "0.1"}, {"key": "epochs", "value": "10"}]
    same = await data(client, LOG_PARAMS, r=started["runId"], params=[{"key": "lr", "value": "0.1"}])
    assert same["logRunParams"]["params"] == grown["logRunParams"]["params"]
    changed = [{"key": "lr", "value": "0.2"}, {"key": "batch", "value": "32"}]
    assert await error_code(client, LOG_PARAMS, r=started["runId"], params=changed) == "CONFLICT"
    bad_key = [{"key": "not a key", "value": "1"}]
    assert await error_code(client, LOG_PARAMS, r=started["runId"], params=bad_key) == "INVALID_INPUT"
    await data(client, FINISH, r=started["runId"])
    late = [{"key": "late", "value": "1"}]
    assert await error_code(client, LOG_PARAMS, r=started["runId"], params=late) == "CONFLICT"
    found = await data(client, "query($r: String!) { run(runId: $r) { params { key value } } }", r=started["runId"])
    assert found["run"]["params"] == grown["logRunParams"]["params"]
