"""/metrics in the Prometheus text format, and what feeds it at the edge of the app.

`OperationMetrics` (a schema extension, outermost, so it sees the errors' final codes) times each
GraphQL operation by name and type, counts the errors by code, and writes one request log line
(request id, actor, operation, duration, outcome; never variables, which may carry secrets).
`EndpointMetrics` (ASGI middleware) times the other HTTP endpoints by route. /metrics may be
protected with a bearer token of its own (GRAPH_REGISTRY_METRICS_TOKEN), for scrapers.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterator

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from graph_registry import metrics
from graph_registry.api.hardening import GRAPHQL_PATH
from graph_registry.settings import Settings

log = logging.getLogger("graph_registry.requests")
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
# Paths that carry a signed token after this prefix are reported by the prefix alone.
_TOKEN_ROUTES = ("/artifacts/upload/", "/artifacts/download/")


class OperationMetrics(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        began = time.perf_counter()
        yield
        duration = time.perf_counter() - began
        context = self.execution_context
        try:
            operation_type = context.operation_type.value
        except Exception:  # a document that does not parse has no type
            operation_type = "invalid"
        operation = metrics.operation_label(context.operation_name)
        metrics.REQUEST_DURATION.labels("graphql", operation, operation_type).observe(duration)
        codes = (
            [str((error.extensions or {}).get("code", "INTERNAL")) for error in (context.result.errors or [])]
            if context.result is not None
            else []
        )
        for code in codes:
            metrics.ERRORS.labels(code).inc()
        request_context = context.context
        log.info(
            "%s %s: %s in %.1f ms",
            operation_type,
            operation,
            codes[0] if codes else "ok",
            duration * 1000,
            extra={
                "request_id": getattr(request_context, "request_id", None),
                "actor": getattr(request_context, "actor", None),
                "operation": operation,
                "operation_type": operation_type,
                "duration_ms": round(duration * 1000, 3),
                "outcome": codes[0] if codes else "ok",
            },
        )


def endpoint_label(path: str, status: int) -> str:
    if status == 404:
        return "unmatched"
    for prefix in _TOKEN_ROUTES:
        if path.startswith(prefix):
            return prefix.rstrip("/")
    return path


class EndpointMetrics:
    """ASGI middleware: the duration of every HTTP request but GraphQL's (timed per operation)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == GRAPHQL_PATH:
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            label = endpoint_label(scope["path"], status)
            metrics.REQUEST_DURATION.labels("http", label, scope["method"]).observe(time.perf_counter() - began)


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
