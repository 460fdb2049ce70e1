"""Raw table -> cleaning job -> features job (OpenLineage) -> a model version (GraphQL) in PRODUCTION.

`impact` from the raw table's version finds the model with a path through both jobs' runs, and the
lineage graph shows the jobs and runs.
"""

from __future__ import annotations

import asyncio
import uuid

import httpx

from graph_registry.client import Dataset, ImpactHit, ModelVersion, Registry
from graph_registry.services.tokens import Role
from tests.graphql import data
from tests.live_server import LiveServer
from tests.openlineage.events import run_event, send

CREATE = """
mutation($input: CreateModelVersionInput!) { createModelVersion(input: $input) { version } }
"""
PROMOTE = """
mutation($m: String!, $v: Int!) { transitionStage(model: $m, version: $v, stage: PRODUCTION) { stage } }
"""
IMPACT = """
query($dataset: String!, $version: Int!) {
  impact(datasetVersion: {dataset: $dataset, version: $version}, stage: PRODUCTION) {
    modelVersion { version model { name } }
    path {
      __typename
      ... on Run { runId job { namespace name } }
      ... on DatasetVersion { dataset { name source { name } } }
    }
  }
}
"""
LINEAGE = """
query($m: String!, $v: Int!) {
  modelVersion(model: $m, version: $v) {
    lineage(depth: 10) { nodes { kind label } edges { type } mermaid }
  }
}
"""
BY_SOURCE = """
query($namespace: String!, $name: String!) {
  datasetBySource(namespace: $namespace, name: $name) { name latestVersion { version digest } }
}
"""


async def test_impact_from_a_raw_table_reaches_the_production_model_through_both_runs(
    writer: httpx.AsyncClient, maintainer: httpx.AsyncClient, unique: str
) -> None:
    lake = f"s3://lake-{unique}"
    jobs = f"pipelines-{unique}"
    cleaning, features = str(uuid.uuid4()), str(uuid.uuid4())
    for event in (
        run_event(
            "START",
            run_id=cleaning,
            job=(jobs, "clean_transactions"),
            time="2026-11-30T01:00:00Z",
            inputs=[(lake, "raw/transactions")],
        ),
        run_event(
            "COMPLETE",
            run_id=cleaning,
            job=(jobs, "clean_transactions"),
            time="2026-11-30T01:10:00Z",
            inputs=[(lake, "raw/transactions")],
            outputs=[(lake, "clean/transactions")],
        ),
        run_event(
            "START",
            run_id=features,
            job=(jobs, "build_features"),
            time="2026-11-30T02:00:00Z",
            inputs=[(lake, "clean/transactions")],
        ),
        run_event(
            "COMPLETE",
            run_id=features,
            job=(jobs, "build_features"),
            time="2026-11-30T02:20:00Z",
            inputs=[(lake, "clean/transactions")],
            outputs=[(lake, "features/transactions")],
        ),
    ):
        await send(writer, event)

    features_dataset = (await data(writer, BY_SOURCE, namespace=lake, name="features/transactions"))["datasetBySource"]
    model = f"fraud-{unique}"
    created = await data(
        writer,
        CREATE,
        input={
            "model": model,
            "trainedOn": [
                {"dataset": features_dataset["name"], "version": features_dataset["latestVersion"]["version"]}
            ],
            "commit": {"repo": "github.com/acme/fraud", "sha": "a" * 40},
        },
    )
    version = created["createModelVersion"]["version"]
    assert (await data(maintainer, PROMOTE, m=model, v=version))["transitionStage"]["stage"] == "PRODUCTION"

    raw = (await data(writer, BY_SOURCE, namespace=lake, name="raw/transactions"))["datasetBySource"]
    assert raw["latestVersion"]["digest"] == "openlineage:first-seen"
    [hit] = (await data(writer, IMPACT, dataset=raw["name"], version=raw["latestVersion"]["version"]))["impact"]
    assert (hit["modelVersion"]["model"]["name"], hit["modelVersion"]["version"]) == (model, version)
    steps = [
        (
            step["__typename"],
            (step.get("job") or {}).get("name") or (step.get("dataset") or {}).get("source", {}).get("name"),
        )
        for step in hit["path"]
    ]
    assert steps[:5] == [
        ("DatasetVersion", "raw/transactions"),
        ("Run", "clean_transactions"),
        ("DatasetVersion", "clean/transactions"),
        ("Run", "build_features"),
        ("DatasetVersion", "features/transactions"),
    ]
    assert [step["__typename"] for step in hit["path"][5:]] == ["Run", "ModelVersion"]  # the training run

    lineage = (await data(writer, LINEAGE, m=model, v=version))["modelVersion"]["lineage"]
    kinds = {(node["kind"], node["label"]) for node in lineage["nodes"]}
    assert ("JOB", f"{jobs}/clean_transactions") in kinds
    assert ("JOB", f"{jobs}/build_features") in kinds
    assert ("RUN", f"build_features run {features[:8]}") in kinds
    assert {"RUN_OF", "USED", "PRODUCED_BY"} <= {edge["type"] for edge in lineage["edges"]}
    assert "clean_transactions" in lineage["mermaid"]


async def test_the_client_finds_a_pipeline_output_by_its_source_and_trains_on_it(
    lineage_api: LiveServer, tokens: dict[Role, str], writer: httpx.AsyncClient, unique: str
) -> None:
    lake, run_id = f"s3://client-{unique}", str(uuid.uuid4())
    await send(
        writer,
        run_event(
            "COMPLETE",
            run_id=run_id,
            job=(f"jobs-{unique}", "export"),
            time="2026-11-30T05:00:00Z",
            inputs=[(lake, "raw")],
            outputs=[(lake, "training/set")],
        ),
    )

    def register() -> tuple[Dataset, ModelVersion, list[ImpactHit]]:
        with Registry(lineage_api.url, tokens[Role.WRITER], progress=False) as registry:
            dataset = registry.dataset_by_source(lake, "training/set")
            assert dataset.latest_version is not None
            version = registry.register_model(
                f"client-{unique}", trained_on=[dataset.latest_version], requirements=None, commit=None
            )
            raw = registry.dataset_by_source(lake, "raw").latest_version
            assert raw is not None
            return dataset, version, registry.impact(raw)

    dataset, version, hits = await asyncio.to_thread(register)
    assert (dataset.source_namespace, dataset.source_name) == (lake, "training/set")
    assert dataset.latest_version is not None and dataset.latest_version.digest.startswith(f"openlineage:{run_id}:")
    [hit] = hits
    assert hit.model_version.key == version.key
    assert [step.label for step in hit.path][1] == f"export run {run_id[:8]}"
