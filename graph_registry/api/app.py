"""The ASGI application: GraphQL at /graphql, liveness at /healthz, readiness at /readyz.

Resources (the Neo4j driver) are opened in the lifespan, never at import. If
Neo4j is not reachable at start, the app still starts, reports not-ready, and
applies the migrations as soon as Neo4j answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
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
from strawberry.types.unset import UNSET, UnsetType

from graph_registry.api import artifact_routes, web
from graph_registry.api.auth import authenticate, header_of
from graph_registry.api.context import Context, Services
from graph_registry.api.hardening import HttpGuard, request_id_of
from graph_registry.api.schema import build_schema
from graph_registry.errors import Unavailable
from graph_registry.services import demo
from graph_registry.services.advisories import AdvisoryService
from graph_registry.services.artifacts import ArtifactService
from graph_registry.services.audit import AuditService
from graph_registry.services.cards import CardService
from graph_registry.services.datasets import DatasetService
from graph_registry.services.deletion import DeletionService
from graph_registry.services.events import EventService
from graph_registry.services.lifecycle import LifecycleService
from graph_registry.services.lineage import LineageService
from graph_registry.services.models import ModelService
from graph_registry.services.provenance import ProvenanceService
from graph_registry.services.runs import RunService
from graph_registry.services.search import SearchService
from graph_registry.services.tokens import TokenService
from graph_registry.settings import ArtifactStoreKind, Settings
from graph_registry.storage import migrations
from graph_registry.storage.artifact_store import ArtifactStore
from graph_registry.storage.database import Database
from graph_registry.storage.local_store import LocalStore
from graph_registry.storage.s3_store import S3Store

log = logging.getLogger("graph_registry")
_ACCEPT: UnsetType = UNSET  # on_ws_connect: acknowledge without a payload


@dataclass
class Runtime:
    """What the lifespan opened, reachable from request handlers through `app.state`."""

    database: Database
    services: Services
    migrated: asyncio.Event = field(default_factory=asyncio.Event)


class RegistryGraphQL(GraphQL[Context, None]):
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
        try:
            await migrations.apply(runtime.database)
        except Unavailable:
            log.warning("Neo4j is not reachable yet; retrying migrations in %.1fs", delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
            continue
        if runtime.services.settings.embedded and runtime.services.settings.load_demo:
            # First start of the embedded default: an empty graph gets the demo scenario to explore.
            try:
                await demo.load_if_empty(runtime.database, runtime.services)
            except Exception:
                log.exception("loading the demo graph failed; the registry runs without it")
        runtime.migrated.set()
        return


def open_database(settings: Settings) -> Database:
    uri, user, password = settings.neo4j_credentials()
    return Database.connect(
        uri=uri,
        user=user,
        password=password,
        database=settings.neo4j_database,
        pool_size=settings.neo4j_pool_size,
        connect_timeout=settings.neo4j_connect_timeout,
        retry_time=settings.neo4j_retry_time,
    )


def open_artifact_store(settings: Settings) -> ArtifactStore:
    if settings.artifact_store is ArtifactStoreKind.S3:
        return S3Store.from_settings(settings)
    return LocalStore.from_settings(settings)


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> Starlette:
    """The app; a `database` given here (e.g. instrumented by tests) replaces the configured one."""
    settings = settings or Settings()
    given_database = database

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        database = given_database or open_database(settings)
        store = open_artifact_store(settings)
        models = ModelService(
            database, max_page_size=settings.max_page_size, max_artifact_size=settings.max_artifact_size
        )
        services = Services(
            settings=settings,
            models=models,
            lifecycle=LifecycleService(
                database,
                require_provenance=settings.require_provenance,
                blocking_severity=settings.blocking_severity,
                required_card_fields=settings.required_card_fields,
            ),
            artifacts=ArtifactService(database, store, models, url_expiry=settings.artifact_url_expiry),
            events=EventService(database),
            datasets=DatasetService(database, max_page_size=settings.max_page_size),
            runs=RunService(database, max_page_size=settings.max_page_size),
            provenance=ProvenanceService(database, models),
            lineage=LineageService(database, max_depth=settings.max_lineage_depth),
            deletion=DeletionService(database),
            tokens=TokenService(database),
            audit=AuditService(database, max_page_size=settings.max_page_size),
            advisories=AdvisoryService(database),
            cards=CardService(database),
            search=SearchService(database, max_page_size=settings.max_page_size),
        )
        runtime = Runtime(database=database, services=services)
        app.state.runtime = runtime
        migrating = asyncio.create_task(_migrate_when_ready(runtime))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(runtime.migrated.wait()), timeout=settings.neo4j_connect_timeout * 3)
        try:
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

    # Strawberry's own GraphiQL page loads from a CDN; ours is served from local assets (api/web.py).
    # Strawberry's defaults, stated: no batching (schema config), no multipart uploads, no mutations over GET.
    graphql = RegistryGraphQL(
        build_schema(settings), graphql_ide=None, allow_queries_via_get=True, multipart_uploads_enabled=False
    )
    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            *web.routes(graphql, settings),
            WebSocketRoute("/graphql", graphql),
            *artifact_routes.routes,
        ],
        middleware=[
            Middleware(
                HttpGuard,
                max_body_bytes=settings.max_body_bytes,
                auth=settings.auth_enabled,
                body_timeout=settings.request_body_timeout,
            )
        ],
        lifespan=lifespan,
    )
