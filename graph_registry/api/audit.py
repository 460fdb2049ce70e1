"""`Query.auditLog`: who attempted which change, when, and how it ended (read-only by design)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from functools import partial

import strawberry

from graph_registry.api.authorization import POLICIES
from graph_registry.api.context import Info
from graph_registry.api.types.common import Count, PageInfo
from graph_registry.records import Page
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


@strawberry.type(description="One attempted mutation. Written by the server only; never changed or deleted.")
class AuditEntry:
    id: strawberry.ID
    at: datetime
    actor: str = strawberry.field(description="The name of the caller's API token (anonymous with auth off).")
    role: str | None
    operation: str = strawberry.field(description="The mutation, e.g. transitionStage.")
    outcome: str = strawberry.field(
        description="OK, an error code (FORBIDDEN, INVALID_INPUT, ...), or PENDING while it runs "
        "(or if the server stopped before recording the end)."
    )
    model: str | None
    version: int | None
    arguments: str | None = strawberry.field(description="The arguments as JSON, long strings shortened.")
    request_id: str = strawberry.field(description="Allocated by the server for the request (its X-Request-Id).")
    message: str | None
    client_request_id: str | None = strawberry.field(
        default=None, description="The X-Request-Id the caller sent, if any: the caller's word, not unique."
    )

    @classmethod
    def from_record(cls, record: AuditRecord) -> AuditEntry:
        return cls(
            id=strawberry.ID(record.id),
            at=record.at,
            actor=record.actor,
            role=record.role,
            operation=record.operation,
            outcome=record.outcome,
            model=record.model,
            version=record.version,
            arguments=record.arguments,
            request_id=record.request_id,
            message=record.message,
            client_request_id=record.client_request_id,
        )


@strawberry.type
class AuditEntryEdge:
    cursor: str
    node: AuditEntry


@strawberry.type
class AuditEntryConnection:
    edges: list[AuditEntryEdge]
    page_info: PageInfo
    count: strawberry.Private[Count]

    @strawberry.field(description="Entries matching the filters; counted only when asked.")
    async def total_count(self) -> int:
        return await self.count()

    @classmethod
    def from_page(cls, page: Page[AuditRecord], count: Count) -> AuditEntryConnection:
        edges = [
            AuditEntryEdge(cursor=cursor, node=AuditEntry.from_record(record))
            for record, cursor in zip(page.items, page.cursors, strict=True)
        ]
        return cls(edges=edges, page_info=PageInfo.of(page), count=count)


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
        return AuditEntryConnection.from_page(
            page, partial(audit.count_entries, model=model, version=version, actor=actor)
        )
