"""The audit log as GraphQL answers it: entries and their connection."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph_registry.api.graphql.types.common import Connection
from graph_registry.services.audit import AuditRecord


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


AuditEntryConnection = Connection[AuditEntry]
