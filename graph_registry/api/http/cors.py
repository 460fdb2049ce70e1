"""Cross-origin access for frontends on other origins (an internal portal calling the registry).

Off by default. GRAPH_REGISTRY_CORS_ORIGINS lists exact origins; their pages may call the API with
`Authorization` and `Content-Type` headers (preflight answered by Starlette's CORSMiddleware), never
in credentials mode: the registry authenticates bearer tokens, not cookies. The CSRF rule stays
(POST /graphql needs application/json, which a browser only sends cross-origin after a preflight
that names an allowed origin). It wraps everything else, so refusals (413, 415, 403) carry the
CORS headers too and the calling page can read them.
"""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from graph_registry.settings import Settings

ALLOWED_HEADERS = ["Authorization", "Content-Type", "X-Request-Id"]
EXPOSED_HEADERS = ["X-Request-Id"]
# Seconds a browser may cache a preflight answer.
PREFLIGHT_MAX_AGE = 600


def cors_middleware(settings: Settings) -> list[Middleware]:
    if not settings.cors_origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=ALLOWED_HEADERS,
            expose_headers=EXPOSED_HEADERS,
            allow_credentials=False,
            max_age=PREFLIGHT_MAX_AGE,
        )
    ]
