"""/metrics in the Prometheus text format, and the labels the HTTP endpoints but GraphQL's are timed by.

GraphQL operations are timed by api/graphql/extensions/metrics.py, the other HTTP endpoints by route
in HttpGuard (api/http/guard.py). /metrics may be protected with a bearer token of its own
(GRAPH_REGISTRY_METRICS_TOKEN), for scrapers.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from graph_registry.settings import Settings

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
# Paths that carry a signed token after this prefix are reported by the prefix alone.
_TOKEN_ROUTES = ("/artifacts/upload/", "/artifacts/download/")


def endpoint_label(path: str, status: int) -> str:
    if status == 404:
        return "unmatched"
    for prefix in _TOKEN_ROUTES:
        if path.startswith(prefix):
            return prefix.rstrip("/")
    return path


def registry() -> CollectorRegistry:
    """Every worker's samples when serve runs several (multiprocess mode), else this process's."""
    if os.environ.get(MULTIPROCESS_DIR):
        collected = CollectorRegistry()
        MultiProcessCollector(collected)  # type: ignore[no-untyped-call]
        return collected
    return REGISTRY


def endpoint(settings: Settings) -> Callable[[Request], Awaitable[Response]]:
    token = settings.metrics_token.get_secret_value().encode() if settings.metrics_token else None

    async def serve_metrics(request: Request) -> Response:
        if token is not None:
            given = request.headers.get("authorization", "").removeprefix("Bearer ").encode()
            if not hmac.compare_digest(given, token):
                return JSONResponse(
                    {"code": "UNAUTHENTICATED", "message": "/metrics needs 'Authorization: Bearer <metrics token>'"},
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
        return Response(generate_latest(registry()), media_type=CONTENT_TYPE_LATEST)

    return serve_metrics
