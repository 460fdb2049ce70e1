"""Every root field has an authorization decision: new fields cannot slip in unprotected."""

from __future__ import annotations

from pathlib import Path

import graphql

from graph_registry.api.authorization import POLICIES
from graph_registry.api.schema import build_schema
from graph_registry.services.tokens import Role

CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "contract" / "schema.graphql"
# The MLflow adapter's endpoints have their section of the table (tests/mlflow/test_policies.py).
MLFLOW_KEYS = {key for key in POLICIES if key.startswith("MLflow.")}


def root_fields(schema: graphql.GraphQLSchema) -> set[str]:
    roots = (schema.query_type, schema.mutation_type, schema.subscription_type)
    return {f"{root.name}.{name}" for root in roots if root is not None for name in root.fields}


def test_every_root_field_of_the_schema_has_a_policy() -> None:
    missing = root_fields(build_schema()._schema) - POLICIES.keys()
    assert not missing, (
        f"root fields without an authorization policy: {sorted(missing)}; "
        "add them to POLICIES in graph_registry/api/authorization.py"
    )


def test_every_root_field_of_the_contract_has_a_policy() -> None:
    if not CONTRACT.is_file():  # a checkout without shared/: the schema test above still holds
        return
    missing = root_fields(graphql.build_schema(CONTRACT.read_text())) - POLICIES.keys()
    assert not missing, sorted(missing)


def test_no_policy_names_a_field_that_does_not_exist() -> None:
    known = root_fields(build_schema()._schema) | MLFLOW_KEYS
    if CONTRACT.is_file():
        known |= root_fields(graphql.build_schema(CONTRACT.read_text()))
    assert not POLICIES.keys() - known, "a typo in POLICIES would leave the real field unguarded"


def test_queries_are_for_readers_and_only_tokens_for_admins() -> None:
    for key, rule in POLICIES.items():
        if key in MLFLOW_KEYS:
            continue  # tests/mlflow/test_policies.py
        if key.startswith(("Query.", "Subscription.")):
            expected = Role.ADMIN if key == "Query.apiTokens" else Role.READER
            assert rule is expected, key
        else:
            assert rule is not Role.READER, f"{key}: a mutation open to readers"


def test_nothing_in_the_api_writes_or_deletes_audit_entries() -> None:
    mutation = build_schema()._schema.mutation_type
    assert mutation is not None
    assert not [name for name in mutation.fields if "audit" in name.lower()]
