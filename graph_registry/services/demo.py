"""The demo scenario: a fraud model's lineage to explore, recorded through the services.

raw transactions -> cleaned -> feature dataset versions (a diamond: features v1
is built from both cleaned versions); a data-pipeline experiment and a training
experiment with several runs and commits; `fraud-detector` v1 ARCHIVED, v2
PRODUCTION (alias champion, requires the vulnerable pyyaml 5.3), v3 STAGING
(alias challenger, its artifact still PENDING: the one provenance gap the demo
means); `fraud-detector-eu` v1 fine-tuned from v2, in PRODUCTION. Every version
that has been in production carries a small, verified (READY) artifact.

The story has a fixed past (January to March 2026, see STORY): the services
stamp what they record with the time of the transaction, so a first load dates
its own history afterwards, through the demo's queries (cypher/queries/demo.cypher).
Point-in-time questions then have answers, e.g. PRODUCTION on 2026-03-03 is v2.

Idempotent: digests, commit shas, run names and requestIds are fixed, so loading
twice finds what the first load recorded instead of adding to it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

import orjson

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
from graph_registry.services.artifacts import ArtifactService
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
MODEL = "fraud-detector"
EU_MODEL = "fraud-detector-eu"
ARTIFACT_NAME = "model.json"


def _day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# When each step of the story happened (UTC). Runs end an hour after they start.
STORY = {
    "transactions-raw v1": _day("2026-01-05T08:00"),
    "transactions-raw v2": _day("2026-01-05T08:20"),
    "clean-2025-11": _day("2026-01-06T09:00"),
    "clean-2025-12": _day("2026-01-06T10:30"),
    "features-2025-q4": _day("2026-01-07T09:00"),
    "features-2025-12": _day("2026-01-07T11:00"),
    "xgb-baseline": _day("2026-01-12T10:00"),
    "fraud-detector v1": _day("2026-01-12T14:00"),
    "fraud-detector v1 PRODUCTION": _day("2026-01-14T09:30"),
    "xgb-tuned": _day("2026-02-02T10:00"),
    "fraud-detector v2": _day("2026-02-02T15:00"),
    "fraud-detector v2 PRODUCTION": _day("2026-02-09T09:30"),
    "fraud-detector v2 champion": _day("2026-02-09T09:31"),
    "transactions-eu v1": _day("2026-02-13T08:00"),
    "fraud-detector-eu v1": _day("2026-02-16T12:00"),
    "fraud-detector-eu v1 PRODUCTION": _day("2026-02-23T09:30"),
    "xgb-more-data": _day("2026-03-16T10:00"),
    "fraud-detector v3": _day("2026-03-16T15:00"),
    "fraud-detector v3 STAGING": _day("2026-03-18T09:30"),
    "fraud-detector v3 challenger": _day("2026-03-18T09:31"),
}
RUN_TIME = timedelta(hours=1)


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
    @property
    def artifacts(self) -> ArtifactService: ...


@dataclass(frozen=True, slots=True)
class DemoSummary:
    production: VersionRecord
    staging: VersionRecord
    fine_tuned: VersionRecord
    raw: DatasetVersionRecord


def digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def commit(repo: str, label: str, message: str, *, at: datetime) -> NewCommit:
    sha = hashlib.sha1(f"{repo}@{label}".encode(), usedforsecurity=False).hexdigest()
    return NewCommit(
        repo=repo, sha=sha, branch="main", author="ada@acme.example", message=message, committed_at=at - RUN_TIME
    )


def artifact_bytes(model: str, number: int, params: dict[str, str]) -> bytes:
    """A small, real model file: what a serving process would load (trees elided)."""
    return orjson.dumps(
        {"format": "xgboost-json-summary", "model": model, "version": number, "params": params, "trees": []},
        option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2,
    )


async def load_if_empty(database: Database, services: DemoServices) -> bool:
    """Load the demo into a registry without models or datasets; True when it did."""
    rows = await database.read("count_registry_objects")
    if rows and rows[0]["count"] > 0:
        return False
    await load(database, services)
    return True


@dataclass
class _Timeline:
    """What a first load recorded, with the story's date for each, to date it afterwards."""

    events: dict[str, list[datetime]] = field(default_factory=dict)
    runs: list[dict[str, object]] = field(default_factory=list)
    dataset_versions: list[dict[str, object]] = field(default_factory=list)

    def event(self, model: str, at: datetime, count: int = 1) -> None:
        self.events.setdefault(model, []).extend([at] * count)


class _Demo:
    def __init__(self, services: DemoServices) -> None:
        self.s = services
        self.runs: dict[str, RunRecord] = {}
        self.timeline = _Timeline()

    async def dataset(
        self,
        name: str,
        content: str,
        rows: int,
        *,
        parents: tuple[DatasetVersionRecord, ...] = (),
        run: RunRecord | None = None,
    ) -> DatasetVersionRecord:
        record = await self.s.datasets.register_version(
            NewDatasetVersion(
                dataset=name,
                digest=digest(f"{name}/{content}"),
                uri=f"s3://acme-data/{name}/{content}.parquet",
                row_count=rows,
                derived_from=[DatasetVersionRef(dataset=p.dataset, version=p.version) for p in parents],
                produced_by=run.run_id if run else None,
            )
        )
        # A derived version is registered when the run that produced it ends.
        at = STORY.get(f"{name} v{record.version}") or (STORY[run.name or ""] + RUN_TIME if run else None)
        if at is not None:
            self.timeline.dataset_versions.append({"dataset": name, "version": record.version, "at": at.isoformat()})
        return record

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
        start = STORY[name]
        self.timeline.runs.append(
            {"runId": found.run_id, "startedAt": start.isoformat(), "endedAt": (start + RUN_TIME).isoformat()}
        )
        self.runs[name] = found
        return found

    async def version(
        self,
        model: str,
        number: int,
        lineage: LineageDeclaration,
        *,
        description: str,
        metrics: list[Metric],
        artifact: bytes,
        upload: bool = True,
    ) -> VersionRecord:
        """Version `number` of a model with its declared artifact (uploaded and verified unless `upload` is off)."""
        record = await self.s.versions.register(
            NewVersion(
                model=model,
                description=description,
                tags=[("team", "risk"), ("artifact.filename", ARTIFACT_NAME)],
                metrics=metrics,
                request_id=f"demo:{model}:{number}",
                artifact_sha256=hashlib.sha256(artifact).hexdigest(),
                artifact_size=len(artifact),
            ),
            lineage,
            actor=ACTOR,
        )
        if record.stage is Stage.NONE:
            self.timeline.event(model, STORY[f"{model} v{number}"])
        if upload and record.artifact is not None and record.artifact.status != "READY":
            record = await self.s.artifacts.attach(model=model, version=record.version, data=artifact)
        return record

    async def stage(self, record: VersionRecord, stage: Stage, comment: str, *, archives: int = 0) -> None:
        """Move a version that has no stage yet (a first load); `archives` versions leave the stage."""
        if record.stage is not Stage.NONE:
            return
        await self.s.lifecycle.transition_stage(
            model=record.model,
            version=record.version,
            stage=stage,
            archive_existing=True,
            comment=comment,
            actor=ACTOR,
        )
        self.timeline.event(record.model, STORY[f"{record.model} v{record.version} {stage.value}"], 1 + archives)

    async def alias(self, record: VersionRecord, alias: str) -> None:
        await self.s.lifecycle.set_alias(model=record.model, alias=alias, version=record.version, actor=ACTOR)
        self.timeline.event(record.model, STORY[f"{record.model} v{record.version} {alias}"])

    async def date(self, database: Database) -> None:
        """Give what this load recorded the story's dates."""
        stories = [{"model": m, "times": [t.isoformat() for t in times]} for m, times in self.timeline.events.items()]
        await database.write("date_demo_model_history", models=stories)
        await database.write("date_demo_alias_history", models=list(self.timeline.events))
        await database.write("date_demo_runs", runs=self.timeline.runs)
        await database.write("date_demo_dataset_versions", versions=self.timeline.dataset_versions)


async def load(database: Database, services: DemoServices) -> DemoSummary:
    """Load the scenario; a first load then dates its history by the story."""
    demo = _Demo(services)
    c_clean = commit(PIPELINE, "clean", "Drop duplicate card swipes; normalise currencies", at=STORY["clean-2025-11"])
    c_features = commit(PIPELINE, "features", "Add rolling 7-day spend features", at=STORY["features-2025-q4"])
    c_baseline = commit(TRAINING, "baseline", "XGBoost baseline", at=STORY["xgb-baseline"])
    c_tuned = commit(TRAINING, "tuned", "Tune depth and learning rate", at=STORY["xgb-tuned"])
    c_more = commit(TRAINING, "more-data", "Train on December data; bump pyyaml", at=STORY["xgb-more-data"])

    raw1 = await demo.dataset("transactions-raw", "2025-11", 1_200_000)
    raw2 = await demo.dataset("transactions-raw", "2025-12", 1_150_000)
    pipeline = "fraud-data-pipeline"
    no_metrics: list[Metric] = []
    clean_run1 = await demo.run(
        pipeline,
        "clean-2025-11",
        code=c_clean,
        inputs=[(raw1, "source")],
        params=[("dedupe", "true")],
        metrics=no_metrics,
    )
    clean1 = await demo.dataset("transactions-clean", "2025-11", 1_180_000, parents=(raw1,), run=clean_run1)
    clean_run2 = await demo.run(
        pipeline,
        "clean-2025-12",
        code=c_clean,
        inputs=[(raw2, "source")],
        params=[("dedupe", "true")],
        metrics=no_metrics,
    )
    clean2 = await demo.dataset("transactions-clean", "2025-12", 1_131_000, parents=(raw2,), run=clean_run2)
    features_run1 = await demo.run(
        pipeline,
        "features-2025-q4",
        code=c_features,
        inputs=[(clean1, "source"), (clean2, "source")],
        params=[("window_days", "7")],
        metrics=no_metrics,
    )
    features1 = await demo.dataset("fraud-features", "2025-q4", 2_311_000, parents=(clean1, clean2), run=features_run1)
    features_run2 = await demo.run(
        pipeline,
        "features-2025-12",
        code=c_features,
        inputs=[(clean2, "source")],
        params=[("window_days", "7")],
        metrics=no_metrics,
    )
    features2 = await demo.dataset("fraud-features", "2025-12", 1_131_000, parents=(clean2,), run=features_run2)

    training = "fraud-detector-training"
    baseline_params = [("max_depth", "6"), ("eta", "0.3")]
    baseline = await demo.run(
        training,
        "xgb-baseline",
        code=c_baseline,
        inputs=[(features1, "training")],
        params=baseline_params,
        metrics=[Metric("auc", 0.91)],
    )
    v1 = await demo.version(
        MODEL,
        1,
        LineageDeclaration(run_id=baseline.run_id, requirements=["xgboost==1.7.6", "pandas==2.0.3", "PyYAML==5.3"]),
        description="baseline",
        metrics=[Metric("auc", 0.91)],
        artifact=artifact_bytes(MODEL, 1, dict(baseline_params)),
    )
    await demo.stage(v1, Stage.PRODUCTION, "first model live")

    tuned_params = [("max_depth", "8"), ("eta", "0.1")]
    tuned = await demo.run(
        training,
        "xgb-tuned",
        code=c_tuned,
        inputs=[(features1, "training"), (features2, "validation")],
        params=tuned_params,
        metrics=[Metric("auc", 0.94)],
    )
    v2 = await demo.version(
        MODEL,
        2,
        LineageDeclaration(run_id=tuned.run_id, requirements=["xgboost==2.0.3", "pandas==2.2.2", "PyYAML==5.3"]),
        description="tuned",
        metrics=[Metric("auc", 0.94)],
        artifact=artifact_bytes(MODEL, 2, dict(tuned_params)),
    )
    if v2.stage is Stage.NONE:
        await demo.stage(v2, Stage.PRODUCTION, "better AUC on the Q4 features", archives=1)
        await demo.alias(v2, "champion")

    eu_data = await demo.dataset("transactions-eu", "2025-12", 240_000)
    child = await demo.version(
        EU_MODEL,
        1,
        LineageDeclaration(
            trained_on=[
                DatasetVersionRef(eu_data.dataset, version=eu_data.version),
                DatasetVersionRef(features2.dataset, version=features2.version),
            ],
            commit=commit(TRAINING, "eu", "Fine-tune on EU transactions", at=STORY[f"{EU_MODEL} v1"]),
            base_model=VersionSelector(model=MODEL, version=2),
            requirements=["torch==2.2.0", "PyYAML==6.0.1"],
        ),
        description="EU fine-tune of v2",
        metrics=[Metric("auc", 0.93)],
        artifact=artifact_bytes(EU_MODEL, 1, {"base": f"{MODEL}:2", "epochs": "3"}),
    )
    if child.stage is Stage.NONE:
        # The trainedOn/commit shortcut recorded an implicit run in the model's own experiment.
        implicit = await services.runs.list_runs(experiment=EU_MODEL, first=1, after=None)
        start = STORY[f"{EU_MODEL} v1"] - RUN_TIME
        demo.timeline.runs += [
            {"runId": run.run_id, "startedAt": start.isoformat(), "endedAt": (start + RUN_TIME).isoformat()}
            for run in implicit.items
        ]
        await demo.stage(child, Stage.PRODUCTION, "EU launch")

    more_params = [("max_depth", "8"), ("eta", "0.1"), ("subsample", "0.8")]
    more = await demo.run(
        training,
        "xgb-more-data",
        code=c_more,
        inputs=[(features2, "training"), (features1, "validation")],
        params=more_params,
        metrics=[Metric("auc", 0.945)],
    )
    v3 = await demo.version(
        MODEL,
        3,
        LineageDeclaration(run_id=more.run_id, requirements=["xgboost==2.0.3", "pandas==2.2.2", "PyYAML==6.0.1"]),
        description="more data, pyyaml fixed",
        metrics=[Metric("auc", 0.945)],
        artifact=artifact_bytes(MODEL, 3, dict(more_params)),
        upload=False,
    )
    if v3.stage is Stage.NONE:
        await demo.stage(v3, Stage.STAGING, "shadow traffic")
        await demo.alias(v3, "challenger")

    if demo.timeline.events:
        await demo.date(database)
    # Read back after the transitions, so a first load and a repeat describe the same state.
    current = await services.models.versions_by_key([v2.key, v3.key, child.key])
    raw = (await services.datasets.versions_by_key([(raw1.dataset, raw1.version)]))[(raw1.dataset, raw1.version)]
    return DemoSummary(production=current[v2.key], staging=current[v3.key], fine_tuned=current[child.key], raw=raw)
