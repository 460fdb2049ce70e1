"""A real S3-compatible server and one API per artifact store, for the artifact tests.

S3: S3Proxy started for the session on a free port (data under
`$GRAPH_REGISTRY_HOME/s3`), or an existing server given by
GRAPH_REGISTRY_TEST_S3_ENDPOINT, _ACCESS_KEY, _SECRET_KEY (and _REGION).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from graph_registry.settings import Settings
from tests.artifacts.stores import local_settings, new_bucket, running_s3proxy, s3_settings
from tests.live_server import LiveServer
from tests.support.s3proxy import S3Server


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
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


@pytest.fixture(scope="session")
def local_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("local-store")


@pytest.fixture(scope="session")
def local_api(neo4j_settings: Settings, database: object, local_root: Path) -> Iterator[LiveServer]:
    with LiveServer.serving(local_settings(neo4j_settings, local_root)) as server:
        yield server


@pytest.fixture(scope="session")
def s3_api(neo4j_settings: Settings, database: object, s3_server: S3Server, s3_bucket: str) -> Iterator[LiveServer]:
    with LiveServer.serving(s3_settings(neo4j_settings, s3_server, s3_bucket)) as server:
        yield server


@dataclass
class Backend:
    """One API with its artifact store, and a client for it."""

    kind: str
    client: httpx.AsyncClient


@pytest.fixture(params=["local", "s3"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    server: LiveServer = request.getfixturevalue(f"{request.param}_api")
    async with httpx.AsyncClient(base_url=server.url, timeout=120) as client:
        yield Backend(kind=request.param, client=client)
