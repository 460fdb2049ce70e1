"""Root fields of the model family: queries of models and versions and node(id), and the mutations of
models, versions, stages and aliases (merged into the Query and Mutation roots in schema.py)."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated

import strawberry

from graph_registry.api.graphql.context import Info
from graph_registry.api.graphql.lookahead import selected_at, selected_names
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
from graph_registry.errors import InvalidInput
from graph_registry.services.models import VersionsPage
from graph_registry.services.tokens import Role


def _versions_page(info: Info) -> VersionsPage | None:
    """The arguments of `edges { node { versions(...) } }` when a listing asks one page of versions of
    each model (None when it asks none, or several with different arguments)."""
    asked = selected_at(info, ("edges", "node", "versions"))
    if not asked:
        return None
    pages = set()
    for field in asked:
        arguments = field.arguments
        stage = arguments.get("stage")
        if not isinstance(arguments.get("first", 20), int | None) or not isinstance(arguments.get("after"), str | None):
            return None
        if stage is not None and stage not in Stage.__members__:
            return None
        pages.add(
            VersionsPage(
                first=arguments.get("first", 20),
                after=arguments.get("after"),
                stage=Stage[stage] if stage is not None else None,
            )
        )
    return pages.pop() if len(pages) == 1 else None


# ModelVersion fields answered from its provenance (the `provenance` loader).
_PROVENANCE_FIELDS = frozenset({"producedBy", "trainedOn", "commit", "baseModel", "packages"})


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
        count = partial(models.count_models, name_contains=name_contains, tag=pair)
        asked = _versions_page(info)
        if asked is not None:
            # The models and the one page of versions asked of each, in one query; Model.versions' loader
            # answers from it (its key: the field's arguments as the resolver receives them).
            try:
                page, versions = await models.list_models_with_versions(
                    first=first, after=after, name_contains=name_contains, tag=pair, versions=asked
                )
            except InvalidInput:
                pass  # the plain path below reports it where it belongs (models, or each versions field)
            else:
                for name, listed in versions.items():
                    info.context.loaders.versions.prime((name, asked.first, asked.after, asked.stage), listed)
                return connection(page, Model.from_record, count)
        page = await models.list_models(first=first, after=after, name_contains=name_contains, tag=pair)
        return connection(page, Model.from_record, count)

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
        selector = VersionSelector(model=model, version=version, alias=alias, stage=stage, at=at)
        names = selected_names(info)
        provenance, aliases = not names.isdisjoint(_PROVENANCE_FIELDS), "aliases" in names
        if not (provenance or aliases):
            return ModelVersion.maybe(await info.context.services.models.find_version(selector))
        # The version and what its asked links need, in one query; the loaders answer those fields from it.
        linked = await info.context.services.models.find_version_linked(
            selector, provenance=provenance, aliases=aliases
        )
        if linked is None:
            return None
        loaders = info.context.loaders
        if linked.provenance is not None:
            loaders.provenance.prime(linked.record.key, linked.provenance)
        if linked.aliases is not None:
            loaders.version_aliases.prime(linked.record.key, linked.aliases)
        return ModelVersion.from_record(linked.record)


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
