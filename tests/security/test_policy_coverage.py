"""Every root field has an authorization decision: new fields cannot slip in unprotected."""

from __future__ import annotations

import re
from pathlib import Path

import graphql
import pytest

from graph_registry.api.graphql.extensions.authorization import POLICIES
from graph_registry.api.graphql.schema import build_schema
from graph_registry.api.openlineage import routes as openlineage_routes
from graph_registry.services.tokens import Role
from graph_registry.storage.queries import all_queries

pytestmark = pytest.mark.unit

CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "contract" / "schema.graphql"
# The MLflow adapter's endpoints have their section of the table (tests/mlflow/test_policies.py).
MLFLOW_KEYS = {key for key in POLICIES if key.startswith("MLflow.")}


def root_fields(schema: graphql.GraphQLSchema) -> set[str]:
    roots = (schema.query_type, schema.mutation_type, schema.subscription_type)
    return {f"{root.name}.{name}" for root in roots if root is not None for name in root.fields}


def http_endpoints() -> set[str]:
    """The adapters' HTTP endpoints, as their POLICIES keys ("METHOD path")."""
    return {f"{method} {route.path}" for route in openlineage_routes.routes for method in route.methods or ()}


def test_every_http_endpoint_has_a_policy() -> None:
    assert not http_endpoints() - POLICIES.keys()


def test_every_root_field_of_the_schema_has_a_policy() -> None:
    missing = root_fields(build_schema()._schema) - POLICIES.keys()
    assert not missing, (
        f"root fields without an authorization policy: {sorted(missing)}; "
        "add them to POLICIES in graph_registry/api/graphql/extensions/authorization.py"
    )


def test_every_root_field_of_the_contract_has_a_policy() -> None:
    if not CONTRACT.is_file():
        pytest.skip(f"the public contract is not checked out at {CONTRACT} (the schema test above still holds)")
    missing = root_fields(graphql.build_schema(CONTRACT.read_text())) - POLICIES.keys()
    assert not missing, sorted(missing)


def test_no_policy_names_a_field_that_does_not_exist() -> None:
    known = root_fields(build_schema()._schema) | http_endpoints() | MLFLOW_KEYS
    if CONTRACT.is_file():
        known |= root_fields(graphql.build_schema(CONTRACT.read_text()))
    assert not POLICIES.keys() - known, "a typo in POLICIES would leave the real field unguarded"


def test_queries_are_for_readers_and_only_tokens_for_admins() -> None:
    for key, rule in POLICIES.items():
        if key == "Query.webhooks":  # their URLs are secrets: test_webhooks_are_for_admins_and_team_maintainers
            continue
        if key in MLFLOW_KEYS:
            continue  # tests/mlflow/test_policies.py
        if key.startswith(("Query.", "Subscription.")):
            expected = Role.ADMIN if key == "Query.apiTokens" else Role.READER
            assert rule is expected, key
        else:
            assert rule is not Role.READER, f"{key}: a mutation open to readers"


# The only named queries that change audit entries, and the only modules that may run them.
AUDIT_WRITES = {
    "record_audit_entry": "graph_registry/services/audit.py",
    "finish_audit_entry": "graph_registry/services/audit.py",
    "amend_audit_entry": "graph_registry/services/audit.py",  # a change concluded at commit that failed after it
    "import_audit_entry_nodes": "graph_registry/services/backup.py",  # restoring a backup, from the CLI
    # An OpenLineage run event is one auto-commit statement that writes its entry OK with the change
    # (services/audit.write_one_concluded carries the entry's parameters).
    "apply_lineage_run": "graph_registry/services/openlineage.py",
}
PACKAGE = Path(__file__).resolve().parents[2] / "graph_registry"
_CHANGES = re.compile(r"\b(CREATE|MERGE|SET|DELETE|REMOVE)\b")


def _changes_audit_entries(text: str) -> bool:
    """A query that names AuditEntry (or matches every node, `MATCH (n)`) and changes something."""
    cypher = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
    names_entries = ":AuditEntry" in cypher or re.search(r"MATCH \(\w+\)\s*$", cypher, re.MULTILINE) is not None
    return names_entries and _CHANGES.search(cypher) is not None


def test_nothing_in_the_api_writes_or_deletes_audit_entries() -> None:
    mutation = build_schema()._schema.mutation_type
    assert mutation is not None
    assert not [name for name in mutation.fields if "audit" in name.lower()]
    writers = {name for name, query in all_queries().items() if _changes_audit_entries(query.text)}
    assert writers == AUDIT_WRITES.keys()
    for path in PACKAGE.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        relative = path.relative_to(PACKAGE.parent).as_posix()
        for name, owner in AUDIT_WRITES.items():
            assert f'"{name}"' not in source or relative == owner, f"{relative} runs {name}"


async def test_webhooks_are_for_admins_and_team_maintainers() -> None:
    """Registry-wide webhooks (no team, no model) are admins'; listing needs a maintainer somewhere (it
    shows a maintainer its teams' webhooks only). The team cases: tests/governance/test_webhook_roles.py."""
    from graph_registry.api.graphql.extensions.authorization import Call, needed

    keys = ["Mutation.createWebhook", "Mutation.deleteWebhook", "Mutation.testWebhook"]
    needs = [await needed(POLICIES[key], Call(field=key, arguments={}, services=None)) for key in keys]  # type: ignore[arg-type]
    assert [(need.role, need.placed) for need in needs] == [(Role.ADMIN, False)] * 3
    listing = await needed(POLICIES["Query.webhooks"], Call(field="Query.webhooks", arguments={}, services=None))  # type: ignore[arg-type]
    assert (listing.role, listing.anywhere) == (Role.MAINTAINER, True)
