"""Per-request DataLoaders: nested fields of many objects cost one query per field, not per object."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from functools import cached_property
from typing import TypeVar

from strawberry.dataloader import DataLoader

from graph_registry.bootstrap import Services
from graph_registry.domain.cards import CardSections
from graph_registry.domain.lineage import ImpactHit
from graph_registry.domain.paging import Page
from graph_registry.domain.records import (
    EMPTY_PROVENANCE,
    AliasAssignmentRecord,
    CommitRecord,
    DatasetRecord,
    DatasetVersionLinks,
    DatasetVersionRecord,
    ExperimentRecord,
    JobRecord,
    ModelRecord,
    RunLinks,
    RunRecord,
    Stage,
    StageTransitionRecord,
    VersionProvenance,
    VersionRecord,
)
from graph_registry.domain.severity import Severity
from graph_registry.services.advisories import Vulnerability
from graph_registry.services.requests import RequestRecord
from graph_registry.services.teams import TeamRecord

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _loader(fetch: Callable[[Sequence[K]], Awaitable[Mapping[K, V]]], default: V) -> DataLoader[K, V]:
    async def load(keys: list[K]) -> list[V]:
        found = await fetch(keys)
        return [found.get(key, default) for key in keys]

    return DataLoader(load_fn=load)


def _optional(fetch: Callable[[Sequence[K]], Awaitable[Mapping[K, V]]]) -> DataLoader[K, V | None]:
    """A loader of things that may not exist: None for a key `fetch` did not find."""
    return _loader(fetch, None)


def _pages(
    fetch: Callable[[list[str], int, str | None], Awaitable[Mapping[str, Page[V]]]],
) -> DataLoader[PageKey, Page[V]]:
    """One page of each of many owners' listings: one query per distinct (first, after) in the request."""

    async def pages(keys: Sequence[PageKey]) -> Mapping[PageKey, Page[V]]:
        groups: dict[tuple[int, str | None], list[str]] = {}
        for owner, first, after in keys:
            groups.setdefault((first, after), []).append(owner)
        found: dict[PageKey, Page[V]] = {}
        for (first, after), owners in groups.items():
            listed = await fetch(owners, first, after)
            found.update({(owner, first, after): listed[owner] for owner in owners})
        return found

    empty: Page[V] = Page(items=(), positions=(), has_next_page=False, total_count=0)
    return _loader(pages, empty)


# (owner, first, after): a nested listing's arguments travel in the key.
PageKey = tuple[str, int, str | None]
VersionKey = tuple[str, int]
# (model, first, after, stage): Model.versions arguments travel in the key.
VersionsPageKey = tuple[str, int | None, str | None, Stage | None]
# (model, version, minSeverity): the vulnerabilities field's argument travels in the key.
VulnerabilityKey = tuple[str, int, Severity | None]
# (dataset, version, stage, alias, depth): impactedModels arguments travel in the key.
ImpactKey = tuple[str, int, Stage | None, str | None, int]


class Loaders:
    """Created for each request, so nothing cached outlives it. Each loader is made on its first use:
    a request reads a few of them, and making all ~30 up front was ~1% of a small answer's samples."""

    def __init__(self, services: Services) -> None:
        self.services = services

    @cached_property
    def model(self) -> DataLoader[str, ModelRecord | None]:
        return _optional(self.services.models.models_by_name)

    @cached_property
    def version(self) -> DataLoader[VersionKey, VersionRecord | None]:
        return _optional(self.services.models.versions_by_key)

    @cached_property
    def latest_version(self) -> DataLoader[str, VersionRecord | None]:
        return _optional(self.services.models.latest_versions)

    @cached_property
    def production_version(self) -> DataLoader[str, VersionRecord | None]:
        models = self.services.models

        async def production(names: Sequence[str]) -> Mapping[str, VersionRecord]:
            return await models.stage_holders(names, Stage.PRODUCTION)

        return _optional(production)

    @cached_property
    def versions(self) -> DataLoader[VersionsPageKey, Page[VersionRecord]]:
        models = self.services.models

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

        no_page: Page[VersionRecord] = Page(items=(), positions=(), has_next_page=False, total_count=0)
        return _loader(versions_pages, no_page)

    @cached_property
    def version_aliases(self) -> DataLoader[VersionKey, list[str]]:
        return _loader(self.services.lifecycle.aliases_of_versions, [])

    @cached_property
    def model_aliases(self) -> DataLoader[str, list[tuple[str, int]]]:
        return _loader(self.services.lifecycle.aliases_of_models, [])

    @cached_property
    def stage_history(self) -> DataLoader[VersionKey, list[StageTransitionRecord]]:
        return _loader(self.services.lifecycle.stage_histories, [])

    @cached_property
    def alias_history(self) -> DataLoader[VersionKey, list[AliasAssignmentRecord]]:
        return _loader(self.services.lifecycle.alias_histories, [])

    @cached_property
    def dataset(self) -> DataLoader[str, DatasetRecord | None]:
        return _optional(self.services.datasets.datasets_by_name)

    @cached_property
    def dataset_version(self) -> DataLoader[VersionKey, DatasetVersionRecord | None]:
        return _optional(self.services.datasets.versions_by_key)

    @cached_property
    def latest_dataset_version(self) -> DataLoader[str, DatasetVersionRecord | None]:
        return _optional(self.services.datasets.latest_versions)

    @cached_property
    def dataset_version_links(self) -> DataLoader[VersionKey, DatasetVersionLinks]:
        return _loader(self.services.datasets.links, DatasetVersionLinks())

    @cached_property
    def run(self) -> DataLoader[str, RunRecord | None]:
        return _optional(self.services.runs.runs_by_id)

    @cached_property
    def run_links(self) -> DataLoader[str, RunLinks]:
        return _loader(self.services.runs.links, RunLinks())

    @cached_property
    def experiment(self) -> DataLoader[str, ExperimentRecord | None]:
        return _optional(self.services.runs.experiments_by_name)

    @cached_property
    def commit(self) -> DataLoader[tuple[str, str], CommitRecord | None]:
        return _optional(self.services.runs.commits_by_key)

    @cached_property
    def job(self) -> DataLoader[tuple[str, str], JobRecord | None]:
        return _optional(self.services.openlineage.jobs_by_key)

    @cached_property
    def provenance(self) -> DataLoader[VersionKey, VersionProvenance]:
        return _loader(self.services.provenance.provenance, EMPTY_PROVENANCE)

    @cached_property
    def impacted(self) -> DataLoader[ImpactKey, list[ImpactHit]]:
        lineage = self.services.lineage

        async def impacted(keys: Sequence[ImpactKey]) -> Mapping[ImpactKey, list[ImpactHit]]:
            # One query per distinct (stage, alias, depth) in the request: a fixed, small number.
            # impactedModels returns the versions alone, so the paths are not fetched.
            groups: dict[tuple[Stage | None, str | None, int], list[ImpactKey]] = {}
            for key in keys:
                groups.setdefault((key[2], key[3], key[4]), []).append(key)
            found: dict[ImpactKey, list[ImpactHit]] = {}
            for (stage, alias, depth), members in groups.items():
                hits = await lineage.impacted(
                    [(key[0], key[1]) for key in members], stage=stage, alias=alias, depth=depth, with_paths=False
                )
                for key in members:
                    found[key] = hits.get((key[0], key[1]), [])
            return found

        return _loader(impacted, [])

    @cached_property
    def dataset_versions(self) -> DataLoader[PageKey, Page[DatasetVersionRecord]]:
        datasets = self.services.datasets
        return _pages(lambda names, first, after: datasets.list_versions_of(names, first=first, after=after))

    @cached_property
    def experiment_runs(self) -> DataLoader[PageKey, Page[RunRecord]]:
        runs = self.services.runs
        return _pages(lambda names, first, after: runs.list_runs_of(names, first=first, after=after))

    # Governance: a model's team, a team with its members, a version's transition requests.
    @cached_property
    def team(self) -> DataLoader[str, TeamRecord | None]:
        return _optional(self.services.teams.teams_by_name)

    @cached_property
    def model_team(self) -> DataLoader[str, TeamRecord | None]:
        return _optional(self.services.teams.teams_of_models)

    @cached_property
    def version_requests(self) -> DataLoader[VersionKey, list[RequestRecord]]:
        return _loader(self.services.requests.of_versions, [])

    # Supply chain: a version's known vulnerabilities (by minSeverity) and its card sections.
    @cached_property
    def vulnerabilities(self) -> DataLoader[VulnerabilityKey, list[Vulnerability]]:
        advisories = self.services.advisories

        async def vulnerabilities(keys: Sequence[VulnerabilityKey]) -> list[list[Vulnerability]]:
            by_minimum: dict[Severity | None, list[VersionKey]] = {}
            for model, version, minimum in keys:
                by_minimum.setdefault(minimum, []).append((model, version))
            found: dict[VulnerabilityKey, list[Vulnerability]] = {}
            for minimum, versions in by_minimum.items():
                for key, hits in (await advisories.vulnerabilities_of(versions, minimum)).items():
                    found[(*key, minimum)] = hits
            return [found.get(key, []) for key in keys]

        return DataLoader(load_fn=vulnerabilities)

    @cached_property
    def cards(self) -> DataLoader[VersionKey, CardSections]:
        cards = self.services.cards

        async def load_cards(keys: Sequence[VersionKey]) -> list[CardSections]:
            found = await cards.cards(keys)
            return [found.get(key, CardSections()) for key in keys]

        return DataLoader(load_fn=load_cards)
