"""`Query.auditLog`: who attempted which change, when, and how it ended (read-only by design)."""

from __future__ import annotations

from functools import partial

import strawberry

from graph_registry.api.graphql.context import Info
from graph_registry.api.graphql.types.audit import AuditEntry, AuditEntryConnection
from graph_registry.api.graphql.types.common import connection


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
        return connection(
            page, AuditEntry.from_record, partial(audit.count_entries, model=model, version=version, actor=actor)
        )
