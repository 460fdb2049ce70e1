"""The Host allow-list: requests naming another host are refused (421) before anything runs.

With authentication off the registry trusts whatever reaches its loopback
socket, and a web page can get there by DNS rebinding: `rebind.evil.example`
first resolves to the attacker, then to 127.0.0.1, and the browser sends the
page's requests (and WebSockets) to the registry with `Host:
rebind.evil.example`. Loopback servers therefore answer only to loopback
names (any port). Deployments behind a name list theirs in
GRAPH_REGISTRY_ALLOWED_HOSTS (`*.example.com` patterns allowed); with auth on
and no list every host is accepted, as before. Matching is Starlette's
`TrustedHostMiddleware`; this wrapper only answers its refusals with 421
Misdirected Request instead of 400, for HTTP and WebSocket handshakes alike.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph_registry.settings import Settings

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
MISDIRECTED = 421
_PASSED = "graph_registry.host_allowed"


def allowed_hosts(settings: Settings) -> Sequence[str]:
    if settings.allowed_hosts:
        return settings.allowed_hosts
    return ("*",) if settings.auth_enabled else LOOPBACK_HOSTS


class HostGuard:
    """ASGI middleware: TrustedHostMiddleware, its refusals sent as 421."""

    def __init__(self, app: ASGIApp, *, allowed: Sequence[str]) -> None:
        self.app = app
        self.trusted = TrustedHostMiddleware(self._allowed, allowed_hosts=list(allowed), www_redirect=False)

    async def _allowed(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[_PASSED] = True
        await self.app(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return

        async def send_refusal(message: Message) -> None:
            if not scope.get(_PASSED) and message["type"] in ("http.response.start", "websocket.http.response.start"):
                message = {**message, "status": MISDIRECTED}
            await send(message)

        await self.trusted(scope, receive, send_refusal)
