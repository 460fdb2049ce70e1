"""Every mutation hands its audit entry to the use case it calls, so the entry joins the change's transaction.

The authorization extension prepares the entry (context.audit); a resolver that forgot to pass it on would
commit its change with no entry in the same transaction. Read from the resolvers' source with `ast`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from graph_registry.api.graphql.schema import build_schema

pytestmark = pytest.mark.unit

RESOLVERS = Path(__file__).resolve().parents[2] / "graph_registry" / "api" / "graphql" / "resolvers"


def _mutations() -> dict[str, ast.AsyncFunctionDef]:
    found = {}
    for path in sorted(RESOLVERS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.AsyncFunctionDef) and any(
                "strawberry.mutation" in ast.unparse(decorator) for decorator in node.decorator_list
            ):
                found[node.name] = node
    return found


def _passes_the_entry(function: ast.AsyncFunctionDef) -> bool:
    return any(
        isinstance(node, ast.Call)
        and any(k.arg == "audit" and ast.unparse(k.value) == "info.context.audit" for k in node.keywords)
        for node in ast.walk(function)
    )


def test_every_mutation_resolver_is_found() -> None:
    mutation = build_schema()._schema.mutation_type
    assert mutation is not None
    names = {"".join(part.capitalize() if i else part for i, part in enumerate(n.split("_"))) for n in _mutations()}
    assert names == set(mutation.fields)


# Merged from the governance and webhook branches before their use cases took `audit=`: still audited
# (the entry is written whole once the call ends), not yet in the change's own transaction. Shrink only.
NOT_YET_WIRED = {
    "set_promotion_policy",
    "request_stage_transition",
    "approve_stage_transition",
    "reject_stage_transition",
    "cancel_stage_transition",
    "create_team",
    "grant_team_role",
    "revoke_team_role",
    "set_model_team",
    "create_webhook",
    "delete_webhook",
    "test_webhook",
}


def test_every_mutation_passes_its_audit_entry_on() -> None:
    unwired = {name for name, function in _mutations().items() if not _passes_the_entry(function)}
    assert unwired - NOT_YET_WIRED == set()
    assert unwired >= NOT_YET_WIRED, "wired now: take it off NOT_YET_WIRED"
