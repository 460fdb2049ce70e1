"""Lineage walks and impact: each question is one Cypher query, whatever the graph's size or shape.

Stored edges point from consumer to producer ((Run)-[:USED]->(DatasetVersion));
answers give them in the direction data flowed (source fed target). Walks are
breadth-first shortest distances, so diamonds appear once and cycles end.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graph_registry.domain import validation
from graph_registry.domain.groups import grouped
from graph_registry.domain.lineage import (
    KEY_TYPES,
    MAX_WALK_DEPTH,
    Direction,
    ImpactHit,
    LineageEdge,
    LineageEntity,
    LineageGraph,
    LineageNode,
    NodeKind,
)
from graph_registry.domain.records import (
    DatasetVersionRecord,
    Stage,
    VersionRecord,
)
from graph_registry.errors import InvalidInput, NotFound
from graph_registry.storage.database import Database


class LineageService:
    def __init__(self, database: Database, *, max_depth: int = MAX_WALK_DEPTH) -> None:
        if not 0 <= max_depth <= MAX_WALK_DEPTH:
            raise ValueError(f"max_depth must be between 0 and {MAX_WALK_DEPTH} (what the walk queries reach)")
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
        types = KEY_TYPES.get(kind)
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
            raise NotFound(f"no {kind} {list(key)} to walk from", kind=kind)
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
            if wanted is None or node.entity.kind in wanted or node.entity.ref == root.ref
        }
        edges = {
            LineageEdge(
                source=kept[edge["source"]].entity.ref, target=kept[edge["target"]].entity.ref, type=edge["type"]
            )
            for edge in row["edges"]
            if edge["source"] in kept and edge["target"] in kept
        }
        return LineageGraph(
            root=root,
            nodes=tuple(sorted(kept.values(), key=lambda n: (n.depth, n.entity.kind, n.entity.label))),
            edges=tuple(sorted(edges, key=lambda e: (e.type, e.source, e.target))),
            truncated=row["truncated"],
        )

    async def dataset_version_with_impact(
        self, *, dataset: str, version: int, stage: Stage | None, alias: str | None, depth: int
    ) -> tuple[DatasetVersionRecord, list[ImpactHit]] | None:
        """A dataset version by number with `impacted`'s hits for it (no paths), in one query; None when
        there is no such version."""
        validation.name(dataset, what="dataset")
        validation.version(version)
        self._depth(depth)
        if alias is not None:
            validation.alias(alias)
        rows = await self._db.read(
            "find_dataset_version_with_impact",
            dataset=dataset,
            version=version,
            stage=stage.value if stage else None,
            alias=alias,
            depth=depth,
        )
        if not rows:
            return None
        hits = [ImpactHit(version=VersionRecord.from_row(row), path=()) for row in rows[0]["impacted"]]
        return DatasetVersionRecord.from_row(rows[0]["datasetVersion"]), hits

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
        return grouped(
            (
                (row["dataset"], row["version"]),
                ImpactHit(
                    version=VersionRecord.from_row(row["modelVersion"]),
                    path=tuple(LineageEntity.from_row(step["labels"], step["props"]) for step in row["path"]),
                ),
            )
            for row in rows
        )
