"""Per-request DataLoaders of the lineage side: every nested lineage field of many objects is one query."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from strawberry.dataloader import DataLoader

from graph_registry.api.graphql.loaders import _loader
from graph_registry.domain.lineage import ImpactHit
from graph_registry.domain.records import (
    EMPTY_PROVENANCE,
    CommitRecord,
    DatasetRecord,
    DatasetVersionLinks,
    DatasetVersionRecord,
    ExperimentRecord,
    RunLinks,
    RunRecord,
    Stage,
    VersionProvenance,
)
from graph_registry.services.datasets import DatasetService
from graph_registry.services.lineage import LineageService
from graph_registry.services.provenance import ProvenanceService
from graph_registry.services.runs import RunService

VersionKey = tuple[str, int]
# (dataset, version, stage, alias, depth): impactedModels arguments travel in the key.
ImpactKey = tuple[str, int, Stage | None, str | None, int]


class LineageLoaders:
    """Created for each request, beside `Loaders`."""

    def __init__(
        self, datasets: DatasetService, runs: RunService, provenance: ProvenanceService, lineage: LineageService
    ) -> None:
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
