"""API tokens over GraphQL, for admins: mint (the secret is shown once), list, revoke."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from graph_registry.api.graphql.context import Info
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


@strawberry.type
class TokenQueries:
    @strawberry.field(description="Every API token, revoked and expired ones included (never their secrets).")
    async def api_tokens(self, info: Info) -> list[ApiToken]:
        return [ApiToken.from_record(record) for record in await info.context.services.tokens.list_tokens()]


@strawberry.type
class TokenMutations:
    @strawberry.mutation(description="Mint an API token; its secret is in the answer and nowhere else.")
    async def create_api_token(
        self, info: Info, name: str, role: Role, expires_at: datetime | None = None
    ) -> CreatedApiToken:
        created = await info.context.services.tokens.create(name=name, role=role, expires_at=expires_at)
        return CreatedApiToken(token=created.secret, api_token=ApiToken.from_record(created.record))

    @strawberry.mutation(description="Revoke an API token at once; it stays listed, and its name is never reused.")
    async def revoke_api_token(self, info: Info, name: str) -> ApiToken:
        return ApiToken.from_record(await info.context.services.tokens.revoke(name))
