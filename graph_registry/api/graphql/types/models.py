"""Models, their versions, aliases and histories."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON

from graph_registry.api.graphql import ids
from graph_registry.api.graphql.context import Info
from graph_registry.api.graphql.types import tokens as _graphql_role  # noqa: F401 (registers the Role enum)
from graph_registry.api.graphql.types.artifacts import Artifact
from graph_registry.api.graphql.types.common import (
    NODE_ID,
    Connection,
    Metric,
    Node,
    Stage,
    Tag,
    connection,
    metrics_of,
    tags_of,
)
from graph_registry.api.graphql.types.lineage_enums import Direction, NodeKind
from graph_registry.domain.records import ModelRecord, VersionRecord
from graph_registry.domain.severity import Severity
from graph_registry.services.tokens import Role

if TYPE_CHECKING:
    from graph_registry.api.graphql.types.advisories import Vulnerability
    from graph_registry.api.graphql.types.cards import ModelCard
    from graph_registry.api.graphql.types.datasets import DatasetVersion
    from graph_registry.api.graphql.types.governance import StageTransitionRequest
    from graph_registry.api.graphql.types.lineage import LineageGraph
    from graph_registry.api.graphql.types.runs import Commit, Package, Run
    from graph_registry.api.graphql.types.teams import Team

_DATASETS = "graph_registry.api.graphql.types.datasets"
_LINEAGE = "graph_registry.api.graphql.types.lineage"
_RUNS = "graph_registry.api.graphql.types.runs"
_TEAMS = "graph_registry.api.graphql.types.teams"
_GOVERNANCE = "graph_registry.api.graphql.types.governance"
_ADVISORIES = "graph_registry.api.graphql.types.advisories"
_CARDS = "graph_registry.api.graphql.types.cards"


@strawberry.type
class Model(Node):
    name: str = strawberry.field(description="Unique. 1-128 chars of [A-Za-z0-9._-], starting with a letter or digit.")
    # None when only the name is known (a version's model): loaded on first use, so `model { name }` costs no query.
    record: strawberry.Private[ModelRecord | None] = None

    @classmethod
    def from_record(cls, record: ModelRecord) -> Model:
        return cls(id=strawberry.ID(ids.global_id("Model", record.name)), name=record.name, record=record)

    @classmethod
    def named(cls, name: str) -> Model:
        """A model known to exist (e.g. a stored version's), its record loaded only if a field needs it."""
        return cls(id=strawberry.ID(ids.global_id("Model", name)), name=name)

    async def _loaded(self, info: Info) -> ModelRecord:
        if self.record is None:
            self.record = await info.context.loaders.model.load(self.name)
            assert self.record is not None, "a version always belongs to a stored model"
        return self.record

    @strawberry.field
    async def description(self, info: Info) -> str | None:
        return (await self._loaded(info)).description

    @strawberry.field
    async def tags(self, info: Info) -> list[Tag]:
        return tags_of((await self._loaded(info)).tags)

    @strawberry.field
    async def created_at(self, info: Info) -> datetime:
        return (await self._loaded(info)).created_at

    @strawberry.field(description="The owning team; null: no team (registry-wide roles and policy apply).")
    async def team(self, info: Info) -> Annotated[Team, strawberry.lazy(_TEAMS)] | None:
        return await info.context.links.model_team(info, self.name)

    @strawberry.field(
        description="The caller's effective role on this model: the higher of its registry-wide role and its "
        "role in the model's team (what the policy rules judge; clients show only what it allows)."
    )
    async def viewer_role(self, info: Info) -> Role:
        principal = info.context.principal
        if principal is None:  # not reached: the authorization extension refuses anonymous reads first
            return Role.READER
        return await info.context.services.teams.effective_role_on_model(principal, self.name)

    @strawberry.field
    async def latest_version(self, info: Info) -> ModelVersion | None:
        return ModelVersion.maybe(await info.context.loaders.latest_version.load(self.name))

    @strawberry.field(description="The version currently in PRODUCTION, if any. At most one at any time.")
    async def production_version(self, info: Info) -> ModelVersion | None:
        return ModelVersion.maybe(await info.context.loaders.production_version.load(self.name))

    @strawberry.field
    async def version(self, info: Info, number: int) -> ModelVersion | None:
        return ModelVersion.maybe(await info.context.loaders.version.load((self.name, number)))

    @strawberry.field
    async def versions(
        self, info: Info, first: int | None = 20, after: str | None = None, stage: Stage | None = None
    ) -> ModelVersionConnection:
        page = await info.context.loaders.versions.load((self.name, first, after, stage))
        return connection(page, ModelVersion.from_record)

    @strawberry.field
    async def aliases(self, info: Info) -> list[Alias]:
        pairs = await info.context.loaders.model_aliases.load(self.name)
        return [Alias(name=alias, model_name=self.name, number=number) for alias, number in pairs]


@strawberry.type
class Alias:
    name: str = strawberry.field(description="e.g. champion, challenger. Unique per model: it points at one version.")
    model_name: strawberry.Private[str]
    number: strawberry.Private[int]

    @strawberry.field
    async def version(self, info: Info) -> ModelVersion:
        record = await info.context.loaders.version.load((self.model_name, self.number))
        assert record is not None, "an alias always points at a stored version"
        return ModelVersion.from_record(record)


def _version_id(root: ModelVersion) -> strawberry.ID:
    return strawberry.ID(ids.global_id("ModelVersion", root.record.model, root.record.version))


def _version_metrics(root: ModelVersion) -> list[Metric]:
    return metrics_of(root.record.metrics)


@strawberry.type
class ModelVersion(Node):
    record: strawberry.Private[VersionRecord]
    version: int = strawberry.field(
        description="1, 2, 3... per model, allocated by the server, never reused, no gaps under concurrent writers."
    )
    stage: Stage
    description: str | None
    tags: list[Tag]
    # The id and the metrics are made when asked (a page of 100 versions made 100 of each per answer).
    id: strawberry.ID = strawberry.field(description=NODE_ID, resolver=_version_id)
    metrics: list[Metric] = strawberry.field(resolver=_version_metrics)
    created_at: datetime
    deleted: bool = strawberry.field(description="SOFT-deleted versions stay in lineage but leave listings.")

    @classmethod
    def from_record(cls, record: VersionRecord) -> ModelVersion:
        return cls(
            record=record,
            version=record.version,
            stage=record.stage,
            description=record.description,
            tags=tags_of(record.tags),
            created_at=record.created_at,
            deleted=record.deleted,
        )

    @classmethod
    def maybe(cls, record: VersionRecord | None) -> ModelVersion | None:
        return None if record is None else cls.from_record(record)

    @strawberry.field
    def model(self) -> Model:
        return Model.named(self.record.model)

    @strawberry.field
    async def aliases(self, info: Info) -> list[str]:
        return await info.context.loaders.version_aliases.load(self.record.key)

    @strawberry.field
    def artifact(self, info: Info) -> Artifact | None:
        return Artifact.maybe(info, self.record)

    @strawberry.field(description="Every stage change, oldest first, with who, when and why.")
    async def stage_history(self, info: Info) -> list[StageTransition]:
        return [
            StageTransition(
                from_=transition.from_stage,
                to=transition.to_stage,
                actor=transition.actor,
                comment=transition.comment,
                at=transition.at,
                approved_by=list(transition.approved_by),
            )
            for transition in await info.context.loaders.stage_history.load(self.record.key)
        ]

    @strawberry.field(description="Requests to move this version, newest first.")
    async def transition_requests(
        self, info: Info
    ) -> list[Annotated[StageTransitionRequest, strawberry.lazy(_GOVERNANCE)]]:
        return await info.context.links.version_requests(info, self.record.key)

    @strawberry.field(description="Every alias assignment this version held, with when it began and ended.")
    async def alias_history(self, info: Info) -> list[AliasAssignment]:
        return [
            AliasAssignment(
                alias=assignment.alias,
                version=self,
                actor=assignment.actor,
                from_=assignment.start,
                to=assignment.end,
            )
            for assignment in await info.context.loaders.alias_history.load(self.record.key)
        ]

    # Lineage fields lead to the type families above this one: answered by the resolver layer (context.links).
    @strawberry.field(description="The run that produced this version.")
    async def produced_by(self, info: Info) -> Annotated[Run, strawberry.lazy(_RUNS)] | None:
        return await info.context.links.version_produced_by(info, self.record.key)

    @strawberry.field(description="Dataset versions the producing run used (any role), directly.")
    async def trained_on(self, info: Info) -> list[Annotated[DatasetVersion, strawberry.lazy(_DATASETS)]]:
        return await info.context.links.version_trained_on(info, self.record.key)

    @strawberry.field(description="The code commit the producing run ran.")
    async def commit(self, info: Info) -> Annotated[Commit, strawberry.lazy(_RUNS)] | None:
        return await info.context.links.version_commit(info, self.record.key)

    @strawberry.field(description="The version this one was fine-tuned or distilled from.")
    async def base_model(self, info: Info) -> ModelVersion | None:
        return ModelVersion.maybe((await info.context.loaders.provenance.load(self.record.key)).base_model)

    @strawberry.field(description="Python packages the version declared (from requirements lines).")
    async def packages(self, info: Info) -> list[Annotated[Package, strawberry.lazy(_RUNS)]]:
        return await info.context.links.version_packages(info, self.record.key)

    @strawberry.field(description="Present for every version; its lineage-derived parts fill themselves in.")
    async def card(self, info: Info) -> Annotated[ModelCard, strawberry.lazy(_CARDS)]:
        return await info.context.links.version_card(info, self.record)

    @strawberry.field(
        description="The version's bill of materials, a CycloneDX 1.6 JSON document (ML-BOM): the model with its "
        "card, training datasets, base model and packages (purls), and the dependencies between them."
    )
    async def sbom(self, info: Info) -> JSON:
        return await info.context.links.version_sbom(info, self.record)

    @strawberry.field(description="Known vulnerabilities of the declared packages, from imported advisories.")
    async def vulnerabilities(
        self, info: Info, min_severity: Severity | None = None
    ) -> list[Annotated[Vulnerability, strawberry.lazy(_ADVISORIES)]]:
        return await info.context.links.version_vulnerabilities(info, self.record.key, min_severity)

    @strawberry.field
    async def lineage(
        self,
        info: Info,
        direction: Direction | None = Direction.UPSTREAM,
        depth: int | None = 5,
        kinds: list[NodeKind] | None = None,
    ) -> Annotated[LineageGraph, strawberry.lazy(_LINEAGE)]:
        return await info.context.links.walk(info, "ModelVersion", list(self.record.key), direction, depth, kinds)


@strawberry.type
class StageTransition:
    from_: Stage = strawberry.field(name="from")
    to: Stage
    actor: str
    comment: str | None
    at: datetime
    approved_by: list[str] = strawberry.field(
        description="Who approved the move, when it went through a request; empty otherwise."
    )


@strawberry.type
class AliasAssignment:
    alias: str
    version: ModelVersion
    actor: str
    from_: datetime = strawberry.field(name="from")
    to: datetime | None = strawberry.field(description="Null while it still holds.")


ModelConnection = Connection[Model]
ModelVersionConnection = Connection[ModelVersion]
