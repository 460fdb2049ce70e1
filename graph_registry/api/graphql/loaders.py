"""Per-request DataLoaders: nested fields of many objects cost one query per field, not per object."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
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

    empty: Page[V] = Page(items=(), cursors=(), has_next_page=False, total_count=0)
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
    """Created for each request, so nothing cached outlives it."""

    def __init__(self, services: Services) -> None:
        models, lifecycle = services.models, services.lifecycle
        datasets, runs, provenance, lineage = services.datasets, services.runs, services.provenance, services.lineage
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
        none_dataset: DatasetRecord | None = None
        none_dataset_version: DatasetVersionRecord | None = None
        none_run: RunRecord | None = None
        none_experiment: ExperimentRecord | None = None
        none_commit: CommitRecord | None = None
        self.dataset: DataLoader[str, DatasetRecord | None] = _loader(datasets.datasets_by_name, none_dataset)
        self.dataset_version: DataLoader[VersionKey, DatasetVersionRecord | None] = _loader(
            datasets.versions_by_key, none_dataset_version
        )
        self.latest_dataset_version: DataLoader[str, DatasetVersionRecord | None] = _loader(
            datasets.latest_versions, none_dataset_version
        )
        self.dataset_version_links: DataLoader[VersionKey, DatasetVersionLinks] = _loader(
            datasets.links, DatasetVersionLinks()
        )
        self.run: DataLoader[str, RunRecord | None] = _loader(runs.runs_by_id, none_run)
        self.run_links: DataLoader[str, RunLinks] = _loader(runs.links, RunLinks())
        self.experiment: DataLoader[str, ExperimentRecord | None] = _loader(runs.experiments_by_name, none_experiment)
        self.commit: DataLoader[tuple[str, str], CommitRecord | None] = _loader(runs.commits_by_key, none_commit)
        none_job: JobRecord | None = None
        self.job: DataLoader[tuple[str, str], JobRecord | None] = _loader(services.openlineage.jobs_by_key, none_job)
        self.provenance: DataLoader[VersionKey, VersionProvenance] = _loader(provenance.provenance, EMPTY_PROVENANCE)

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

        self.impacted: DataLoader[ImpactKey, list[ImpactHit]] = _loader(impacted, [])
        self.dataset_versions: DataLoader[PageKey, Page[DatasetVersionRecord]] = _pages(
            lambda names, first, after: datasets.list_versions_of(names, first=first, after=after)
        )
        self.experiment_runs: DataLoader[PageKey, Page[RunRecord]] = _pages(
            lambda names, first, after: runs.list_runs_of(names, first=first, after=after)
        )

        # Governance: a model's team, a team with its members, a version's transition requests.
        none_team: TeamRecord | None = None
        self.team: DataLoader[str, TeamRecord | None] = _loader(services.teams.teams_by_name, none_team)
        self.model_team: DataLoader[str, TeamRecord | None] = _loader(services.teams.teams_of_models, none_team)
        self.version_requests: DataLoader[VersionKey, list[RequestRecord]] = _loader(services.requests.of_versions, [])

        # Supply chain: a version's known vulnerabilities (by minSeverity) and its card sections.
        async def vulnerabilities(keys: Sequence[VulnerabilityKey]) -> list[list[Vulnerability]]:
            by_minimum: dict[Severity | None, list[VersionKey]] = {}
            for model, version, minimum in keys:
                by_minimum.setdefault(minimum, []).append((model, version))
            found: dict[VulnerabilityKey, list[Vulnerability]] = {}
            for minimum, versions in by_minimum.items():
                for key, hits in (await services.advisories.vulnerabilities_of(versions, minimum)).items():
                    found[(*key, minimum)] = hits
            return [found.get(key, []) for key in keys]

        self.vulnerabilities: DataLoader[VulnerabilityKey, list[Vulnerability]] = DataLoader(load_fn=vulnerabilities)

        async def load_cards(keys: Sequence[VersionKey]) -> list[CardSections]:
            found = await services.cards.cards(keys)
            return [found.get(key, CardSections()) for key in keys]

        self.cards: DataLoader[VersionKey, CardSections] = DataLoader(load_fn=load_cards)
