"""`Query.node(id)`: global IDs back to objects."""

from __future__ import annotations

from graph_registry.api.graphql.context import Info
from graph_registry.api.graphql.types.common import Node
from graph_registry.api.graphql.types.lineage import resolve_lineage_node
from graph_registry.api.graphql.types.models import Model, ModelVersion
from graph_registry.domain import ids


async def resolve_node(info: Info, token: str) -> Node | None:
    kind, key = ids.parse_global_id(token)
    loaders = info.context.loaders
    match kind, key:
        case "Model", [str(name)]:
            model = await loaders.model.load(name)
            return None if model is None else Model.from_record(model)
        case "ModelVersion", [str(name), int(number)]:
            return ModelVersion.maybe(await loaders.version.load((name, number)))
    return await resolve_lineage_node(info, kind, key)
    return None
