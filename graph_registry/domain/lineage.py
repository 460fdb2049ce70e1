"""The lineage model: the kinds of node a walk meets, the nodes and edges it answers, impact hits.

Stored edges point from consumer to producer ((Run)-[:USED]->(DatasetVersion));
answers give them in the direction data flowed (source fed target).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from graph_registry.domain.records import (
    CommitRecord,
    DatasetRecord,
    DatasetVersionRecord,
    ExperimentRecord,
    JobRecord,
    ModelRecord,
    PackageRecord,
    RunRecord,
    VersionRecord,
)

Entity = (
    (ModelRecord | VersionRecord | DatasetRecord | DatasetVersionRecord | ExperimentRecord | RunRecord | CommitRecord)
    | PackageRecord
    | JobRecord
)

# The most hops a walk or an impact question may take. The walk queries (cypher/queries/lineage.cypher)
# match paths of {1,MAX_WALK_DEPTH + 1} relationships: one beyond the deepest walk, to tell `truncated`.
# tests/domain/test_lineage_bound.py keeps the two in step; settings cap max_lineage_depth here.
MAX_WALK_DEPTH = 25

# A node of a graph: its type name (Neo4j label, Relay kind) and key.
Ref = tuple[str, tuple[str | int, ...]]


class Direction(StrEnum):
    UPSTREAM = "UPSTREAM"
    DOWNSTREAM = "DOWNSTREAM"
    BOTH = "BOTH"


class NodeKind(StrEnum):
    MODEL = "MODEL"
    MODEL_VERSION = "MODEL_VERSION"
    DATASET = "DATASET"
    DATASET_VERSION = "DATASET_VERSION"
    EXPERIMENT = "EXPERIMENT"
    RUN = "RUN"
    COMMIT = "COMMIT"
    PACKAGE = "PACKAGE"
    JOB = "JOB"


# Neo4j label -> (NodeKind, record type, global-id kind, key properties).
LABELS: dict[str, tuple[NodeKind, Any, tuple[str, ...]]] = {
    "Model": (NodeKind.MODEL, ModelRecord, ("name",)),
    "ModelVersion": (NodeKind.MODEL_VERSION, VersionRecord, ("model", "version")),
    "Dataset": (NodeKind.DATASET, DatasetRecord, ("name",)),
    "DatasetVersion": (NodeKind.DATASET_VERSION, DatasetVersionRecord, ("dataset", "version")),
    "Experiment": (NodeKind.EXPERIMENT, ExperimentRecord, ("name",)),
    "Run": (NodeKind.RUN, RunRecord, ("runId",)),
    "Commit": (NodeKind.COMMIT, CommitRecord, ("repo", "sha")),
    "Package": (NodeKind.PACKAGE, PackageRecord, ("name", "version")),
    "Job": (NodeKind.JOB, JobRecord, ("namespace", "name")),
}


KEY_TYPES: dict[str, tuple[type, ...]] = {
    "Model": (str,),
    "ModelVersion": (str, int),
    "Dataset": (str,),
    "DatasetVersion": (str, int),
    "Experiment": (str,),
    "Run": (str,),
    "Commit": (str, str),
    "Package": (str, str),
    "Job": (str, str),
}


@dataclass(frozen=True, slots=True)
class LineageEntity:
    """A node of any kind as answers carry it: its type and key (which the API makes a global ID of),
    kind, human label and record."""

    type_name: str
    key: tuple[str | int, ...]
    kind: NodeKind
    label: str
    record: Entity

    @property
    def ref(self) -> Ref:
        """What names the node in a graph: (type name, key)."""
        return self.type_name, self.key

    @classmethod
    def from_row(cls, labels: Sequence[str], props: dict[str, Any]) -> LineageEntity:
        label = next(name for name in labels if name in LABELS)
        kind, record_type, key = LABELS[label]
        return cls(
            type_name=label,
            key=tuple(props[part] for part in key),
            kind=kind,
            label=human_label(label, props),
            record=record_type.from_row(props),
        )


@dataclass(frozen=True, slots=True)
class LineageNode:
    entity: LineageEntity
    depth: int


@dataclass(frozen=True, slots=True)
class LineageEdge:
    source: Ref
    target: Ref
    type: str


@dataclass(frozen=True, slots=True)
class LineageGraph:
    root: LineageEntity
    nodes: tuple[LineageNode, ...]
    edges: tuple[LineageEdge, ...]
    truncated: bool


@dataclass(frozen=True, slots=True)
class ImpactHit:
    version: VersionRecord
    path: tuple[LineageEntity, ...]


def human_label(label: str, props: dict[str, Any]) -> str:
    match label:
        case "ModelVersion":
            return f"{props['model']} v{props['version']}"
        case "DatasetVersion":
            algorithm, _, digest = str(props["digest"]).partition(":")
            return f"{props['dataset']} v{props['version']} ({algorithm}:{digest[:8]}..)"
        case "Run":
            if props.get("jobName"):
                return f"{props['jobName']} run {str(props['runId'])[:8]}"
            return str(props.get("name") or f"run {str(props['runId'])[:8]}")
        case "Commit":
            return str(props["sha"])[:7]
        case "Package":
            return f"{props['name']}=={props['version']}"
        case "Job":
            return f"{props['namespace']}/{props['name']}"
    return str(props["name"])
