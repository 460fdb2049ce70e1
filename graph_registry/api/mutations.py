"""Mutations of models, versions, stages and aliases (merged into the Mutation root in schema.py)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graph_registry.api.context import Info
from graph_registry.api.types.common import MetricInput, Stage, TagInput, metric_records, tag_pairs
from graph_registry.api.types.lineage_inputs import CommitInput, DatasetVersionRef, ModelVersionRef, ref_values
from graph_registry.api.types.models import Model, ModelVersion
from graph_registry.services.models import NewVersion
from graph_registry.services.provenance import LineageDeclaration
from graph_registry.services.tokens import Role


@strawberry.input
class ArtifactInput:
    sha256: str
    size_bytes: float


@strawberry.input
class CreateModelVersionInput:
    model: str = strawberry.field(description="The model is created on first use.")
    team: str | None = strawberry.field(
        default=None, description="The team a model created by this call joins; an existing model keeps its own."
    )
    description: str | None = None
    tags: list[TagInput] | None = None
    metrics: list[MetricInput] | None = None
    artifact: ArtifactInput | None = strawberry.field(
        default=None,
        description="Declare the artifact; the server then expects its bytes (see createArtifactUpload).",
    )
    request_id: str | None = strawberry.field(
        default=None,
        description="Client-chosen idempotency key: retrying with the same key returns the same version.",
    )
    run_id: str | None = strawberry.field(
        default=None,
        description="runId of the producing run. Its inputs and commit become this version's lineage.",
    )
    trained_on: list[DatasetVersionRef] | None = strawberry.field(
        default=None, description="Shortcut without a run: lineage is recorded through an implicit run."
    )
    commit: CommitInput | None = None
    base_model: ModelVersionRef | None = None
    requirements: list[str] | None = strawberry.field(
        default=None,
        description="pip requirement lines pinned with ==, e.g. torch==2.3.1; stored as Package nodes.",
    )

    def lineage(self) -> LineageDeclaration:
        return LineageDeclaration(
            run_id=self.run_id,
            trained_on=ref_values(self.trained_on),
            commit=self.commit.value() if self.commit else None,
            base_model=self.base_model.selector() if self.base_model else None,
            requirements=self.requirements or (),
        )


@strawberry.type
class ModelMutations:
    @strawberry.mutation
    async def create_model(
        self,
        info: Info,
        name: str,
        description: str | None = None,
        tags: list[TagInput] | None = None,
        team: Annotated[str | None, strawberry.argument(description="The owning team; null: no team.")] = None,
    ) -> Model:
        record = await info.context.services.models.create_model(
            name=name, description=description, tags=tag_pairs(tags), team=team
        )
        return Model.from_record(record)

    @strawberry.mutation
    async def update_model(
        self, info: Info, name: str, description: str | None = None, tags: list[TagInput] | None = None
    ) -> Model:
        record = await info.context.services.models.update_model(
            name=name, description=description, tags=tag_pairs(tags)
        )
        return Model.from_record(record)

    @strawberry.mutation
    async def create_model_version(self, info: Info, input: CreateModelVersionInput) -> ModelVersion:
        record = await info.context.services.models.create_version(
            NewVersion(
                model=input.model,
                description=input.description,
                tags=tag_pairs(input.tags) or [],
                metrics=metric_records(input.metrics),
                request_id=input.request_id,
                artifact_sha256=input.artifact.sha256 if input.artifact else None,
                artifact_size=int(input.artifact.size_bytes) if input.artifact else None,
                team=input.team,
                lineage=await info.context.services.provenance.declare(input.lineage()),
            ),
            actor=info.context.actor,
        )
        return ModelVersion.from_record(record)

    @strawberry.mutation(
        description="Move a version to a stage. With archiveExisting (default true), the version that held "
        "PRODUCTION (or STAGING) moves to ARCHIVED in the same transaction: at no moment do two versions of "
        "a model hold PRODUCTION."
    )
    async def transition_stage(
        self,
        info: Info,
        model: str,
        version: int,
        stage: Stage,
        archive_existing: bool | None = True,
        comment: str | None = None,
    ) -> ModelVersion:
        principal = info.context.principal
        services = info.context.services
        held = await services.teams.effective_role_on_model(principal, model) if principal is not None else None
        record = await services.lifecycle.transition_stage(
            model=model,
            version=version,
            stage=stage,
            archive_existing=archive_existing is not False,
            comment=comment,
            actor=info.context.actor,
            may_leave_production=held is not None and held.allows(Role.MAINTAINER),
        )
        return ModelVersion.from_record(record)

    @strawberry.mutation
    async def set_alias(self, info: Info, model: str, alias: str, version: int) -> ModelVersion:
        record = await info.context.services.lifecycle.set_alias(
            model=model, alias=alias, version=version, actor=info.context.actor
        )
        return ModelVersion.from_record(record)

    @strawberry.mutation
    async def delete_alias(self, info: Info, model: str, alias: str) -> bool:
        return await info.context.services.lifecycle.delete_alias(model=model, alias=alias, actor=info.context.actor)
