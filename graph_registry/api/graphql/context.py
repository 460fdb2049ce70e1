"""What every resolver can reach: the services, the request's loaders, who is asking."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from graph_registry.api.graphql.loaders import Loaders
from graph_registry.bootstrap import Services
from graph_registry.errors import RegistryError
from graph_registry.services.audit import AuditEntry
from graph_registry.services.tokens import Principal

if TYPE_CHECKING:
    from graph_registry.api.graphql.resolvers.lineage import LineageLinks


@dataclass(slots=True)
class Context:
    request: Request | WebSocket
    response: Response | None
    services: Services
    actor: str
    request_id: str
    # Fields that lead up the type families (resolvers/lineage.py), handed in by the app.
    links: LineageLinks
    # The caller's own X-Request-Id (api/http/guard.py); the server's request_id is what is recorded.
    client_request_id: str | None = None
    # Who is asking (api/http/auth.py); None with the reason in auth_error until a token was accepted.
    principal: Principal | None = None
    auth_error: RegistryError | None = None
    # The audit entry of the mutation root field now running (extensions/authorization.py sets it):
    # resolvers hand it to the use case they call, `audit=info.context.audit`.
    audit: AuditEntry | None = None
    # The payload of a WebSocket's connection_init (Strawberry sets it).
    connection_params: object = None
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.refresh_loaders()

    def refresh_loaders(self) -> None:
        """Start with empty loaders: a long subscription calls it before each event it resolves."""
        self.loaders = Loaders(self.services)


Info = strawberry.Info[Context, None]
