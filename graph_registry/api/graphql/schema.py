"""The schema object, the extensions it runs with, and its SDL (exported to schema/schema.graphql).

Extensions (built per request from `schema_extensions`): depth and alias limits
(Strawberry's rules, >= 0.315.7 so fragments cannot dodge them) and the token cap,
applied by the parse and validation cache (extensions/parse_cache.py); a cost cap
over page sizes and walk depths and a length cap on every string argument
(extensions/limits.py); no introspection in production; and the authorization step
(extensions/authorization.py). Each extension costs every request a context manager
per hook it defines, so they are few; the hooks a class does not define cost nothing
(extensions/hooks.py).
Batching and multipart uploads are off and mutations over GET are refused by
Strawberry's defaults (api/app.py keeps them so).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import strawberry
from graphql import ASTValidationRule, GraphQLError
from strawberry.extensions import DisableIntrospection, SchemaExtension
from strawberry.extensions.max_aliases import create_validator as max_aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as max_depth_rule
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from graph_registry.api.graphql.errors import RegistryErrors
from graph_registry.api.graphql.extensions.authorization import Authorization, guard_root_fields
from graph_registry.api.graphql.extensions.hooks import HookRunner
from graph_registry.api.graphql.extensions.limits import ExpensiveGate, OperationLimits
from graph_registry.api.graphql.extensions.metrics import OperationMetrics
from graph_registry.api.graphql.extensions.parse_cache import DocumentCache, Documents
from graph_registry.api.graphql.resolvers.advisories import AdvisoryMutations, AdvisoryQueries
from graph_registry.api.graphql.resolvers.artifacts import ArtifactMutations
from graph_registry.api.graphql.resolvers.audit import AuditQueries
from graph_registry.api.graphql.resolvers.cards import CardMutations
from graph_registry.api.graphql.resolvers.governance import GovernanceMutations, GovernanceQueries
from graph_registry.api.graphql.resolvers.lineage import LineageMutations, LineageQueries
from graph_registry.api.graphql.resolvers.models import ModelMutations, ModelQueries
from graph_registry.api.graphql.resolvers.pipelines import PipelineQueries
from graph_registry.api.graphql.resolvers.search import SearchQueries
from graph_registry.api.graphql.resolvers.subscriptions import EventSubscriptions
from graph_registry.api.graphql.resolvers.teams import TeamMutations, TeamQueries
from graph_registry.api.graphql.resolvers.tokens import TokenMutations, TokenQueries
from graph_registry.api.graphql.resolvers.webhooks import WebhookMutations, WebhookQueries
from graph_registry.settings import Settings

# Distinct documents whose parse and validation are kept (clients send a few fixed ones).
_CACHED_DOCUMENTS = 256


def schema_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Factories (one fresh extension per request) for the limits the settings ask for.

    The depth and alias rules are built once, here: Strawberry's QueryDepthLimiter and
    MaxAliasesLimiter build a new rule class per instance, so every request had a new rule set,
    paid for building it, and could never reuse a validation. With the same rules each time (they
    depend on the document alone), the document cache skips parsing and validating a document
    already seen: bounded LRU caches, shared by all requests.
    """
    rules: list[type[ASTValidationRule]] = [
        max_depth_rule(settings.max_query_depth, None, None),
        max_aliases_rule(settings.max_query_aliases),
    ]
    documents = Documents(
        maxsize=_CACHED_DOCUMENTS,
        parser=ThreadPoolExecutor(max_workers=1, thread_name_prefix="graphql-parse"),
        rules=rules,
        max_tokens=settings.max_query_tokens,
    )
    gate = ExpensiveGate(threshold=settings.expensive_query_cost, per_caller=settings.max_expensive_per_caller)
    factories: list[Callable[[], SchemaExtension]] = [
        lambda: DocumentCache(documents),
        lambda: OperationLimits(
            max_cost=settings.max_query_cost,
            max_page_size=settings.max_page_size,
            max_depth=settings.max_lineage_depth,
            max_length=settings.max_string_length,
            lineage_weight=settings.lineage_cost_weight,
            gate=gate,
        ),
    ]
    if settings.production:
        factories.append(DisableIntrospection)
    return factories


class RegistrySchema(strawberry.Schema):
    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        """Hooks looked up once per extension class, not per request (extensions/hooks.py)."""
        return HookRunner(execution_context=execution_context, extensions=extensions)

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Errors are logged once, by `RegistryErrors`: expected ones are not noise in the server log."""


# Each family of root fields lives in its own module; the roots are their union.
Query = merge_types(
    "Query",
    (
        ModelQueries,
        AuditQueries,
        TokenQueries,
        LineageQueries,
        PipelineQueries,
        WebhookQueries,
        TeamQueries,
        GovernanceQueries,
        AdvisoryQueries,
        SearchQueries,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        ModelMutations,
        ArtifactMutations,
        TokenMutations,
        LineageMutations,
        WebhookMutations,
        TeamMutations,
        GovernanceMutations,
        AdvisoryMutations,
        CardMutations,
    ),
)
Subscription = merge_types("Subscription", (EventSubscriptions,))


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    # RegistryErrors first: it maps the errors of every extension after it. Every root field is
    # authorized by its guard (extensions/authorization.py: guard_root_fields; Authorization checks
    # subscriptions up front); the limits come from the settings (schema_extensions).
    # OperationMetrics before it: left last, it sees the errors' final codes.
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        OperationMetrics,
        RegistryErrors,
        *schema_extensions(settings or Settings()),
        Authorization,
    ]
    schema = RegistrySchema(query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions)
    # Root fields only: a resolve() hook in an extension would run for every field of every answer.
    guard_root_fields(schema._schema)
    return schema


def sdl() -> str:
    return build_schema().as_str() + "\n"
