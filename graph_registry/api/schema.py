"""The schema object and its SDL (exported to schema/schema.graphql)."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from graph_registry.api.errors import RegistryErrors
from graph_registry.api.mutations import ModelMutations
from graph_registry.api.queries import ModelQueries


class RegistrySchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Errors are logged once, by `RegistryErrors`: expected ones are not noise in the server log."""


# Each family of root fields lives in its own module; the roots are their union.
Query = merge_types("Query", (ModelQueries,))
Mutation = merge_types("Mutation", (ModelMutations,))


def build_schema() -> strawberry.Schema:
    return RegistrySchema(query=Query, mutation=Mutation, extensions=[RegistryErrors])


def sdl() -> str:
    return build_schema().as_str() + "\n"
