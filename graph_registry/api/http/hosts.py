"""The Host allow-list: requests naming another host are refused (421) before anything runs.

With authentication off the registry trusts whatever reaches its loopback
socket, and a web page can get there by DNS rebinding: `rebind.evil.example`
first resolves to the attacker, then to 127.0.0.1, and the browser sends the
page's requests (and WebSockets) to the registry with `Host:
rebind.evil.example`. Loopback servers therefore answer only to loopback
names (any port). Deployments behind a name list theirs in
GRAPH_REGISTRY_ALLOWED_HOSTS (`*.example.com` patterns allowed); with auth on
and no list every host is accepted, as before. Matching is Starlette's
`TrustedHostMiddleware`'s (without its www. redirect); refusals are 421
Misdirected Request, for HTTP and WebSocket handshakes alike. It runs before
HttpGuard (api/http/guard.py) and, unlike it, never wraps `send`.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette._utils import parse_host_header
from starlette.middleware.trustedhost import ENFORCE_DOMAIN_WILDCARD
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from graph_registry.api.http.guard import scope_header
from graph_registry.settings import Settings

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
MISDIRECTED = 421


def allowed_hosts(settings: Settings) -> Sequence[str]:
    if settings.allowed_hosts:
        return settings.allowed_hosts
    return ("*",) if settings.auth_enabled else LOOPBACK_HOSTS


class HostGuard:
    """ASGI middleware: requests (and WebSocket handshakes) whose Host the list does not allow get 421."""

    def __init__(self, app: ASGIApp, *, allowed: Sequence[str]) -> None:
        for pattern in allowed:
            if "*" in pattern[1:] or (pattern.startswith("*") and pattern != "*" and not pattern.startswith("*.")):
                raise ValueError(ENFORCE_DOMAIN_WILDCARD)
        self.app = app
        self.allow_any = "*" in allowed
        self.exact = frozenset(pattern.lower() for pattern in allowed if not pattern.startswith("*"))
        self.suffixes = tuple(pattern[1:].lower() for pattern in allowed if pattern.startswith("*."))

    def allows(self, scope: Scope) -> bool:
        parsed = parse_host_header(scope_header(scope, b"host"))
        if parsed is None:
            return False
        host = parsed.host.lower()
        return host in self.exact or host.endswith(self.suffixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.allow_any or scope["type"] not in ("http", "websocket") or self.allows(scope):
            await self.app(scope, receive, send)
            return
        # HttpGuard, which adds the security headers to every other answer, is not reached.
        headers = {"X-Content-Type-Options": "nosniff"} if scope["type"] == "http" else None
        await PlainTextResponse("Invalid host header", status_code=MISDIRECTED, headers=headers)(scope, receive, send)
