"""A real S3-compatible server and one API per artifact store, for the artifact tests.

S3: the session's S3-compatible server and bucket (`s3_server`, `s3_bucket` in tests/conftest.py,
shared with the MLflow adapter's tests).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from graph_registry.settings import Settings
from tests.artifacts.stores import local_settings, s3_settings
from tests.live_server import LiveServer
from tests.support.s3proxy import S3Server


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
