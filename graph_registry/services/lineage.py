"""Lineage walks and impact: each question is one Cypher query, whatever the graph's size or shape.

Stored edges point from consumer to producer ((Run)-[:USED]->(DatasetVersion));
answers give them in the direction data flowed (source fed target). Walks are
breadth-first shortest distances, so diamonds appear once and cycles end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from graph_registry.domain import ids, validation
from graph_registry.domain.lineage_records import (
    CommitRecord,
    DatasetRecord,
    DatasetVersionRecord,
    ExperimentRecord,
    PackageRecord,
    RunRecord,
)
from graph_registry.domain.records import ModelRecord, Stage, VersionRecord
from graph_registry.errors import InvalidInput, NotFound
from graph_registry.storage.database import Database

Entity = (
    ModelRecord | VersionRecord | DatasetRecord | DatasetVersionRecord | ExperimentRecord | RunRecord | CommitRecord
) | PackageRecord


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


# Neo4j label -> (NodeKind, record type, global-id kind, key properties).
_LABELS: dict[str, tuple[NodeKind, Any, tuple[str, ...]]] = {
    "Model": (NodeKind.MODEL, ModelRecord, ("name",)),
    "ModelVersion": (NodeKind.MODEL_VERSION, VersionRecord, ("model", "version")),
    "Dataset": (NodeKind.DATASET, DatasetRecord, ("name",)),
    "DatasetVersion": (NodeKind.DATASET_VERSION, DatasetVersionRecord, ("dataset", "version")),
    "Experiment": (NodeKind.EXPERIMENT, ExperimentRecord, ("name",)),
    "Run": (NodeKind.RUN, RunRecord, ("runId",)),
    "Commit": (NodeKind.COMMIT, CommitRecord, ("repo", "sha")),
    "Package": (NodeKind.PACKAGE, PackageRecord, ("name", "version")),
}
_KEY_TYPES: dict[str, tuple[type, ...]] = {
    "Model": (str,),
    "ModelVersion": (str, int),
    "Dataset": (str,),
    "DatasetVersion": (str, int),
    "Experiment": (str,),
    "Run": (str,),
    "Commit": (str, str),
    "Package": (str, str),
}


@dataclass(frozen=True, slots=True)
class LineageEntity:
    """A node of any kind as answers carry it: its global ID, kind, human label and record."""

    id: str
    kind: NodeKind
    label: str
    record: Entity

    @classmethod
    def from_row(cls, labels: Sequence[str], props: dict[str, Any]) -> LineageEntity:
        label = next(name for name in labels if name in _LABELS)
        kind, record_type, key = _LABELS[label]
        return cls(
            id=ids.global_id(label, *(props[part] for part in key)),
            kind=kind,
            label=_human_label(label, props),
            record=record_type.from_row(props),
        )


@dataclass(frozen=True, slots=True)
class LineageNode:
    entity: LineageEntity
    depth: int


@dataclass(frozen=True, slots=True)
class LineageEdge:
    source: str
    target: str
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


class LineageService:
    def __init__(self, database: Database, *, max_depth: int = 25) -> None:
        self._db = database
        self._max_depth = max_depth

    def _depth(self, depth: int) -> int:
        if not 0 <= depth <= self._max_depth:
            raise InvalidInput(f"depth must be between 0 and {self._max_depth}, got {depth}", field="depth")
        return depth

    async def walk(
        self, *, kind: str, key: Sequence[Any], direction: Direction, depth: int, kinds: Sequence[NodeKind] | None
    ) -> LineageGraph:
        """The subgraph within `depth` hops; `kinds` filters returned nodes (the root always stays)."""
        self._depth(depth)
        types = _KEY_TYPES.get(kind)
        if (
            types is None
            or len(key) != len(types)
            or not all(isinstance(k, t) for k, t in zip(key, types, strict=True))
        ):
            raise InvalidInput("this id does not name a node with lineage", field="id")
        rows = await self._db.read(
            "walk_lineage",
            kind=kind,
            key=list(key),
            depth=depth,
            upstream=direction is not Direction.DOWNSTREAM,
            downstream=direction is not Direction.UPSTREAM,
        )
        if not rows:
            raise NotFound(f"no {kind} with id {ids.global_id(kind, *key)}", kind=kind)
        row = rows[0]
        by_element = {
            node["id"]: LineageNode(LineageEntity.from_row(node["labels"], node["props"]), node["depth"])
            for node in row["nodes"]
        }
        root = by_element[row["rootId"]].entity
        wanted = None if kinds is None else set(kinds)
        kept = {
            element: node
            for element, node in by_element.items()
            if wanted is None or node.entity.kind in wanted or node.entity.id == root.id
        }
        edges = {
            LineageEdge(source=kept[edge["source"]].entity.id, target=kept[edge["target"]].entity.id, type=edge["type"])
            for edge in row["edges"]
            if edge["source"] in kept and edge["target"] in kept
        }
        return LineageGraph(
            root=root,
            nodes=tuple(sorted(kept.values(), key=lambda n: (n.depth, n.entity.kind, n.entity.label))),
            edges=tuple(sorted(edges, key=lambda e: (e.type, e.source, e.target))),
            truncated=row["truncated"],
        )

    async def impacted(
        self,
        keys: Sequence[tuple[str, int]],
        *,
        stage: Stage | None,
        alias: str | None,
        depth: int,
        with_paths: bool = True,
    ) -> dict[tuple[str, int], list[ImpactHit]]:
        """For each dataset version, the model versions downstream, each with one shortest explaining path.

        `with_paths=False` leaves the paths empty, for callers that only need the versions.
        """
        self._depth(depth)
        if alias is not None:
            validation.alias(alias)
        rows = await self._db.read(
            "find_impacted_versions",
            keys=[list(key) for key in keys],
            stage=stage.value if stage else None,
            alias=alias,
            depth=depth,
            withPaths=with_paths,
        )
        found: dict[tuple[str, int], list[ImpactHit]] = {}
        for row in rows:
            hit = ImpactHit(
                version=VersionRecord.from_row(row["modelVersion"]),
                path=tuple(LineageEntity.from_row(step["labels"], step["props"]) for step in row["path"]),
            )
            found.setdefault((row["dataset"], row["version"]), []).append(hit)
        return found


def _human_label(label: str, props: dict[str, Any]) -> str:
    match label:
        case "ModelVersion":
            return f"{props['model']} v{props['version']}"
        case "DatasetVersion":
            algorithm, _, digest = str(props["digest"]).partition(":")
            return f"{props['dataset']} v{props['version']} ({algorithm}:{digest[:8]}..)"
        case "Run":
            return str(props.get("name") or f"run {str(props['runId'])[:8]}")
        case "Commit":
            return str(props["sha"])[:7]
        case "Package":
            return f"{props['name']}=={props['version']}"
    return str(props["name"])
