"""The demo scenario: a fraud model's lineage to explore, recorded through the services.

raw transactions -> cleaned -> feature dataset versions (a diamond: features v1
is built from both cleaned versions); a data-pipeline experiment and a training
experiment with several runs and commits; `fraud-detector` v1 ARCHIVED, v2
PRODUCTION (alias champion, requires the vulnerable pyyaml 5.3), v3 STAGING
(alias challenger); `fraud-detector-eu` v1 fine-tuned from v2, in PRODUCTION.

Idempotent: digests, commit shas, run names and requestIds are fixed, so loading
twice finds what the first load recorded instead of adding to it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

from graph_registry.domain.records import DatasetVersionRecord, Metric, RunRecord, RunStatus, Stage, VersionRecord
from graph_registry.domain.refs import (
    DatasetVersionRef,
    LineageDeclaration,
    NewCommit,
    NewDatasetVersion,
    NewRun,
    NewVersion,
    RunInput,
    VersionSelector,
)
from graph_registry.services.datasets import DatasetService
from graph_registry.services.lifecycle import LifecycleService
from graph_registry.services.models import ModelService
from graph_registry.services.provenance import ProvenanceService
from graph_registry.services.runs import RunService
from graph_registry.services.versions import VersionService
from graph_registry.storage.database import Database

ACTOR = "demo"
PIPELINE = "github.com/acme/fraud-pipeline"
TRAINING = "github.com/acme/fraud-detector"


class DemoServices(Protocol):
    @property
    def models(self) -> ModelService: ...
    @property
    def versions(self) -> VersionService: ...
    @property
    def lifecycle(self) -> LifecycleService: ...
    @property
    def datasets(self) -> DatasetService: ...
    @property
    def runs(self) -> RunService: ...
    @property
    def provenance(self) -> ProvenanceService: ...


@dataclass(frozen=True, slots=True)
class DemoSummary:
    production: VersionRecord
    staging: VersionRecord
    fine_tuned: VersionRecord
    raw: DatasetVersionRecord


def digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def commit(repo: str, label: str, message: str) -> NewCommit:
    sha = hashlib.sha1(f"{repo}@{label}".encode(), usedforsecurity=False).hexdigest()
    return NewCommit(repo=repo, sha=sha, branch="main", author="ada@acme.example", message=message)


async def load_if_empty(database: Database, services: DemoServices) -> bool:
    """Load the demo into a registry without models or datasets; True when it did."""
    rows = await database.read("count_registry_objects")
    if rows and rows[0]["count"] > 0:
        return False
    await load(services)
    return True


class _Demo:
    def __init__(self, services: DemoServices) -> None:
        self.s = services
        self.runs: dict[str, RunRecord] = {}

    async def dataset(
        self,
        name: str,
        content: str,
        rows: int,
        *,
        parents: tuple[DatasetVersionRecord, ...] = (),
        run: RunRecord | None = None,
    ) -> DatasetVersionRecord:
        return await self.s.datasets.register_version(
            NewDatasetVersion(
                dataset=name,
                digest=digest(f"{name}/{content}"),
                uri=f"s3://acme-data/{name}/{content}.parquet",
                row_count=rows,
                derived_from=[DatasetVersionRef(dataset=p.dataset, version=p.version) for p in parents],
                produced_by=run.run_id if run else None,
            )
        )

    async def run(
        self,
        experiment: str,
        name: str,
        *,
        code: NewCommit,
        inputs: list[tuple[DatasetVersionRecord, str]],
        params: list[tuple[str, str]],
        metrics: list[Metric],
    ) -> RunRecord:
        if experiment not in {run.experiment for run in self.runs.values()}:
            page = await self.s.runs.list_runs(experiment=experiment, first=100, after=None)
            self.runs.update({run.name or run.run_id: run for run in page.items})
        found = self.runs.get(name)
        if found is None:
            found = await self.s.runs.start_run(
                NewRun(
                    experiment=experiment,
                    name=name,
                    params=params,
                    commit=code,
                    inputs=[RunInput(DatasetVersionRef(d.dataset, version=d.version), role) for d, role in inputs],
                )
            )
        if found.status is RunStatus.RUNNING:
            found = await self.s.runs.finish_run(run_id=found.run_id, status=RunStatus.FINISHED, metrics=metrics)
        self.runs[name] = found
        return found

    async def version(
        self, model: str, number: int, lineage: LineageDeclaration, *, description: str, metrics: list[Metric]
    ) -> VersionRecord:
        return await self.s.versions.register(
            NewVersion(
                model=model,
                description=description,
                tags=[("team", "risk")],
                metrics=metrics,
                request_id=f"demo:{model}:{number}",
            ),
            lineage,
            actor=ACTOR,
        )


async def load(services: DemoServices) -> DemoSummary:
    demo = _Demo(services)
    c_clean = commit(PIPELINE, "clean", "Drop duplicate card swipes; normalise currencies")
    c_features = commit(PIPELINE, "features", "Add rolling 7-day spend features")
    c_baseline = commit(TRAINING, "baseline", "XGBoost baseline")
    c_tuned = commit(TRAINING, "tuned", "Tune depth and learning rate")
    c_more = commit(TRAINING, "more-data", "Train on February data; bump pyyaml")

    raw1 = await demo.dataset("transactions-raw", "2024-01", 1_200_000)
    raw2 = await demo.dataset("transactions-raw", "2024-02", 1_150_000)
    pipeline = "fraud-data-pipeline"
    no_metrics: list[Metric] = []
    clean_run1 = await demo.run(
        pipeline,
        "clean-2024-01",
        code=c_clean,
        inputs=[(raw1, "source")],
        params=[("dedupe", "true")],
        metrics=no_metrics,
    )
    clean1 = await demo.dataset("transactions-clean", "2024-01", 1_180_000, parents=(raw1,), run=clean_run1)
    clean_run2 = await demo.run(
        pipeline,
        "clean-2024-02",
        code=c_clean,
        inputs=[(raw2, "source")],
        params=[("dedupe", "true")],
        metrics=no_metrics,
    )
    clean2 = await demo.dataset("transactions-clean", "2024-02", 1_131_000, parents=(raw2,), run=clean_run2)
    features_run1 = await demo.run(
        pipeline,
        "features-q1",
        code=c_features,
        inputs=[(clean1, "source"), (clean2, "source")],
        params=[("window_days", "7")],
        metrics=no_metrics,
    )
    features1 = await demo.dataset("fraud-features", "q1", 2_311_000, parents=(clean1, clean2), run=features_run1)
    features_run2 = await demo.run(
        pipeline,
        "features-2024-02",
        code=c_features,
        inputs=[(clean2, "source")],
        params=[("window_days", "7")],
        metrics=no_metrics,
    )
    features2 = await demo.dataset("fraud-features", "2024-02", 1_131_000, parents=(clean2,), run=features_run2)

    training = "fraud-detector-training"
    baseline = await demo.run(
        training,
        "xgb-baseline",
        code=c_baseline,
        inputs=[(features1, "training")],
        params=[("max_depth", "6"), ("eta", "0.3")],
        metrics=[Metric("auc", 0.91)],
    )
    tuned = await demo.run(
        training,
        "xgb-tuned",
        code=c_tuned,
        inputs=[(features1, "training"), (features2, "validation")],
        params=[("max_depth", "8"), ("eta", "0.1")],
        metrics=[Metric("auc", 0.94)],
    )
    more = await demo.run(
        training,
        "xgb-more-data",
        code=c_more,
        inputs=[(features2, "training"), (features1, "validation")],
        params=[("max_depth", "8"), ("eta", "0.1"), ("subsample", "0.8")],
        metrics=[Metric("auc", 0.945)],
    )

    model = "fraud-detector"
    await demo.version(
        model,
        1,
        LineageDeclaration(run_id=baseline.run_id, requirements=["xgboost==1.7.6", "pandas==2.0.3", "PyYAML==5.3"]),
        description="baseline",
        metrics=[Metric("auc", 0.91)],
    )
    v2 = await demo.version(
        model,
        2,
        LineageDeclaration(run_id=tuned.run_id, requirements=["xgboost==2.0.3", "pandas==2.2.2", "PyYAML==5.3"]),
        description="tuned",
        metrics=[Metric("auc", 0.94)],
    )
    v3 = await demo.version(
        model,
        3,
        LineageDeclaration(run_id=more.run_id, requirements=["xgboost==2.0.3", "pandas==2.2.2", "PyYAML==6.0.1"]),
        description="more data, pyyaml fixed",
        metrics=[Metric("auc", 0.945)],
    )
    eu_data = await demo.dataset("transactions-eu", "2024-02", 240_000)
    child = await demo.version(
        "fraud-detector-eu",
        1,
        LineageDeclaration(
            trained_on=[
                DatasetVersionRef(eu_data.dataset, version=eu_data.version),
                DatasetVersionRef(features2.dataset, version=features2.version),
            ],
            commit=commit(TRAINING, "eu", "Fine-tune on EU transactions"),
            base_model=VersionSelector(model=model, version=2),
            requirements=["torch==2.2.0", "PyYAML==6.0.1"],
        ),
        description="EU fine-tune of v2",
        metrics=[Metric("auc", 0.93)],
    )

    if v2.stage is Stage.NONE:
        lifecycle = services.lifecycle
        for number, stage, comment in [
            (1, Stage.PRODUCTION, "first model live"),
            (2, Stage.PRODUCTION, "better AUC on January data"),
            (3, Stage.STAGING, "shadow traffic"),
        ]:
            await lifecycle.transition_stage(
                model=model, version=number, stage=stage, archive_existing=True, comment=comment, actor=ACTOR
            )
        await lifecycle.set_alias(model=model, alias="champion", version=2, actor=ACTOR)
        await lifecycle.set_alias(model=model, alias="challenger", version=3, actor=ACTOR)
        await lifecycle.transition_stage(
            model=child.model,
            version=child.version,
            stage=Stage.PRODUCTION,
            archive_existing=True,
            comment="EU launch",
            actor=ACTOR,
        )
    # Read back after the transitions, so a first load and a repeat describe the same state.
    current = await services.models.versions_by_key([v2.key, v3.key, child.key])
    return DemoSummary(production=current[v2.key], staging=current[v3.key], fine_tuned=current[child.key], raw=raw1)
