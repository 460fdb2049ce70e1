"""Queries of models and versions, and node(id) (merged into the Query root in schema.py)."""

from __future__ import annotations

from datetime import datetime
from functools import partial

import strawberry

from graph_registry.api.graphql.context import Info
from graph_registry.api.graphql.resolvers.nodes import resolve_node
from graph_registry.api.graphql.types.common import Node, Stage, TagInput
from graph_registry.api.graphql.types.models import Model, ModelConnection, ModelVersion
from graph_registry.domain.refs import VersionSelector


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
        return ModelConnection.from_page(page, partial(models.count_models, name_contains=name_contains, tag=pair))

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
