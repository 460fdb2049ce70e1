"""The ASGI application: GraphQL at /graphql, liveness at /healthz, readiness at /readyz.

Resources (the Neo4j driver) are opened in the lifespan, never at import. If
Neo4j is not reachable at start, the app still starts, reports not-ready, and
applies the migrations as soon as Neo4j answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from graph_registry import bootstrap
from graph_registry.api import mlflow
from graph_registry.api.graphql.context import Context
from graph_registry.api.graphql.resolvers.lineage import LINKS
from graph_registry.api.graphql.schema import build_schema
from graph_registry.api.graphql.websocket import LegacyWSHandler, TransportWSHandler
from graph_registry.api.http import artifacts as artifact_routes
from graph_registry.api.http import metrics, web
from graph_registry.api.http.auth import authenticate, header_of
from graph_registry.api.http.cors import cors_rules
from graph_registry.api.http.guard import HttpGuard, client_request_id_of, request_id_of
from graph_registry.api.http.hosts import HostGuard, allowed_hosts
from graph_registry.api.http.wire import (
    GRAPHQL_RESPONSE,
    JSON,
    TextFrameWebSocketAdapter,
    failed_before_execution,
    response_media_type,
)
from graph_registry.api.openlineage import routes as openlineage_routes
from graph_registry.bootstrap import Services
from graph_registry.errors import Unavailable
from graph_registry.services import demo
from graph_registry.services.webhooks import delivering
from graph_registry.settings import Settings
from graph_registry.storage import migrations
from graph_registry.storage.database import Database

log = logging.getLogger("graph_registry")
_ACCEPT: UnsetType = UNSET  # on_ws_connect: acknowledge without a payload


@dataclass
class Runtime:
    """What the lifespan opened, reachable from request handlers through `app.state`."""

    database: Database
    services: Services
    migrated: asyncio.Event = field(default_factory=asyncio.Event)


class RegistryGraphQL(GraphQL[Context, None]):
    websocket_adapter_class = TextFrameWebSocketAdapter

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        processed = await super().process_result(request, result)
        if response_media_type(request.headers) == GRAPHQL_RESPONSE and failed_before_execution(result):
            del processed["data"]
            request.state.graphql_request_error = True
        return processed

    async def run(  # type: ignore[override]
        self, request: Request | WebSocket, context: Context | UnsetType = UNSET, root_value: None = UNSET
    ) -> Response | WebSocket:
        response = await super().run(request, context, root_value)  # type: ignore[arg-type]
        if isinstance(request, Request) and isinstance(response, Response) and response.media_type == JSON:
            media_type = response_media_type(request.headers)
            if media_type != JSON:
                response.headers["content-type"] = media_type
                if getattr(request.state, "graphql_request_error", False):
                    response.status_code = 400
        return response

    # Every operation on a socket re-authenticates its token as of its start (api/websocket.py).
    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        # orjson reports invalid UTF-8 as a JSONDecodeError, which Strawberry answers with 400 (the
        # standard library's UnicodeDecodeError escaped as a 500); so is a body that is no object,
        # which Strawberry would fail on with a 500 too.
        decoded = orjson.loads(data)
        if not isinstance(decoded, dict | list):
            raise json.JSONDecodeError("a GraphQL request is a JSON object", "", 0)
        return decoded

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket | None) -> Context:
        runtime: Runtime = request.app.state.runtime
        services = runtime.services
        auth = await authenticate(
            request.headers.get("authorization"), enabled=services.settings.auth_enabled, tokens=services.tokens
        )
        return Context(
            request=request,
            response=response if isinstance(response, Response) else None,
            services=services,
            actor=auth.principal.actor if auth.principal else "anonymous",
            request_id=request_id_of(request.scope),
            client_request_id=client_request_id_of(request.scope),
            links=LINKS,
            principal=auth.principal,
            auth_error=auth.error,
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Browsers cannot set headers on a WebSocket: the token may come in connection_init instead."""
        header = header_of(context.connection_params)
        if header is None:
            return _ACCEPT
        auth = await authenticate(
            header, enabled=context.services.settings.auth_enabled, tokens=context.services.tokens
        )
        if auth.principal is None:
            raise ConnectionRejectionError
        context.principal, context.auth_error, context.actor = auth.principal, None, auth.principal.actor
        return _ACCEPT


async def _migrate_when_ready(runtime: Runtime) -> None:
    delay = 0.5
    while True:
        started = time.monotonic()
        try:
            applied = await migrations.apply(runtime.database)
        except Unavailable:
            log.warning("Neo4j is not reachable yet; retrying migrations in %.1fs", delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
            continue
        except Exception:
            # Said, not left in a task nobody awaits: the registry stays unready (/readyz 503) and why is in the log.
            log.exception("applying the migrations failed; the registry will not become ready")
            raise
        if runtime.services.settings.embedded and runtime.services.settings.load_demo:
            # First start of the embedded default: an empty graph gets the demo scenario to explore.
            log.info("migrations: %d applied in %.1fs", len(applied), time.monotonic() - started)
            started = time.monotonic()
            try:
                if await demo.load_if_empty(runtime.database, runtime.services):
                    counts = (await runtime.database.read("count_graph"))[0]
                    log.info(
                        "demo loaded: %d nodes, %d relationships in %.1fs",
                        counts["nodes"],
                        counts["relationships"],
                        time.monotonic() - started,
                    )
            except Exception:
                log.exception("loading the demo graph failed; the registry runs without it")
        runtime.migrated.set()
        return


def serving_app() -> Starlette:
    """The app as `serve` runs it in each worker process (uvicorn's factory): its startup heap frozen."""
    return create_app(freeze_startup_heap=True)


@contextlib.contextmanager
def _frozen_heap(enabled: bool) -> Iterator[None]:
    """Move what the worker built at startup out of the garbage collector's sight while it serves.

    The schema, the driver and every imported module are ~230,000 tracked objects that live as long
    as the worker, and a full collection walked all of them: ~70 ms with every request of the worker
    waiting, every ~10 s under load (bench/RESULTS.md, session 6). Frozen (`gc.freeze`), a full
    collection walks only what requests made since: ~1 ms. They are unfrozen when the app stops, so
    a process that builds many apps (the tests) collects each one's garbage as before.
    """
    if not enabled:
        yield
        return
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def create_app(
    settings: Settings | None = None, *, database: Database | None = None, freeze_startup_heap: bool = False
) -> Starlette:
    """The app; a `database` given here (e.g. instrumented by tests) replaces the configured one.

    `freeze_startup_heap`: see `_frozen_heap` (on in `serving_app`, which `serve` runs).
    """
    settings = settings or Settings()
    given_database = database

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        database = given_database or bootstrap.open_database(settings)
        store = bootstrap.open_artifact_store(settings)
        services = bootstrap.build_services(settings, database, store)
        runtime = Runtime(database=database, services=services)
        app.state.runtime = runtime
        migrating = asyncio.create_task(_migrate_when_ready(runtime))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(runtime.migrated.wait()), timeout=settings.neo4j_connect_timeout * 3)
        try:
            async with delivering(services.webhooks, enabled=settings.webhook_deliveries, after=runtime.migrated):
                with _frozen_heap(freeze_startup_heap):
                    yield
        finally:
            migrating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await migrating
            await database.close()
            store.close()

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        if runtime.migrated.is_set() and await runtime.database.ping():
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "unavailable", "neo4j": "not answering"}, status_code=503)

    # Strawberry's own GraphiQL page loads from a CDN; ours is served from local assets (api/http/web.py).
    # Strawberry's defaults, stated: no batching (schema config), no multipart uploads, no mutations over GET.
    graphql = RegistryGraphQL(
        build_schema(settings), graphql_ide=None, allow_queries_via_get=True, multipart_uploads_enabled=False
    )
    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics.endpoint(settings)),
            *web.routes(graphql, settings),
            WebSocketRoute("/graphql", graphql),
            *artifact_routes.routes,
            *openlineage_routes.routes,
            *mlflow.routes(),
        ],
        middleware=[
            # A request naming a host not allowed (DNS rebinding) reaches nothing else.
            Middleware(HostGuard, allowed=allowed_hosts(settings)),
            # One wrapper of `send` for the rest: ids, nosniff (CSP and no framing on the HTML pages),
            # CORS, endpoint timing, body and content-type limits (api/http/guard.py).
            Middleware(
                HttpGuard,
                max_body_bytes=settings.max_body_bytes,
                auth=settings.auth_enabled,
                body_timeout=settings.request_body_timeout,
                upload_min_rate=settings.upload_min_bytes_per_second,
                cors=cors_rules(settings),
            ),
        ],
        lifespan=lifespan,
    )
