"""A writer cannot undo a maintainer's deletion (issue #21, finding 3).

The attack: after a maintainer's `deleteDatasetVersion`, a writer registers
the same digest again (any reader can read it) and the version comes back.
The same shape is checked wherever a write could revive something deleted:
a deleted model version cannot get an alias or a stage back.
"""

from __future__ import annotations

from typing import Any

from tests.security.client import Caller

REGISTER = "mutation($d: String!, $g: String!) { registerDatasetVersion(input: {dataset: $d, digest: $g}) { version } }"
DELETE = "mutation($d: String!) { deleteDatasetVersion(dataset: $d, version: 1) }"
SHOWN = "query($d: String!) { datasetVersion(dataset: $d, version: 1) { deleted } }"
BY_ACTOR = """
query($a: String!) { auditLog(actor: $a, first: 100) { edges { node { operation outcome arguments message } } } }
"""


async def _entries(reader: Caller, actor: str | None, dataset: str) -> list[dict[str, Any]]:
    result = await reader.data(BY_ACTOR, a=actor)
    nodes = [edge["node"] for edge in result["auditLog"]["edges"]]
    return [node for node in nodes if dataset in (node["arguments"] or "")]


async def _deleted_dataset(writer: Caller, maintainer: Caller, unique: str) -> tuple[str, str]:
    dataset, digest = f"ds-{unique}", "sha256:" + unique.ljust(64, "0")
    await writer.data(REGISTER, d=dataset, g=digest)
    await maintainer.data(DELETE, d=dataset)
    return dataset, digest


async def test_a_writer_cannot_re_register_a_deleted_version(
    reader: Caller, writer: Caller, maintainer: Caller, unique: str
) -> None:
    dataset, digest = await _deleted_dataset(writer, maintainer, unique)
    body = await writer.execute(REGISTER, d=dataset, g=digest)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "deleted" in body["errors"][0]["message"]
    assert (await reader.data(SHOWN, d=dataset))["datasetVersion"]["deleted"] is True
    [refused, registered] = await _entries(reader, writer.name, dataset)
    assert (refused["operation"], refused["outcome"]) == ("registerDatasetVersion", "FORBIDDEN")
    assert (registered["operation"], registered["outcome"]) == ("registerDatasetVersion", "OK")


async def test_a_maintainer_restores_it_and_the_audit_says_so(
    reader: Caller, writer: Caller, maintainer: Caller, unique: str
) -> None:
    dataset, digest = await _deleted_dataset(writer, maintainer, unique)
    assert (await maintainer.data(REGISTER, d=dataset, g=digest))["registerDatasetVersion"]["version"] == 1
    assert (await reader.data(SHOWN, d=dataset))["datasetVersion"]["deleted"] is False
    [restored, deleted] = await _entries(reader, maintainer.name, dataset)
    assert (restored["operation"], restored["outcome"]) == ("registerDatasetVersion", "OK")
    assert "restore" in restored["message"]
    assert deleted["operation"] == "deleteDatasetVersion"
    # Registering a version that is not deleted is no restore.
    assert (await maintainer.data(REGISTER, d=dataset, g=digest))["registerDatasetVersion"]["version"] == 1
    assert (await _entries(reader, maintainer.name, dataset))[0]["message"] is None


async def test_a_deleted_model_version_gets_no_alias_or_stage_back(
    writer: Caller, maintainer: Caller, unique: str
) -> None:
    model = f"m-{unique}"
    await writer.data("mutation($m: String!) { createModelVersion(input: {model: $m}) { version } }", m=model)
    await writer.data("mutation($m: String!) { deleteModelVersion(model: $m, version: 1) }", m=model)
    alias = 'mutation($m: String!) { setAlias(model: $m, alias: "candidate", version: 1) { version } }'
    stage = "mutation($m: String!) { transitionStage(model: $m, version: 1, stage: STAGING) { stage } }"
    assert await writer.code(alias, m=model) == "PRECONDITION_FAILED"
    assert await writer.code(stage, m=model) == "PRECONDITION_FAILED"
    versions = await writer.data("query($m: String!) { model(name: $m) { versions { totalCount } } }", m=model)
    assert versions["model"]["versions"]["totalCount"] == 0
