"""Real services for the suite: a Neo4j server and the API served by uvicorn on loopback.

Neo4j: the local server of GRAPH_REGISTRY_HOME (default `.graph-registry-test`),
started here unless `.ci/run` (or a developer) already runs it, or an external
one given by NEO4J_URI/NEO4J_USER/NEO4J_PASSWORD.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from graph_registry import bootstrap
from graph_registry.settings import Settings
from graph_registry.storage import migrations
from graph_registry.storage.database import Database
from tests.artifacts.stores import new_bucket, running_s3proxy
from tests.live_server import LiveServer
from tests.support.probes import Probes
from tests.support.s3proxy import S3Server

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("GRAPH_REGISTRY_HOME", str(ROOT / ".graph-registry-test"))
os.environ.setdefault("GRAPH_REGISTRY_EMBEDDED_NEO4J_PORT", "7697")
# The suite's servers listen on loopback with authentication off (allowed there only); the security
# tests (tests/security/) start their own servers with Settings(auth=True).
os.environ.setdefault("GRAPH_REGISTRY_AUTH", "off")
# Webhook deliveries only from the servers of tests/api/test_webhooks.py, which turn them on: any
# other server's delivery loop would claim (and, private targets refused, fail) their deliveries.
os.environ.setdefault("GRAPH_REGISTRY_WEBHOOK_DELIVERIES", "false")


@pytest.fixture(scope="session")
def neo4j_settings() -> Iterator[Settings]:
    """Settings that reach the test Neo4j, starting the local one for the session if needed."""
    settings = Settings(load_demo=False)
    if not settings.embedded:
        yield settings
        return
    with bootstrap.embedded_neo4j(settings):
        uri, user, password = bootstrap.neo4j_credentials(settings)
        yield Settings(neo4j_uri=uri, neo4j_user=user, neo4j_password=password, load_demo=False)


@pytest.fixture(scope="session")
async def database(neo4j_settings: Settings) -> AsyncIterator[Database]:
    db = bootstrap.open_database(neo4j_settings)
    await migrations.apply(db)
    yield db
    await db.close()


@pytest.fixture(scope="session")
def services(neo4j_settings: Settings, database: Database) -> Iterator[bootstrap.Services]:
    """The services of the suite's database, wired as the app wires them (bootstrap)."""
    store = bootstrap.open_artifact_store(neo4j_settings)
    yield bootstrap.build_services(neo4j_settings, database, store)
    store.close()


@pytest.fixture(scope="session")
def probes(database: Database) -> Probes:
    """Test-only queries of the graph (tests/support/probes.cypher)."""
    return Probes(database)


@pytest.fixture(scope="session")
def api(neo4j_settings: Settings, database: Database) -> Iterator[LiveServer]:
    with LiveServer.serving(neo4j_settings.model_copy(update={"auth": False, "require_provenance": False})) as server:
        yield server


@pytest.fixture
async def client(api: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=api.url, timeout=60) as http:
        yield http


@pytest.fixture
def unique() -> str:
    """A fresh name fragment, so tests sharing one database never collide."""
    return uuid.uuid4().hex[:12]


@pytest.fixture
def model_name(unique: str) -> str:
    return f"model-{unique}"


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """S3Proxy started for the session on a free port (data under `$GRAPH_REGISTRY_HOME/s3`), or an
    existing server given by GRAPH_REGISTRY_TEST_S3_ENDPOINT, _ACCESS_KEY, _SECRET_KEY (and _REGION)."""
    endpoint = os.environ.get("GRAPH_REGISTRY_TEST_S3_ENDPOINT")
    if endpoint:
        yield S3Server(
            endpoint_url=endpoint,
            access_key=os.environ["GRAPH_REGISTRY_TEST_S3_ACCESS_KEY"],
            secret_key=os.environ["GRAPH_REGISTRY_TEST_S3_SECRET_KEY"],
            region=os.environ.get("GRAPH_REGISTRY_TEST_S3_REGION", "us-east-1"),
            process=None,
        )
        return
    with running_s3proxy("session") as server:
        yield server


@pytest.fixture(scope="session")
def s3_bucket(s3_server: S3Server) -> str:
    return new_bucket(s3_server)
