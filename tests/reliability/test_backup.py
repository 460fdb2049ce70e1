"""`graph-registry export` / `import`: a backup restored into an empty database is the same graph.

The source is the scratch Neo4j the other reliability tests loaded (plus a scenario written here that
touches every kind of node and edge); the target is the blank scratch Neo4j, emptied before each test.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from graph_registry.bootstrap import open_database
from graph_registry.services.backup import BackupService, inspect_backup
from graph_registry.storage.database import Database
from tests.graphql import data
from tests.live_server import LiveServer
from tests.reliability.graph import Graph
from tests.reliability.servers import GRAPH_REGISTRY, ApiProcess, ScratchNeo4j

HISTORY = """query($m: String!) { model(name: $m) {
  aliases { name version { version } }
  versions(first: 100) { edges { node { version stage deleted aliases
    stageHistory { from to actor comment at } aliasHistory { alias version { version } from to }
    trainedOn { digest } commit { sha committedAt } packages { name version } baseModel { version }
    artifact { sha256 status sizeBytes } } } } } }"""


class Crash(Exception):
    """The import process dying between two batches."""


def cli(neo4j: ScratchNeo4j, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GRAPH_REGISTRY, *arguments],
        env={**os.environ, **neo4j.env()},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


async def _scenario(http: httpx.AsyncClient, name: str) -> None:
    """One model's life touching every node and edge kind: data, derived data, run, commit, packages,
    base model, artifact, stages, alias moves and deletion, soft delete."""
    digests = [f"sha256:{hashlib.sha256(f'{name}{i}'.encode()).hexdigest()}" for i in range(3)]
    raw, derived = f"{name}-raw", f"{name}-features"
    await data(
        http,
        "mutation($i: RegisterDatasetVersionInput!) { registerDatasetVersion(input: $i) { version } }",
        i={"dataset": raw, "digest": digests[0], "uri": "s3://data/raw", "rowCount": 1e6},
    )
    run = await data(
        http,
        "mutation($i: StartRunInput!) { startRun(input: $i) { runId } }",
        i={
            "experiment": f"{name}-exp",
            "name": "prepare",
            "params": [{"key": "lr", "value": "0.1"}],
            "commit": {
                "repo": f"github.com/acme/{name}",
                "sha": "a" * 40,
                "branch": "main",
                "committedAt": "2024-05-01T10:00:00.123456+02:00",
            },
            "inputs": [{"datasetVersion": {"dataset": raw, "version": 1}, "role": "training"}],
        },
    )
    run_id = run["startRun"]["runId"]
    await data(
        http,
        'mutation($r: String!) { finishRun(runId: $r, metrics: [{key: "loss", value: 0.25, step: 3}]) { status } }',
        r=run_id,
    )
    await data(
        http,
        "mutation($i: RegisterDatasetVersionInput!) { registerDatasetVersion(input: $i) { version } }",
        i={
            "dataset": derived,
            "digest": digests[1],
            "derivedFrom": [{"dataset": raw, "version": 1}],
            "producedBy": run_id,
        },
    )
    payload = b"model bytes " * 100
    create = "mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { version } }"
    await data(
        http,
        create,
        i={
            "model": name,
            "runId": run_id,
            "requirements": ["torch==2.3.1", "numpy==1.26.4"],
            "tags": [{"key": "team", "value": "fraud"}],
            "metrics": [{"key": "auc", "value": 0.91}],
            "description": "first",
            "requestId": f"{name}-1",
            "artifact": {"sha256": hashlib.sha256(payload).hexdigest(), "sizeBytes": len(payload)},
        },
    )
    upload = await data(
        http,
        "mutation($m: String!) { createArtifactUpload(model: $m, version: 1) { url method headers { key value } } }",
        m=name,
    )
    target = upload["createArtifactUpload"]
    put = await http.request(
        target["method"], target["url"], content=payload, headers={h["key"]: h["value"] for h in target["headers"]}
    )
    assert put.status_code < 300, put.text
    await data(http, "mutation($m: String!) { completeArtifactUpload(model: $m, version: 1) { status } }", m=name)
    for number in (2, 3):
        await data(
            http,
            create,
            i={
                "model": name,
                "trainedOn": [{"dataset": derived, "digest": digests[1]}],
                "commit": {"repo": f"github.com/acme/{name}", "sha": "b" * 40},
                "baseModel": {"model": name, "version": 1},
                "requestId": f"{name}-{number}",
            },
        )
    move = 'mutation($m: String!, $v: Int!, $s: Stage!) { transitionStage(model: $m, version: $v, stage: $s, comment: "ok") { stage } }'
    for version, stage in ((1, "PRODUCTION"), (2, "STAGING"), (2, "PRODUCTION")):
        await data(http, move, m=name, v=version, s=stage)
    alias = "mutation($m: String!, $a: String!, $v: Int!) { setAlias(model: $m, alias: $a, version: $v) { version } }"
    for name_, version in (("champion", 1), ("champion", 2), ("challenger", 3)):
        await data(http, alias, m=name, a=name_, v=version)
    await data(http, 'mutation($m: String!) { deleteAlias(model: $m, alias: "challenger") }', m=name)
    await data(http, "mutation($m: String!) { deleteModelVersion(model: $m, version: 3) }", m=name)
    # A pipeline run from OpenLineage: Job, RUN_OF, CHILD_OF (its parent run), datasets by source.
    lineage_event = {
        "eventType": "COMPLETE",
        "eventTime": "2024-05-01T11:00:00Z",
        "producer": "https://github.com/acme/backup-test",
        "run": {
            "runId": str(uuid.uuid4()),
            "facets": {"parent": {"run": {"runId": str(uuid.uuid4())}, "job": {"namespace": name, "name": "dag"}}},
        },
        "job": {"namespace": name, "name": "dag.task", "facets": {"sql": {"query": "select 1"}}},
        "inputs": [{"namespace": f"s3://{name}", "name": "raw"}],
        "outputs": [{"namespace": f"s3://{name}", "name": "clean", "facets": {"schema": {"fields": [{"name": "a"}]}}}],
    }
    response = await http.post("/api/v1/lineage", json=lineage_event)
    assert response.status_code == 201, response.text
    # Governance: a team owning the model, its promotion policy, and an open request (approvals need tokens,
    # which this auth-off server does not use: decisions and memberships are not in the scenario).
    team = f"{name}-team"
    await data(http, "mutation($t: String!) { createTeam(name: $t) { name } }", t=team)
    await data(http, "mutation($m: String!, $t: String) { setModelTeam(model: $m, team: $t) { name } }", m=name, t=team)
    policy = 'mutation($t: String) { setPromotionPolicy(team: $t, input: {requiredApprovals: 1, metricRules: [{metric: "auc", op: ">=", value: 0.5}]}) { requiredApprovals } }'
    await data(http, policy, t=team)
    request = "mutation($m: String!) { requestStageTransition(model: $m, version: 1, stage: PRODUCTION) { id } }"
    await data(http, request, m=name)
    # Supply chain: an advisory matched to torch==2.3.1 (AFFECTS) and a model card.
    advisory = {
        "id": f"SYNTH-{name}",
        "modified": "2025-01-01T00:00:00Z",
        "aliases": [f"CVE-{name}"],
        "affected": [{"package": {"ecosystem": "PyPI", "name": "torch"}, "versions": ["2.3.1"]}],
    }
    await data(http, "mutation($o: JSON!) { importAdvisories(osv: $o) { imported } }", o=advisory)
    await data(
        http,
        'mutation($m: String!) { updateModelCard(model: $m, version: 1, card: {summary: "first"}) { summary } }',
        m=name,
    )


@pytest.fixture(scope="module")
async def backup(
    scratch_api: ApiProcess, scratch_neo4j: ScratchNeo4j, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Path, str]]:
    """The scratch Neo4j's whole graph, exported by the CLI, and the scenario model's name."""
    name = f"backup-{os.urandom(4).hex()}"
    async with httpx.AsyncClient(base_url=scratch_api.url, timeout=60) as http:
        await _scenario(http, name)
    path = tmp_path_factory.mktemp("backup") / "graph.jsonl"
    exported = cli(scratch_neo4j, "export", str(path))
    assert exported.returncode == 0, exported.stderr
    yield path, name


@pytest.fixture
async def blank_database(blank_neo4j: ScratchNeo4j) -> AsyncIterator[Database]:
    blank_neo4j.wipe()
    database = open_database(blank_neo4j.settings())
    yield database
    await database.close()


async def test_export_then_import_gives_the_same_graph(
    backup: tuple[Path, str],
    blank_neo4j: ScratchNeo4j,
    blank_database: Database,
    scratch_api: ApiProcess,
    tmp_path: Path,
    figures: dict[str, Any],
) -> None:
    path, name = backup
    imported = cli(blank_neo4j, "import", str(path))
    assert imported.returncode == 0, imported.stderr
    again = tmp_path / "again.jsonl"
    assert cli(blank_neo4j, "export", str(again)).returncode == 0

    source, restored = Graph.load(path), Graph.load(again)
    assert restored.counts() == source.counts()
    assert restored.canonical() == source.canonical()
    assert {node.label for node in source.nodes.values()} >= {
        "Model",
        "ModelVersion",
        "Event",
        "Alias",
        "AliasAssignment",
        "Dataset",
        "DatasetVersion",
        "Experiment",
        "Run",
        "Commit",
        "Package",
        "Job",
        "Advisory",
    }

    # Through the API, the restored registry tells the same histories.
    async with httpx.AsyncClient(base_url=scratch_api.url, timeout=60) as http:
        before = await data(http, HISTORY, m=name)
    with LiveServer.serving(blank_neo4j.settings()) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            after = await data(http, HISTORY, m=name)
    assert after == before
    figures["backup round trip"] = {
        "nodes": len(source.nodes),
        "relationships": len(source.edges),
        "file bytes": path.stat().st_size,
        "identical": True,
    }


async def test_import_refuses_a_database_that_is_not_empty(
    backup: tuple[Path, str], blank_neo4j: ScratchNeo4j, blank_database: Database
) -> None:
    path, _ = backup
    assert cli(blank_neo4j, "import", str(path)).returncode == 0
    before = (await Graph.read(blank_database)).canonical()
    refused = cli(blank_neo4j, "import", str(path))
    assert refused.returncode == 1
    assert "not empty" in refused.stderr and "Traceback" not in refused.stderr
    assert (await Graph.read(blank_database)).canonical() == before


async def test_an_interrupted_import_resumes_to_the_same_graph(
    backup: tuple[Path, str], blank_neo4j: ScratchNeo4j, blank_database: Database, tmp_path: Path
) -> None:
    path, _ = backup
    plan = inspect_backup(path)
    service = BackupService(blank_database, batch_size=10)
    written = 0

    def crash_after_three_batches(advance: int) -> None:
        nonlocal written
        written += advance
        if written >= 30:
            raise Crash

    with pytest.raises(Crash):
        await service.restore(plan, crash_after_three_batches)
    refused_other = cli(blank_neo4j, "import", str(_other_backup(tmp_path)))
    assert refused_other.returncode == 1 and "interrupted" in refused_other.stderr

    resumed = cli(blank_neo4j, "import", str(path))
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming" in resumed.stderr
    again = tmp_path / "again.jsonl"
    assert cli(blank_neo4j, "export", str(again)).returncode == 0
    assert Graph.load(again).canonical() == Graph.load(path).canonical()


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    nodes = sum("node" in record for record in records)
    lines = [
        {"format": "graph-registry-backup", "formatVersion": 1},
        *records,
        {"end": {"nodes": nodes, "relationships": len(records) - nodes}},
    ]
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    return path


def _other_backup(tmp_path: Path) -> Path:
    return _write(tmp_path / "other.jsonl", [{"node": "1", "labels": ["Model"], "properties": {"name": "other"}}])


@pytest.mark.parametrize(
    "records",
    [
        [{"node": "1", "labels": ["Evil`) DETACH DELETE (n"], "properties": {}}],
        [{"node": "1", "labels": ["Model", "Admin"], "properties": {"name": "x"}}],
        [
            {"node": "1", "labels": ["Model"], "properties": {"name": "x"}},
            {"relationship": "OWNS", "source": "1", "target": "1", "properties": {}},
        ],
        [{"node": "1", "labels": ["Model"], "properties": {"name": {"$type": "POINT", "value": "x"}}}],
        [{"node": "1", "labels": ["Model"], "properties": {"_backupImportId": "y"}}],
    ],
    ids=["injected label", "two labels", "unknown relationship type", "unknown tagged type", "reserved property"],
)
async def test_a_file_with_unknown_labels_or_types_is_refused_before_any_write(
    records: list[dict[str, Any]], blank_neo4j: ScratchNeo4j, blank_database: Database, tmp_path: Path
) -> None:
    refused = cli(
        blank_neo4j,
        "import",
        str(
            _write(
                tmp_path / "bad.jsonl", [{"node": "0", "labels": ["Model"], "properties": {"name": "fine"}}, *records]
            )
        ),
    )
    assert refused.returncode == 1 and "Traceback" not in refused.stderr, refused.stderr
    assert not [n for n in (await Graph.read(blank_database)).nodes.values() if n.label != "Migration"]


async def test_temporal_values_round_trip_exactly(
    blank_neo4j: ScratchNeo4j, blank_database: Database, tmp_path: Path
) -> None:
    properties = {
        "repo": "github.com/acme/time",
        "sha": "c" * 40,
        "committedAt": {"$type": "ZONED DATETIME", "value": "2024-03-31T01:59:59.123456789+01:00[Europe/Paris]"},
        "utc": {"$type": "ZONED DATETIME", "value": "2024-05-01T10:00:00.000000001Z"},
        "local": {"$type": "LOCAL DATETIME", "value": "2024-05-01T10:00:00.5"},
        "day": {"$type": "DATE", "value": "1999-12-31"},
        "clock": {"$type": "LOCAL TIME", "value": "23:59:59.999999999"},
        "offsetClock": {"$type": "ZONED TIME", "value": "08:30:00-05:00"},
        "took": {"$type": "DURATION", "value": "P1Y2M3DT4H5M6.000000007S"},
        "days": {"$type": "LIST<DATE>", "value": ["2024-01-01", "2024-02-29"]},
        "ratio": {"$type": "FLOAT", "value": "NaN"},
        "ceiling": {"$type": "FLOAT", "value": "Infinity"},
        "count": 3,
        "share": 0.5,
        "whole": 2.0,
        "flags": [True, False],
        "names": ["a", "b"],
        "empty": [],
    }
    path = _write(tmp_path / "time.jsonl", [{"node": "c", "labels": ["Commit"], "properties": properties}])
    assert cli(blank_neo4j, "import", str(path)).returncode == 0
    again = tmp_path / "again.jsonl"
    assert cli(blank_neo4j, "export", str(again)).returncode == 0
    [commit] = Graph.load(again).labelled("Commit")
    assert commit.props == properties
