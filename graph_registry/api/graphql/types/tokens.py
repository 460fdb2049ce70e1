"""API tokens as GraphQL shows them (never their secret, except once when minted), and the Role enum."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from graph_registry.services.tokens import Role, TokenRecord

strawberry.enum(Role, description="reader < writer < maintainer < admin: each may do what the ones before it may.")


@strawberry.type
class ApiToken:
    name: str = strawberry.field(description="Unique, never reused: the actor in histories and the audit log.")
    role: Role
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    active: bool

    @classmethod
    def from_record(cls, record: TokenRecord) -> ApiToken:
        return cls(
            name=record.name,
            role=record.role,
            created_at=record.created_at,
            expires_at=record.expires_at,
            revoked_at=record.revoked_at,
            active=record.active(datetime.now(UTC)),
        )


@strawberry.type
class CreatedApiToken:
    token: str = strawberry.field(
        description="The secret, shown this once: send it as 'Authorization: Bearer <token>'."
    )
    api_token: ApiToken
