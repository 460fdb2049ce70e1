"""The schema object and its SDL (exported to schema/schema.graphql)."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from graph_registry.api.errors import RegistryErrors
from graph_registry.api.mutations import Mutation
from graph_registry.api.queries import Query


class RegistrySchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Errors are logged once, by `RegistryErrors`: expected ones are not noise in the server log."""


def build_schema() -> strawberry.Schema:
    return RegistrySchema(query=Query, mutation=Mutation, extensions=[RegistryErrors])


def sdl() -> str:
    return build_schema().as_str() + "\n"
