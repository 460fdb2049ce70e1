"""Root fields of the model family: queries of models and versions and node(id), and the mutations of
models, versions, stages and aliases (merged into the Query and Mutation roots in schema.py)."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated

import strawberry

from graph_registry.api.graphql.context import Info
from graph_registry.api.graphql.resolvers.nodes import resolve_node
from graph_registry.api.graphql.types.common import (
    Node,
    Stage,
    TagInput,
    connection,
    metric_records,
    tag_pairs,
)
from graph_registry.api.graphql.types.inputs import CreateModelVersionInput
from graph_registry.api.graphql.types.models import Model, ModelConnection, ModelVersion
from graph_registry.domain import validation
from graph_registry.domain.refs import NewVersion, VersionSelector
from graph_registry.services.tokens import Role


@strawberry.type
class ModelQueries:
    @strawberry.field
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await resolve_node(info, id)

    @strawberry.field
    async def model(self, info: Info, name: str) -> Model | None:
        record = await info.context.services.models.get_model(name)
        return None if record is None else Model.from_record(record)

    @strawberry.field
    async def models(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        name_contains: str | None = None,
        tag: TagInput | None = None,
    ) -> ModelConnection:
        models = info.context.services.models
        pair = (tag.key, tag.value) if tag else None
        page = await models.list_models(first=first, after=after, name_contains=name_contains, tag=pair)
        return connection(page, Model.from_record, partial(models.count_models, name_contains=name_contains, tag=pair))

    @strawberry.field(
        description="One of version, alias or stage selects the version; none gives the latest. With at, "
        "alias and stage are resolved as they stood at that moment (point-in-time)."
    )
    async def model_version(
        self,
        info: Info,
        model: str,
        version: int | None = None,
        alias: str | None = None,
        stage: Stage | None = None,
        at: datetime | None = None,
    ) -> ModelVersion | None:
        record = await info.context.services.models.find_version(
            VersionSelector(model=model, version=version, alias=alias, stage=stage, at=at)
        )
        return ModelVersion.maybe(record)


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
            name=name, description=description, tags=tag_pairs(tags), team=team, audit=info.context.audit
        )
        return Model.from_record(record)

    @strawberry.mutation
    async def update_model(
        self, info: Info, name: str, description: str | None = None, tags: list[TagInput] | None = None
    ) -> Model:
        record = await info.context.services.models.update_model(
            name=name, description=description, tags=tag_pairs(tags), audit=info.context.audit
        )
        return Model.from_record(record)

    @strawberry.mutation
    async def create_model_version(self, info: Info, input: CreateModelVersionInput) -> ModelVersion:
        record = await info.context.services.versions.register(
            NewVersion(
                model=input.model,
                description=input.description,
                tags=tag_pairs(input.tags) or [],
                metrics=metric_records(input.metrics),
                request_id=input.request_id,
                artifact_sha256=input.artifact.sha256 if input.artifact else None,
                artifact_size=validation.byte_count(input.artifact.size_bytes) if input.artifact else None,
                team=input.team,
            ),
            input.lineage(),
            actor=info.context.actor,
            audit=info.context.audit,
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
            audit=info.context.audit,
        )
        return ModelVersion.from_record(record)

    @strawberry.mutation
    async def set_alias(self, info: Info, model: str, alias: str, version: int) -> ModelVersion:
        record = await info.context.services.lifecycle.set_alias(
            model=model, alias=alias, version=version, actor=info.context.actor, audit=info.context.audit
        )
        return ModelVersion.from_record(record)

    @strawberry.mutation
    async def delete_alias(self, info: Info, model: str, alias: str) -> bool:
        return await info.context.services.lifecycle.delete_alias(
            model=model, alias=alias, actor=info.context.actor, audit=info.context.audit
        )
