"""What the client returns: frozen dataclasses built from the API's JSON (`from_json`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

Json = Mapping[str, Any]


class Stage(StrEnum):
    NONE = "NONE"
    STAGING = "STAGING"
    PRODUCTION = "PRODUCTION"
    ARCHIVED = "ARCHIVED"


class RunStatus(StrEnum):
    RUNNING = "RUNNING"
    FINISHED = "FINISHED"
    FAILED = "FAILED"


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _pairs(items: Sequence[Json] | None) -> dict[str, str]:
    return {item["key"]: item["value"] for item in items or ()}


@dataclass(frozen=True, slots=True)
class Metric:
    key: str
    value: float
    step: int | None = None

    @classmethod
    def from_json(cls, data: Json) -> Metric:
        return cls(key=data["key"], value=float(data["value"]), step=data.get("step"))


def _metrics(items: Sequence[Json] | None) -> tuple[Metric, ...]:
    return tuple(Metric.from_json(item) for item in items or ())


def latest_values(metrics: Sequence[Metric]) -> dict[str, float]:
    """The last value logged for each key (by step, then by order)."""
    ordered = sorted(enumerate(metrics), key=lambda pair: (pair[1].step is not None, pair[1].step or 0, pair[0]))
    return {metric.key: metric.value for _, metric in ordered}


@dataclass(frozen=True, slots=True)
class VersionKey:
    """A model version by name and number; prints as `model:version`."""

    model: str
    version: int

    def __str__(self) -> str:
        return f"{self.model}:{self.version}"


@dataclass(frozen=True, slots=True)
class Commit:
    repo: str
    sha: str
    branch: str | None = None
    author: str | None = None
    message: str | None = None
    committed_at: datetime | None = None

    @classmethod
    def from_json(cls, data: Json) -> Commit:
        return cls(
            repo=data["repo"],
            sha=data["sha"],
            branch=data.get("branch"),
            author=data.get("author"),
            message=data.get("message"),
            committed_at=_time(data.get("committedAt")),
        )

    @classmethod
    def maybe(cls, data: Json | None) -> Commit | None:
        return None if data is None else cls.from_json(data)

    def to_input(self) -> dict[str, Any]:
        return {
            "repo": self.repo,
            "sha": self.sha,
            "branch": self.branch,
            "author": self.author,
            "message": self.message,
            "committedAt": self.committed_at.isoformat() if self.committed_at else None,
        }


@dataclass(frozen=True, slots=True)
class Artifact:
    uri: str
    sha256: str
    size_bytes: int
    status: str
    download_url: str | None = None

    @classmethod
    def maybe(cls, data: Json | None) -> Artifact | None:
        if data is None:
            return None
        return cls(
            uri=data["uri"],
            sha256=data["sha256"],
            size_bytes=int(data["sizeBytes"]),
            status=data["status"],
            download_url=data.get("downloadUrl"),
        )


@dataclass(frozen=True, slots=True)
class ModelVersion:
    id: str
    model: str
    version: int
    stage: Stage
    aliases: tuple[str, ...]
    description: str | None
    tags: dict[str, str]
    metrics: tuple[Metric, ...]
    created_at: datetime
    deleted: bool
    artifact: Artifact | None
    run_id: str | None
    commit: Commit | None
    base_model: VersionKey | None
    packages: tuple[str, ...]

    @property
    def key(self) -> VersionKey:
        return VersionKey(self.model, self.version)

    @property
    def metric_values(self) -> dict[str, float]:
        return latest_values(self.metrics)

    def __str__(self) -> str:
        return str(self.key)

    @classmethod
    def from_json(cls, data: Json) -> ModelVersion:
        base = data.get("baseModel")
        run = data.get("producedBy")
        return cls(
            id=data["id"],
            model=data["model"]["name"],
            version=data["version"],
            stage=Stage(data["stage"]),
            aliases=tuple(data.get("aliases") or ()),
            description=data.get("description"),
            tags=_pairs(data.get("tags")),
            metrics=_metrics(data.get("metrics")),
            created_at=datetime.fromisoformat(data["createdAt"]),
            deleted=bool(data.get("deleted")),
            artifact=Artifact.maybe(data.get("artifact")),
            run_id=run["runId"] if run else None,
            commit=Commit.maybe(data.get("commit")),
            base_model=VersionKey(base["model"]["name"], base["version"]) if base else None,
            packages=tuple(f"{p['name']}=={p['version']}" for p in data.get("packages") or ()),
        )


@dataclass(frozen=True, slots=True)
class Model:
    id: str
    name: str
    description: str | None
    tags: dict[str, str]
    created_at: datetime
    latest_version: int | None
    production_version: int | None
    aliases: dict[str, int]

    @classmethod
    def from_json(cls, data: Json) -> Model:
        latest = data.get("latestVersion")
        production = data.get("productionVersion")
        return cls(
            id=data["id"],
            name=data["name"],
            description=data.get("description"),
            tags=_pairs(data.get("tags")),
            created_at=datetime.fromisoformat(data["createdAt"]),
            latest_version=latest["version"] if latest else None,
            production_version=production["version"] if production else None,
            aliases={alias["name"]: alias["version"]["version"] for alias in data.get("aliases") or ()},
        )


@dataclass(frozen=True, slots=True)
class DatasetVersion:
    id: str
    dataset: str
    version: int
    digest: str
    uri: str | None
    row_count: float | None
    created_at: datetime

    def __str__(self) -> str:
        return f"{self.dataset}:{self.version}"

    @classmethod
    def from_json(cls, data: Json) -> DatasetVersion:
        return cls(
            id=data["id"],
            dataset=data["dataset"]["name"],
            version=data["version"],
            digest=data["digest"],
            uri=data.get("uri"),
            row_count=data.get("rowCount"),
            created_at=datetime.fromisoformat(data["createdAt"]),
        )


@dataclass(frozen=True, slots=True)
class Dataset:
    """A dataset with its OpenLineage identity (source namespace and name) and newest version."""

    id: str
    name: str
    source_namespace: str | None
    source_name: str | None
    latest_version: DatasetVersion | None

    @classmethod
    def from_json(cls, data: Json) -> Dataset:
        source = data.get("source") or {}
        latest = data.get("latestVersion")
        return cls(
            id=data["id"],
            name=data["name"],
            source_namespace=source.get("namespace"),
            source_name=source.get("name"),
            latest_version=DatasetVersion.from_json(latest) if latest else None,
        )


@dataclass(frozen=True, slots=True)
class RunInput:
    dataset_version: DatasetVersion
    role: str


@dataclass(frozen=True, slots=True)
class Run:
    id: str
    run_id: str
    name: str | None
    experiment: str
    status: RunStatus
    params: dict[str, str]
    metrics: tuple[Metric, ...]
    started_at: datetime
    ended_at: datetime | None
    commit: Commit | None
    inputs: tuple[RunInput, ...]

    @classmethod
    def from_json(cls, data: Json) -> Run:
        return cls(
            id=data["id"],
            run_id=data["runId"],
            name=data.get("name"),
            experiment=data["experiment"]["name"],
            status=RunStatus(data["status"]),
            params=_pairs(data.get("params")),
            metrics=_metrics(data.get("metrics")),
            started_at=datetime.fromisoformat(data["startedAt"]),
            ended_at=_time(data.get("endedAt")),
            commit=Commit.maybe(data.get("commit")),
            inputs=tuple(
                RunInput(DatasetVersion.from_json(item["datasetVersion"]), item["role"])
                for item in data.get("inputs") or ()
            ),
        )


@dataclass(frozen=True, slots=True)
class LineageNode:
    id: str
    depth: int
    kind: str
    label: str


@dataclass(frozen=True, slots=True)
class LineageEdge:
    """`source` fed `target`: edges point the way data flowed."""

    source: str
    target: str
    type: str


@dataclass(frozen=True, slots=True)
class LineageGraph:
    root: str
    nodes: tuple[LineageNode, ...]
    edges: tuple[LineageEdge, ...]
    truncated: bool
    mermaid: str
    dot: str
    _by_id: dict[str, LineageNode] = field(default_factory=dict, repr=False, compare=False)

    def node(self, node_id: str) -> LineageNode:
        return self._by_id[node_id]

    @classmethod
    def from_json(cls, data: Json) -> LineageGraph:
        nodes = tuple(
            LineageNode(id=item["node"]["id"], depth=item["depth"], kind=item["kind"], label=item["label"])
            for item in data["nodes"]
        )
        return cls(
            root=data["root"]["id"],
            nodes=nodes,
            edges=tuple(LineageEdge(item["source"], item["target"], item["type"]) for item in data["edges"]),
            truncated=data["truncated"],
            mermaid=data["mermaid"],
            dot=data["dot"],
            _by_id={node.id: node for node in nodes},
        )


@dataclass(frozen=True, slots=True)
class PathStep:
    """One node on the chain that explains an impact, e.g. kind DatasetVersion, label transactions:7."""

    id: str
    kind: str
    label: str
    # A run's id (its label shows its name when it has one).
    run_id: str | None = None

    @classmethod
    def from_json(cls, data: Json) -> PathStep:
        kind = data["__typename"]
        run_id = data.get("runId")
        if "model" in data:
            label = f"{data['model']['name']}:{data['version']}"
        elif "dataset" in data:
            label = f"{data['dataset']['name']}:{data['version']}"
        elif run_id is not None:
            job = data.get("job")
            name = data.get("runName") or run_id[:8]
            label = f"{job['name']} run {name}" if job else f"run {name}"
        elif "sha" in data:
            label = f"{data['repo']}@{data['sha'][:7]}"
        else:
            label = str(data.get("name") or data["id"])
        return cls(id=data["id"], kind=kind, label=label, run_id=run_id)


@dataclass(frozen=True, slots=True)
class ImpactHit:
    model_version: ModelVersion
    path: tuple[PathStep, ...]

    @classmethod
    def from_json(cls, data: Json) -> ImpactHit:
        return cls(
            model_version=ModelVersion.from_json(data["modelVersion"]),
            path=tuple(PathStep.from_json(step) for step in data["path"]),
        )


@dataclass(frozen=True, slots=True)
class ValueChange:
    key: str
    a: str | None
    b: str | None


def _changes(items: Sequence[Json]) -> tuple[ValueChange, ...]:
    return tuple(ValueChange(item["key"], item.get("a"), item.get("b")) for item in items)


@dataclass(frozen=True, slots=True)
class ProvenanceDiff:
    a: ModelVersion
    b: ModelVersion
    datasets_added: tuple[DatasetVersion, ...]
    datasets_removed: tuple[DatasetVersion, ...]
    commit_a: Commit | None
    commit_b: Commit | None
    param_changes: tuple[ValueChange, ...]
    metric_changes: tuple[ValueChange, ...]
    package_changes: tuple[ValueChange, ...]
    base_model_changed: bool

    @classmethod
    def from_json(cls, data: Json) -> ProvenanceDiff:
        return cls(
            a=ModelVersion.from_json(data["a"]),
            b=ModelVersion.from_json(data["b"]),
            datasets_added=tuple(DatasetVersion.from_json(item) for item in data["datasetsAdded"]),
            datasets_removed=tuple(DatasetVersion.from_json(item) for item in data["datasetsRemoved"]),
            commit_a=Commit.maybe(data.get("commitA")),
            commit_b=Commit.maybe(data.get("commitB")),
            param_changes=_changes(data["paramChanges"]),
            metric_changes=_changes(data["metricChanges"]),
            package_changes=_changes(data["packageChanges"]),
            base_model_changed=data["baseModelChanged"],
        )


@dataclass(frozen=True, slots=True)
class ModelEvent:
    type: str
    model: str
    version: int
    seq: int
    actor: str
    at: datetime
    detail: str | None
    stage: Stage

    @classmethod
    def from_json(cls, data: Json) -> ModelEvent:
        version = data["modelVersion"]
        return cls(
            type=data["type"],
            model=version["model"]["name"],
            version=version["version"],
            seq=data["seq"],
            actor=data["actor"],
            at=datetime.fromisoformat(data["at"]),
            detail=data.get("detail"),
            stage=Stage(version["stage"]),
        )
