"""WebSocket handlers that authenticate every operation as of its start, not only the connection.

A token is checked when the socket opens (api/app.py `on_ws_connect`); without a
check per operation, queries and mutations sent later on the same socket
would run with a token revoked or expired since. Each `subscribe` (graphql-
transport-ws) and `start` (the legacy graphql-ws protocol) re-reads the token
first; a dead one gets an UNAUTHENTICATED error and the socket is closed with
4401. Long subscriptions keep re-checking on their own (resolvers/subscriptions.py).
"""

from __future__ import annotations

from graphql import GraphQLError, GraphQLFormattedError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ErrorMessage, SubscribeMessage
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import ErrorMessage as LegacyErrorMessage
from strawberry.subscriptions.protocols.graphql_ws.types import StartMessage

from graph_registry.api.graphql.context import Context
from graph_registry.errors import RegistryError, Unauthenticated

UNAUTHENTICATED_CLOSE = 4401


async def recheck(context: Context) -> RegistryError | None:
    """The reason the connection's principal may no longer act, or None while its token holds."""
    principal = context.principal
    if principal is None:
        return None  # no token was accepted: the operation's root fields answer UNAUTHENTICATED
    try:
        await context.services.tokens.recheck(principal)
    except Unauthenticated as error:
        # Nothing started later on this connection runs as the dead token either.
        context.principal, context.auth_error, context.actor = None, error, "anonymous"
        return error
    except RegistryError as error:  # Neo4j unreachable: refuse this operation, keep the socket
        return error
    return None


def _formatted(error: RegistryError) -> GraphQLFormattedError:
    return GraphQLError(error.message, extensions={"code": error.code, **error.fields}).formatted


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws (the `graphql-ws` npm package, gql's newer transport)."""

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self.connection_acknowledged:
            error = await recheck(self.context)
            if error is not None:
                await self.send_message(ErrorMessage(id=message["id"], type="error", payload=[_formatted(error)]))
                if isinstance(error, Unauthenticated):
                    await self.websocket.close(code=UNAUTHENTICATED_CLOSE, reason=error.message)
                return
        await super().handle_subscribe(message)


class LegacyWSHandler(BaseGraphQLWSHandler[Context, None]):
    """The older graphql-ws protocol (subscriptions-transport-ws, gql's default transport)."""

    async def handle_start(self, message: StartMessage) -> None:
        if self.connection_acknowledged:
            error = await recheck(self.context)
            if error is not None:
                await self.send_message(LegacyErrorMessage(type="error", id=message["id"], payload=_formatted(error)))
                if isinstance(error, Unauthenticated):
                    await self.websocket.close(code=UNAUTHENTICATED_CLOSE, reason=error.message)
                return
        await super().handle_start(message)
