"""Per-request DataLoaders: nested fields of many objects cost one query per field, not per object."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from graph_registry.domain.paging import Page
from graph_registry.domain.records import (
    AliasAssignmentRecord,
    ModelRecord,
    Stage,
    StageTransitionRecord,
    VersionRecord,
)
from graph_registry.services.lifecycle import LifecycleService
from graph_registry.services.models import ModelService

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _loader(fetch: Callable[[Sequence[K]], Awaitable[Mapping[K, V]]], default: V) -> DataLoader[K, V]:
    async def load(keys: list[K]) -> list[V]:
        found = await fetch(keys)
        return [found.get(key, default) for key in keys]

    return DataLoader(load_fn=load)


VersionKey = tuple[str, int]
# (model, first, after, stage): Model.versions arguments travel in the key.
VersionsPageKey = tuple[str, int | None, str | None, Stage | None]


class Loaders:
    """Created for each request, so nothing cached outlives it."""

    def __init__(self, models: ModelService, lifecycle: LifecycleService) -> None:
        none_model: ModelRecord | None = None
        none_version: VersionRecord | None = None
        self.model: DataLoader[str, ModelRecord | None] = _loader(models.models_by_name, none_model)
        self.version: DataLoader[VersionKey, VersionRecord | None] = _loader(models.versions_by_key, none_version)
        self.latest_version: DataLoader[str, VersionRecord | None] = _loader(models.latest_versions, none_version)

        async def production(names: Sequence[str]) -> Mapping[str, VersionRecord]:
            return await models.stage_holders(names, Stage.PRODUCTION)

        self.production_version: DataLoader[str, VersionRecord | None] = _loader(production, none_version)

        async def versions_pages(keys: Sequence[VersionsPageKey]) -> Mapping[VersionsPageKey, Page[VersionRecord]]:
            # One query per distinct (first, after, stage) in the request: a listing of models is one query.
            groups: dict[tuple[int | None, str | None, Stage | None], list[str]] = {}
            for model, first, after, stage in keys:
                groups.setdefault((first, after, stage), []).append(model)
            found: dict[VersionsPageKey, Page[VersionRecord]] = {}
            for (first, after, stage), names in groups.items():
                pages = await models.list_versions_of(names, first=first, after=after, stage=stage)
                found.update({(name, first, after, stage): pages[name] for name in names})
            return found

        no_page: Page[VersionRecord] = Page(items=(), cursors=(), has_next_page=False, total_count=0)
        self.versions: DataLoader[VersionsPageKey, Page[VersionRecord]] = _loader(versions_pages, no_page)
        self.version_aliases: DataLoader[VersionKey, list[str]] = _loader(lifecycle.aliases_of_versions, [])
        self.model_aliases: DataLoader[str, list[tuple[str, int]]] = _loader(lifecycle.aliases_of_models, [])
        self.stage_history: DataLoader[VersionKey, list[StageTransitionRecord]] = _loader(lifecycle.stage_histories, [])
        self.alias_history: DataLoader[VersionKey, list[AliasAssignmentRecord]] = _loader(lifecycle.alias_histories, [])
