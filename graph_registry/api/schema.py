"""The schema object and its SDL (exported to schema/schema.graphql)."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from graph_registry.api.advisories import AdvisoryMutations, AdvisoryQueries
from graph_registry.api.artifacts import ArtifactMutations
from graph_registry.api.audit import AuditQueries
from graph_registry.api.authorization import Authorization
from graph_registry.api.cards import CardMutations
from graph_registry.api.errors import RegistryErrors
from graph_registry.api.hardening import schema_extensions
from graph_registry.api.lineage import LineageMutations, LineageQueries
from graph_registry.api.mutations import ModelMutations
from graph_registry.api.queries import ModelQueries
from graph_registry.api.search import SearchQueries
from graph_registry.api.subscriptions import EventSubscriptions
from graph_registry.api.tokens import TokenMutations, TokenQueries
from graph_registry.settings import Settings


class RegistrySchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Errors are logged once, by `RegistryErrors`: expected ones are not noise in the server log."""


# Each family of root fields lives in its own module; the roots are their union.
Query = merge_types("Query", (ModelQueries, AuditQueries, TokenQueries, LineageQueries, AdvisoryQueries, SearchQueries))
Mutation = merge_types(
    "Mutation", (ModelMutations, ArtifactMutations, TokenMutations, LineageMutations, AdvisoryMutations, CardMutations)
)
Subscription = merge_types("Subscription", (EventSubscriptions,))


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    # RegistryErrors first: it maps the errors of every extension after it. Authorization checks every
    # root field (api/authorization.py); the limits come from the settings (api/hardening.py).
    extensions = [RegistryErrors, *schema_extensions(settings or Settings()), Authorization]
    return RegistrySchema(query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions)


def sdl() -> str:
    return build_schema().as_str() + "\n"
