"""The registry's objects as the services hand them out: plain frozen dataclasses.

Models, versions, stage and alias histories; datasets, experiments, runs, commits,
packages; a version's provenance and the links of datasets and runs. They are
built from database rows (`from_row`) and know nothing of GraphQL or the driver.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import orjson


class Stage(StrEnum):
    NONE = "NONE"
    STAGING = "STAGING"
    PRODUCTION = "PRODUCTION"
    ARCHIVED = "ARCHIVED"


def pairs_from_strings(values: Sequence[str] | None) -> tuple[tuple[str, str], ...]:
    """Tags and params are stored as `key=value` strings (keys never hold '=')."""
    result = []
    for item in values or ():
        key, _, value = item.partition("=")
        result.append((key, value))
    return tuple(result)


def pairs_to_strings(pairs: Sequence[tuple[str, str]]) -> list[str]:
    return [f"{key}={value}" for key, value in pairs]


def moment(value: datetime | str) -> datetime:
    """A stored time, as the driver returns it or as UTC ISO text from `toString()` (normalised to
    'Z' in the query, so a server with a named default time zone gives plain ISO text too).

    Listings return their times as text: the driver builds each DateTime in pure Python (~70 us
    here), which for a page of 100 versions cost more than the query; `fromisoformat` costs ~1 us.
    """
    return datetime.fromisoformat(value) if isinstance(value, str) else value


@dataclass(frozen=True, slots=True)
class Metric:
    key: str
    value: float
    step: int | None = None


def metrics_from_json(raw: str | None) -> tuple[Metric, ...]:
    if not raw:
        return ()
    return tuple(Metric(key=item["key"], value=item["value"], step=item.get("step")) for item in orjson.loads(raw))


def metrics_to_json(metrics: Sequence[Metric]) -> str:
    return orjson.dumps([{"key": m.key, "value": m.value, "step": m.step} for m in metrics]).decode()


@dataclass(frozen=True, slots=True)
class ModelRecord:
    name: str
    description: str | None
    tags: tuple[tuple[str, str], ...]
    created_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ModelRecord:
        return cls(
            name=row["name"],
            description=row.get("description"),
            tags=pairs_from_strings(row.get("tags")),
            created_at=moment(row["createdAt"]),
        )


@dataclass(frozen=True, slots=True)
class ArtifactRecord:
    sha256: str
    size_bytes: int
    status: str
    key: str
    uri: str | None
    upload_id: str | None = None


@dataclass(frozen=True, slots=True)
class VersionRecord:
    model: str
    version: int
    stage: Stage
    description: str | None
    tags: tuple[tuple[str, str], ...]
    # The metrics as stored (JSON, metrics_to_json), parsed when read (`metrics`): a page of versions
    # parsed 100 of them per answer though listings rarely ask for them.
    metrics_json: str | None
    created_at: datetime
    deleted: bool
    request_id: str | None
    artifact: ArtifactRecord | None = None
    aliases: tuple[str, ...] = field(default=())

    @property
    def key(self) -> tuple[str, int]:
        return (self.model, self.version)

    @property
    def metrics(self) -> tuple[Metric, ...]:
        return metrics_from_json(self.metrics_json)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> VersionRecord:
        artifact = None
        if row.get("artifactSha256"):
            artifact = ArtifactRecord(
                sha256=row["artifactSha256"],
                size_bytes=int(row["artifactSize"]),
                status=row.get("artifactStatus") or "PENDING",
                key=row.get("artifactKey") or "",
                uri=row.get("artifactUri"),
                upload_id=row.get("artifactUploadId"),
            )
        return cls(
            model=row["model"],
            version=row["version"],
            stage=Stage(row.get("stage") or "NONE"),
            description=row.get("description"),
            tags=pairs_from_strings(row.get("tags")),
            metrics_json=row.get("metrics"),
            created_at=moment(row["createdAt"]),
            deleted=bool(row.get("deleted")),
            request_id=row.get("requestId"),
            artifact=artifact,
        )


@dataclass(frozen=True, slots=True)
class StageTransitionRecord:
    model: str
    version: int
    from_stage: Stage
    to_stage: Stage
    actor: str
    comment: str | None
    at: datetime
    # Who approved the move, when it completed a transition request.
    approved_by: tuple[str, ...] = ()

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> StageTransitionRecord:
        return cls(
            model=row["model"],
            version=row["version"],
            from_stage=Stage(row["fromStage"]),
            to_stage=Stage(row["toStage"]),
            actor=row["actor"],
            comment=row.get("comment"),
            at=row["at"],
            approved_by=tuple(row.get("approvedBy") or ()),
        )


@dataclass(frozen=True, slots=True)
class AliasAssignmentRecord:
    model: str
    alias: str
    version: int
    actor: str
    start: datetime
    end: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AliasAssignmentRecord:
        return cls(
            model=row["model"],
            alias=row["alias"],
            version=row["version"],
            actor=row["actor"],
            start=row["from"],
            end=row.get("to"),
        )


class RunStatus(StrEnum):
    RUNNING = "RUNNING"
    FINISHED = "FINISHED"
    FAILED = "FAILED"


@dataclass(frozen=True, slots=True)
class DatasetRecord:
    name: str
    description: str | None
    created_at: datetime
    # The OpenLineage identity (namespace, name) and facets (JSON text), when recorded.
    source_namespace: str | None = None
    source_name: str | None = None
    facets: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> DatasetRecord:
        return cls(
            name=row["name"],
            description=row.get("description"),
            created_at=row["createdAt"],
            source_namespace=row.get("sourceNamespace"),
            source_name=row.get("sourceName"),
            facets=row.get("facets"),
        )


@dataclass(frozen=True, slots=True)
class DatasetVersionRecord:
    dataset: str
    version: int
    digest: str
    uri: str | None
    row_count: float | None
    created_at: datetime
    deleted: bool
    # OpenLineage facets (JSON text): as the producing run wrote the version, as a run read it.
    facets: str | None = None
    read_facets: str | None = None
    # Set by a registration that brought a soft-deleted version back (the audit calls it a restore).
    restored: bool = False

    @property
    def key(self) -> tuple[str, int]:
        return (self.dataset, self.version)

    @property
    def known_facets(self) -> str | None:
        """The facets as the producing run wrote them, or else as a run read the version."""
        return self.facets or self.read_facets

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> DatasetVersionRecord:
        return cls(
            dataset=row["dataset"],
            version=row["version"],
            digest=row["digest"],
            uri=row.get("uri"),
            row_count=row.get("rowCount"),
            created_at=moment(row["createdAt"]),
            deleted=bool(row.get("deleted")),
            facets=row.get("facets"),
            read_facets=row.get("readFacets"),
        )


@dataclass(frozen=True, slots=True)
class ExperimentRecord:
    name: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ExperimentRecord:
        return cls(name=row["name"], created_at=row["createdAt"])


@dataclass(frozen=True, slots=True)
class RunRecord:
    run_id: str
    name: str | None
    experiment: str
    status: RunStatus
    params: tuple[tuple[str, str], ...]
    metrics: tuple[Metric, ...]
    started_at: datetime
    ended_at: datetime | None
    # Runs recorded from OpenLineage events: the job, the parent run, why it failed, run facets.
    job_namespace: str | None = None
    job_name: str | None = None
    parent_run_id: str | None = None
    error_message: str | None = None
    facets: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> RunRecord:
        return cls(
            run_id=row["runId"],
            name=row.get("name"),
            experiment=row["experiment"],
            status=RunStatus(row["status"]),
            params=pairs_from_strings(row.get("params")),
            metrics=metrics_from_json(row.get("metrics")),
            started_at=moment(row["startedAt"]),
            ended_at=moment(row["endedAt"]) if row.get("endedAt") is not None else None,
            job_namespace=row.get("jobNamespace"),
            job_name=row.get("jobName"),
            parent_run_id=row.get("parentRunId"),
            error_message=row.get("errorMessage"),
            facets=row.get("facets"),
        )


@dataclass(frozen=True, slots=True)
class JobRecord:
    """An OpenLineage job: a pipeline step (namespace, name) whose runs are Runs."""

    namespace: str
    name: str
    created_at: datetime
    facets: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> JobRecord:
        return cls(namespace=row["namespace"], name=row["name"], created_at=row["createdAt"], facets=row.get("facets"))


@dataclass(frozen=True, slots=True)
class CommitRecord:
    repo: str
    sha: str
    branch: str | None
    author: str | None
    message: str | None
    committed_at: datetime | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.repo, self.sha)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> CommitRecord:
        return cls(
            repo=row["repo"],
            sha=row["sha"],
            branch=row.get("branch"),
            author=row.get("author"),
            message=row.get("message"),
            committed_at=row.get("committedAt"),
        )


@dataclass(frozen=True, slots=True)
class PackageRecord:
    name: str
    version: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.name, self.version)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> PackageRecord:
        return cls(name=row["name"], version=row["version"])


@dataclass(frozen=True, slots=True)
class RunInputRecord:
    dataset_version: DatasetVersionRecord
    role: str


@dataclass(frozen=True, slots=True)
class VersionProvenance:
    """What a model version was made from: its run, the run's inputs and commit, base model, packages."""

    run: RunRecord | None
    commit: CommitRecord | None
    inputs: tuple[RunInputRecord, ...]
    base_model: VersionRecord | None
    packages: tuple[PackageRecord, ...]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> VersionProvenance:
        return cls(
            run=RunRecord.from_row(row["run"]) if row.get("run") else None,
            commit=CommitRecord.from_row(row["commit"]) if row.get("commit") else None,
            inputs=_inputs(row.get("inputs")),
            base_model=VersionRecord.from_row(row["baseModel"]) if row.get("baseModel") else None,
            packages=tuple(sorted((PackageRecord.from_row(p) for p in row.get("packages") or ()), key=_package_key)),
        )


EMPTY_PROVENANCE = VersionProvenance(run=None, commit=None, inputs=(), base_model=None, packages=())


@dataclass(frozen=True, slots=True)
class DatasetVersionLinks:
    derived_from: tuple[DatasetVersionRecord, ...] = ()
    derivatives: tuple[DatasetVersionRecord, ...] = ()
    produced_by: RunRecord | None = None
    used_by: tuple[RunRecord, ...] = ()

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> DatasetVersionLinks:
        return cls(
            derived_from=_dataset_versions(row["derivedFrom"]),
            derivatives=_dataset_versions(row["derivatives"]),
            produced_by=RunRecord.from_row(row["producedBy"]) if row.get("producedBy") else None,
            used_by=tuple(sorted((RunRecord.from_row(r) for r in row["usedBy"]), key=lambda r: r.started_at)),
        )


@dataclass(frozen=True, slots=True)
class RunLinks:
    inputs: tuple[RunInputRecord, ...] = ()
    commit: CommitRecord | None = None
    produced_models: tuple[VersionRecord, ...] = ()
    produced_datasets: tuple[DatasetVersionRecord, ...] = ()

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> RunLinks:
        return cls(
            inputs=_inputs(row["inputs"]),
            commit=CommitRecord.from_row(row["commit"]) if row.get("commit") else None,
            produced_models=tuple(sorted((VersionRecord.from_row(v) for v in row["producedModels"]), key=_key)),
            produced_datasets=_dataset_versions(row["producedDatasets"]),
        )


def _key(record: VersionRecord) -> tuple[str, int]:
    return record.key


def _package_key(record: PackageRecord) -> tuple[str, str]:
    return record.key


def _dataset_versions(rows: list[dict[str, Any]] | None) -> tuple[DatasetVersionRecord, ...]:
    return tuple(sorted((DatasetVersionRecord.from_row(row) for row in rows or ()), key=lambda d: d.key))


def _inputs(rows: list[dict[str, Any]] | None) -> tuple[RunInputRecord, ...]:
    found = (
        RunInputRecord(dataset_version=DatasetVersionRecord.from_row(row["datasetVersion"]), role=row["role"])
        for row in rows or ()
    )
    return tuple(sorted(found, key=lambda i: (i.dataset_version.key, i.role)))
