"""Authentication: the `Authorization: Bearer <token>` of a request becomes a `Principal`.

A missing, malformed, unknown, expired or revoked token is UNAUTHENTICATED.
The failure is not raised here but kept on the context, so it surfaces as a
GraphQL error on the first root field (api/graphql/extensions/authorization.py), and requests that
need no identity (GraphiQL's page) still work. WebSocket clients, which
cannot set headers from a browser, may send the same value as
`{"Authorization": "Bearer <token>"}` in their `connection_init` payload.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from graph_registry.errors import RegistryError, Unauthenticated
from graph_registry.services.tokens import ANONYMOUS, Principal, TokenService

MISSING = "authentication required: send the header 'Authorization: Bearer <token>'"


@dataclass(frozen=True, slots=True)
class Authentication:
    """The outcome of reading a request's credentials: a principal, or the error to report."""

    principal: Principal | None
    error: RegistryError | None = None


async def authenticate(header: str | None, *, enabled: bool, tokens: TokenService) -> Authentication:
    if not enabled:
        return Authentication(ANONYMOUS)
    if header is None or not header.strip():
        return Authentication(None, Unauthenticated(MISSING))
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return Authentication(None, Unauthenticated("the Authorization header must be 'Bearer <token>'"))
    try:
        return Authentication(await tokens.authenticate(credentials.strip()))
    except RegistryError as error:
        # Unauthenticated for bad tokens, Unavailable when Neo4j cannot be asked.
        return Authentication(None, error)


def header_of(connection_params: object) -> str | None:
    """The Authorization value of a WebSocket `connection_init` payload, under any letter case."""
    if not isinstance(connection_params, Mapping):
        return None
    for key, value in connection_params.items():
        if isinstance(key, str) and key.lower() == "authorization" and isinstance(value, str):
            return value
    return None
