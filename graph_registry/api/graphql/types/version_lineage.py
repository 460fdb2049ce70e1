"""Resolvers of ModelVersion's lineage fields (declared in models.py), all through per-request loaders."""

from __future__ import annotations

from collections.abc import Sequence

from graph_registry.api.graphql.context import Info
from graph_registry.api.graphql.types.datasets import DatasetVersion
from graph_registry.api.graphql.types.lineage import LineageGraph, walk
from graph_registry.api.graphql.types.lineage_enums import Direction, NodeKind
from graph_registry.api.graphql.types.models import ModelVersion
from graph_registry.api.graphql.types.runs import Commit, Package, Run

VersionKey = tuple[str, int]


async def produced_by(info: Info, key: VersionKey) -> Run | None:
    return Run.maybe((await info.context.lineage.provenance.load(key)).run)


async def trained_on(info: Info, key: VersionKey) -> list[DatasetVersion]:
    provenance = await info.context.lineage.provenance.load(key)
    unique = {item.dataset_version.key: item.dataset_version for item in provenance.inputs}
    return [DatasetVersion.from_record(record) for record in unique.values()]


async def commit(info: Info, key: VersionKey) -> Commit | None:
    return Commit.maybe((await info.context.lineage.provenance.load(key)).commit)


async def base_model(info: Info, key: VersionKey) -> ModelVersion | None:
    return ModelVersion.maybe((await info.context.lineage.provenance.load(key)).base_model)


async def packages(info: Info, key: VersionKey) -> list[Package]:
    return [Package.from_record(record) for record in (await info.context.lineage.provenance.load(key)).packages]


async def lineage(
    info: Info, key: VersionKey, direction: Direction | None, depth: int | None, kinds: Sequence[NodeKind] | None
) -> LineageGraph:
    return await walk(info, "ModelVersion", list(key), direction, depth, kinds)
