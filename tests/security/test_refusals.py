"""Every mutation, whoever added it: no token is UNAUTHENTICATED, too small a role FORBIDDEN, and neither writes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from graph_registry.api.graphql.extensions.authorization import POLICIES
from graph_registry.services.audit import AuditService
from graph_registry.services.tokens import Role
from tests.security.client import Caller
from tests.security.operations import Operation, operations
from tests.support.probes import Probes

MUTATIONS = operations("mutation", lambda name: "MARKER")


def _with_marker(operation: Operation, marker: str) -> dict[str, object]:
    """The call with every string argument (required or optional, nested too) set to the marker."""
    for path in operation.string_paths:
        operation = replace(operation, variables=operation.with_value(path, marker))
    return operation.variables


@pytest.mark.parametrize("operation", MUTATIONS, ids=[operation.field for operation in MUTATIONS])
async def test_refused_calls_write_nothing_but_the_audit_entry(
    operation: Operation, anonymous: Caller, reader: Caller, audit: AuditService, probes: Probes, unique: str
) -> None:
    marker = f"refused{unique}"
    variables = _with_marker(operation, marker)
    assert await anonymous.code(operation.document, **variables) == "UNAUTHENTICATED"
    assert await reader.code(operation.document, **variables) == "FORBIDDEN"
    assert await probes.nodes_holding(marker) == [], "a refused call changed the graph"

    page = await audit.list_entries(model=None, version=None, actor=reader.name, first=100, after=None)
    mine = [entry for entry in page.items if entry.arguments and marker in entry.arguments]
    assert [(entry.operation, entry.outcome, entry.role) for entry in mine] == [
        (operation.field, "FORBIDDEN", "reader")
    ]


def test_every_mutation_needs_more_than_a_reader() -> None:
    for operation in MUTATIONS:
        rule = POLICIES[f"Mutation.{operation.field}"]
        assert rule is not Role.READER, operation.field
