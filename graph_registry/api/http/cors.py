"""Cross-origin access for frontends on other origins (an internal portal calling the registry).

Off by default. GRAPH_REGISTRY_CORS_ORIGINS lists exact origins; their pages may call the API with
`Authorization` and `Content-Type` headers (preflight answered by Starlette's CORS rules), never
in credentials mode: the registry authenticates bearer tokens, not cookies. The CSRF rule stays
(POST /graphql needs application/json, which a browser only sends cross-origin after a preflight
that names an allowed origin). HttpGuard (api/http/guard.py) applies the rules to every response,
so refusals (413, 415, 403) carry the CORS headers too and the calling page can read them.
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import Receive, Scope, Send

from graph_registry.settings import Settings

ALLOWED_HEADERS = ["Authorization", "Content-Type", "X-Request-Id"]
EXPOSED_HEADERS = ["X-Request-Id"]
# Seconds a browser may cache a preflight answer.
PREFLIGHT_MAX_AGE = 600


async def _applied_by_the_guard(scope: Scope, receive: Receive, send: Send) -> None:
    raise RuntimeError("the CORS rules are applied by HttpGuard, never run as a middleware")


def cors_rules(settings: Settings) -> CORSMiddleware | None:
    """Starlette's CORS rules for the configured origins (None when off): HttpGuard answers preflights
    with them and adds their headers to every other answer."""
    if not settings.cors_origins:
        return None
    return CORSMiddleware(
        _applied_by_the_guard,
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST"],
        allow_headers=ALLOWED_HEADERS,
        expose_headers=EXPOSED_HEADERS,
        allow_credentials=False,
        max_age=PREFLIGHT_MAX_AGE,
    )
