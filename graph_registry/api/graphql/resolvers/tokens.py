"""API tokens over GraphQL, for admins: mint (the secret is shown once), list, revoke."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph_registry.api.graphql.context import Info
from graph_registry.api.graphql.types.tokens import ApiToken, CreatedApiToken
from graph_registry.services.tokens import Role


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
        created = await info.context.services.tokens.create(
            name=name, role=role, expires_at=expires_at, audit=info.context.audit
        )
        return CreatedApiToken(token=created.secret, api_token=ApiToken.from_record(created.record))

    @strawberry.mutation(description="Revoke an API token at once; it stays listed, and its name is never reused.")
    async def revoke_api_token(self, info: Info, name: str) -> ApiToken:
        return ApiToken.from_record(await info.context.services.tokens.revoke(name, audit=info.context.audit))
