"""Root fields of the lineage family: record provenance, ask provenance questions (merged in schema.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import strawberry
from strawberry.scalars import JSON

from graph_registry.api.graphql import ids
from graph_registry.api.graphql.context import Info
from graph_registry.api.graphql.extensions.authorization import may_act
from graph_registry.api.graphql.lookahead import selected_at
from graph_registry.api.graphql.types import version_supply
from graph_registry.api.graphql.types.advisories import Vulnerability
from graph_registry.api.graphql.types.cards import ModelCard
from graph_registry.api.graphql.types.common import MetricInput, Stage, TagInput, metric_records, tag_pairs
from graph_registry.api.graphql.types.datasets import Dataset, DatasetVersion
from graph_registry.api.graphql.types.governance import StageTransitionRequest
from graph_registry.api.graphql.types.inputs import (
    CommitInput,
    DatasetVersionRef,
    ModelVersionRef,
    RegisterDatasetVersionInput,
    RunInputInput,
    StartRunInput,
)
from graph_registry.api.graphql.types.lineage import ImpactHit, LineageGraph, ProvenanceDiff, ProvenanceGap
from graph_registry.api.graphql.types.lineage_enums import Direction, NodeKind
from graph_registry.api.graphql.types.models import ModelVersion
from graph_registry.api.graphql.types.runs import Commit, Experiment, Package, Run
from graph_registry.api.graphql.types.teams import Team
from graph_registry.domain.records import RunStatus, VersionRecord
from graph_registry.domain.severity import Severity
from graph_registry.errors import InvalidInput

VersionKey = tuple[str, int]


def _impact_asked(info: Info) -> tuple[Stage | None, str | None, int] | None:
    """The (stage, alias, depth) of the one `impactedModels` a datasetVersion query asks, as its loader
    key holds them (None when it asks none, several different ones, or arguments of the wrong shape)."""
    asked = set()
    for field in selected_at(info, ("impactedModels",)):
        arguments = field.arguments
        stage, alias, depth = arguments.get("stage"), arguments.get("alias"), arguments.get("depth", 10)
        if stage is not None and stage not in Stage.__members__:
            return None
        if not isinstance(alias, str | None) or not isinstance(depth, int | None):
            return None
        asked.add((Stage[stage] if stage is not None else None, alias, 10 if depth is None else depth))
    return asked.pop() if len(asked) == 1 else None


async def walk(
    info: Info,
    kind: str,
    key: Sequence[Any],
    direction: Direction | None,
    depth: int | None,
    kinds: Sequence[NodeKind] | None,
) -> LineageGraph:
    graph = await info.context.services.lineage.walk(
        kind=kind,
        key=key,
        direction=direction or Direction.UPSTREAM,
        depth=5 if depth is None else depth,
        kinds=kinds,
    )
    return LineageGraph.from_record(graph)


class LineageLinks:
    """The fields of lower type families that lead to families above them (a version's run, a dataset
    version's runs, any node's lineage): the type modules reach them through `info.context.links`,
    so no type module imports one above it. Everything goes through the request's loaders."""

    # Supply chain (types/version_supply.py): a version's card, bill of materials and vulnerabilities.
    async def version_card(self, info: Info, record: VersionRecord) -> ModelCard:
        return await version_supply.card(info, record)

    async def version_sbom(self, info: Info, record: VersionRecord) -> JSON:
        return await version_supply.sbom(info, record)

    async def version_vulnerabilities(
        self, info: Info, key: VersionKey, minimum: Severity | None
    ) -> list[Vulnerability]:
        return await version_supply.vulnerabilities(info, key, minimum)

    async def version_produced_by(self, info: Info, key: VersionKey) -> Run | None:
        return Run.maybe((await info.context.loaders.provenance.load(key)).run)

    async def version_trained_on(self, info: Info, key: VersionKey) -> list[DatasetVersion]:
        provenance = await info.context.loaders.provenance.load(key)
        unique = {item.dataset_version.key: item.dataset_version for item in provenance.inputs}
        return [DatasetVersion.from_record(record) for record in unique.values()]

    async def version_commit(self, info: Info, key: VersionKey) -> Commit | None:
        return Commit.maybe((await info.context.loaders.provenance.load(key)).commit)

    async def version_packages(self, info: Info, key: VersionKey) -> list[Package]:
        return [Package.from_record(record) for record in (await info.context.loaders.provenance.load(key)).packages]

    async def dataset_version_produced_by(self, info: Info, key: VersionKey) -> Run | None:
        return Run.maybe((await info.context.loaders.dataset_version_links.load(key)).produced_by)

    async def dataset_version_used_by(self, info: Info, key: VersionKey) -> list[Run]:
        return [
            Run.from_record(record) for record in (await info.context.loaders.dataset_version_links.load(key)).used_by
        ]

    async def model_team(self, info: Info, name: str) -> Team | None:
        record = await info.context.loaders.model_team.load(name)
        return None if record is None else Team.from_record(record, complete=False)

    async def version_requests(self, info: Info, key: VersionKey) -> list[StageTransitionRequest]:
        records = await info.context.loaders.version_requests.load(key)
        return [StageTransitionRequest.from_record(record) for record in records]

    async def version(self, record: VersionRecord) -> ModelVersion:
        return ModelVersion.from_record(record)

    async def walk(
        self,
        info: Info,
        kind: str,
        key: Sequence[Any],
        direction: Direction | None,
        depth: int | None,
        kinds: Sequence[NodeKind] | None,
    ) -> LineageGraph:
        return await walk(info, kind, key, direction, depth, kinds)


LINKS = LineageLinks()


@strawberry.type
class LineageQueries:
    @strawberry.field
    async def dataset(self, info: Info, name: str) -> Dataset | None:
        record = await info.context.services.datasets.get_dataset(name)
        return None if record is None else Dataset.from_record(record)

    @strawberry.field
    async def dataset_version(
        self, info: Info, dataset: str, version: int | None = None, digest: str | None = None
    ) -> DatasetVersion | None:
        asked = _impact_asked(info) if version is not None and digest is None else None
        if asked is not None and version is not None:
            # The impact question in one query: the version and its impactedModels, primed into the loader.
            stage, alias, depth = asked
            try:
                linked = await info.context.services.lineage.dataset_version_with_impact(
                    dataset=dataset, version=version, stage=stage, alias=alias, depth=depth
                )
            except InvalidInput:
                pass  # the plain path reports it where it belongs (here, or in impactedModels)
            else:
                if linked is None:
                    return None
                record, hits = linked
                info.context.loaders.impacted.prime((record.dataset, record.version, stage, alias, depth), hits)
                return DatasetVersion.from_record(record)
        found = await info.context.services.datasets.find_version(dataset=dataset, version=version, digest=digest)
        return DatasetVersion.maybe(found)

    @strawberry.field
    async def experiment(self, info: Info, name: str) -> Experiment | None:
        record = await info.context.services.runs.get_experiment(name)
        return None if record is None else Experiment.from_record(record)

    @strawberry.field
    async def run(self, info: Info, run_id: str) -> Run | None:
        return Run.maybe(await info.context.loaders.run.load(run_id))

    @strawberry.field
    async def commit(self, info: Info, repo: str, sha: str) -> Commit | None:
        return Commit.maybe(await info.context.services.runs.get_commit(repo=repo, sha=sha))

    @strawberry.field(
        description="Lineage of any node, by global ID. depth is capped by the server (INVALID_INPUT beyond the cap)."
    )
    async def lineage(
        self,
        info: Info,
        id: strawberry.ID,
        direction: Direction | None = Direction.UPSTREAM,
        depth: int | None = 5,
        kinds: list[NodeKind] | None = None,
    ) -> LineageGraph:
        kind, key = ids.parse_global_id(id)
        return await walk(info, kind, key, direction, depth, kinds)

    @strawberry.field(
        description="Model versions downstream of a dataset version, each with the path that explains it; "
        "filtered by stage and/or alias."
    )
    async def impact(
        self,
        info: Info,
        dataset_version: DatasetVersionRef,
        stage: Stage | None = None,
        alias: str | None = None,
        depth: int | None = 10,
    ) -> list[ImpactHit]:
        record = await info.context.services.datasets.require_version(dataset_version.value())
        hits = await info.context.services.lineage.impacted(
            [record.key], stage=stage, alias=alias, depth=10 if depth is None else depth
        )
        return [ImpactHit.from_record(hit) for hit in hits.get(record.key, [])]

    @strawberry.field(
        description="Model versions whose declared packages match a PEP 440 specifier, e.g. name torch, spec <2.2."
    )
    async def package_impact(
        self, info: Info, name: str, spec: str | None = None, stage: Stage | None = None, alias: str | None = None
    ) -> list[ModelVersion]:
        found = await info.context.services.provenance.package_impact(name=name, spec=spec, stage=stage, alias=alias)
        return [ModelVersion.from_record(record) for record in found]

    @strawberry.field(description="What changed in provenance between two model versions.")
    async def provenance_diff(self, info: Info, a: ModelVersionRef, b: ModelVersionRef) -> ProvenanceDiff:
        return ProvenanceDiff.from_record(await info.context.services.provenance.diff(a.selector(), b.selector()))

    @strawberry.field(description="Versions in the stage (default PRODUCTION) whose provenance is incomplete.")
    async def provenance_gaps(self, info: Info, stage: Stage | None = Stage.PRODUCTION) -> list[ProvenanceGap]:
        gaps = await info.context.services.provenance.gaps(stage or Stage.PRODUCTION)
        return [
            ProvenanceGap(model_version=ModelVersion.from_record(gap.version), missing=list(gap.missing))
            for gap in gaps
        ]


@strawberry.type
class LineageMutations:
    @strawberry.mutation
    async def register_dataset_version(self, info: Info, input: RegisterDatasetVersionInput) -> DatasetVersion:
        restorer = may_act(info.context.principal, "Mutation.deleteDatasetVersion")
        registered = await info.context.services.datasets.register_version(
            input.value(), may_restore=restorer, audit=info.context.audit
        )
        return DatasetVersion.from_record(registered)

    @strawberry.mutation
    async def record_commit(self, info: Info, input: CommitInput) -> Commit:
        return Commit.from_record(
            await info.context.services.runs.record_commit(input.value(), audit=info.context.audit)
        )

    @strawberry.mutation
    async def start_run(self, info: Info, input: StartRunInput) -> Run:
        return Run.from_record(await info.context.services.runs.start_run(input.value(), audit=info.context.audit))

    @strawberry.mutation(
        description="Add dataset versions a RUNNING run used (an input already recorded with its role is kept "
        "once); what the run produced sees them in its lineage at once. CONFLICT once the run has ended."
    )
    async def log_run_inputs(self, info: Info, run_id: str, inputs: list[RunInputInput]) -> Run:
        record = await info.context.services.runs.log_inputs(
            run_id=run_id, inputs=[item.value() for item in inputs], audit=info.context.audit
        )
        return Run.from_record(record)

    @strawberry.mutation(
        description="Add params to a RUNNING run. A param is set once: the same value again changes nothing, "
        "another value is CONFLICT, as is a run that has ended."
    )
    async def log_run_params(self, info: Info, run_id: str, params: list[TagInput]) -> Run:
        record = await info.context.services.runs.log_params(
            run_id=run_id, params=tag_pairs(params) or [], audit=info.context.audit
        )
        return Run.from_record(record)

    @strawberry.mutation
    async def finish_run(
        self,
        info: Info,
        run_id: str,
        status: RunStatus | None = RunStatus.FINISHED,
        metrics: list[MetricInput] | None = None,
    ) -> Run:
        record = await info.context.services.runs.finish_run(
            run_id=run_id,
            status=status or RunStatus.FINISHED,
            metrics=metric_records(metrics),
            audit=info.context.audit,
        )
        return Run.from_record(record)

    @strawberry.mutation(
        description="Soft delete by default: the version leaves listings but stays in lineage. hard: true removes "
        "it, and is refused (PRECONDITION_FAILED) while it holds PRODUCTION or an alias, or anything downstream "
        "depends on it."
    )
    async def delete_model_version(self, info: Info, model: str, version: int, hard: bool | None = False) -> bool:
        return await info.context.services.deletion.delete_version(
            model=model, version=version, hard=bool(hard), actor=info.context.actor, audit=info.context.audit
        )

    @strawberry.mutation(description="Refused (PRECONDITION_FAILED) while a PRODUCTION model version depends on it.")
    async def delete_dataset_version(self, info: Info, dataset: str, version: int) -> bool:
        return await info.context.services.datasets.delete_version(
            dataset=dataset, version=version, audit=info.context.audit
        )
