"""`Query.auditLog`: who attempted which change, when, and how it ended (read-only by design)."""

from __future__ import annotations

import dataclasses
from functools import partial

import strawberry

from graph_registry.api.graphql.context import Info
from graph_registry.api.graphql.extensions.authorization import POLICIES
from graph_registry.api.graphql.types.audit import AuditEntry, AuditEntryConnection
from graph_registry.api.graphql.types.common import connection
from graph_registry.services.audit import AuditRecord
from graph_registry.services.tokens import Principal, Role


def _shown_to(principal: Principal | None, record: AuditRecord) -> AuditRecord:
    """Entries of admin-only mutations (token administration) keep their arguments and message for
    admins: others see who tried what and how it ended, not which token, role or expiry (the very
    things `apiTokens` shows admins only)."""
    if POLICIES.get(f"Mutation.{record.operation}") is not Role.ADMIN:
        return record
    if principal is not None and principal.role.allows(Role.ADMIN):
        return record
    return dataclasses.replace(record, arguments=None, message=None)


@strawberry.type
class AuditQueries:
    @strawberry.field(
        description="The audit log, newest first: of one model (and version) when given, of one actor when given."
    )
    async def audit_log(
        self,
        info: Info,
        model: str | None = None,
        version: int | None = None,
        actor: str | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> AuditEntryConnection:
        audit = info.context.services.audit
        page = await audit.list_entries(model=model, version=version, actor=actor, first=first, after=after)
        principal = info.context.principal
        page = dataclasses.replace(page, items=tuple(_shown_to(principal, record) for record in page.items))
        return connection(
            page, AuditEntry.from_record, partial(audit.count_entries, model=model, version=version, actor=actor)
        )
