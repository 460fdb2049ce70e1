"""The ASGI application: GraphQL at /graphql, liveness at /healthz, readiness at /readyz.

Resources (the Neo4j driver) are opened in the lifespan, never at import. If
Neo4j is not reachable at start, the app still starts, reports not-ready, and
applies the migrations as soon as Neo4j answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from graph_registry.api.context import Context, Services
from graph_registry.api.schema import build_schema
from graph_registry.errors import Unavailable
from graph_registry.services.lifecycle import LifecycleService
from graph_registry.services.models import ModelService
from graph_registry.settings import Settings
from graph_registry.storage import migrations
from graph_registry.storage.database import Database

log = logging.getLogger("graph_registry")


@dataclass
class Runtime:
    """What the lifespan opened, reachable from request handlers through `app.state`."""

    database: Database
    services: Services
    migrated: asyncio.Event = field(default_factory=asyncio.Event)


class RegistryGraphQL(GraphQL[Context, None]):
    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket | None) -> Context:
        runtime: Runtime = request.app.state.runtime
        return Context(
            request=request,
            response=response if isinstance(response, Response) else None,
            services=runtime.services,
            actor="anonymous",
            request_id=request.headers.get("x-request-id") or uuid.uuid4().hex,
        )


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


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        database = open_database(settings)
        services = Services(
            settings=settings,
            models=ModelService(database, max_page_size=settings.max_page_size),
            lifecycle=LifecycleService(database),
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

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        if runtime.migrated.is_set() and await runtime.database.ping():
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "unavailable", "neo4j": "not answering"}, status_code=503)

    graphql = RegistryGraphQL(build_schema(), graphql_ide=None if settings.production else "graphiql")
    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
        ],
        lifespan=lifespan,
    )
