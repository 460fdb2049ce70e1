"""An auth-on server, writer and reader tokens, and helpers to send OpenLineage events to it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from graph_registry.services.tokens import Role, TokenService
from graph_registry.settings import Settings
from graph_registry.storage.database import Database
from tests.live_server import LiveServer


@pytest.fixture(scope="session")
def lineage_api(neo4j_settings: Settings, database: Database) -> Iterator[LiveServer]:
    settings = neo4j_settings.model_copy(update={"auth": True, "require_provenance": False})
    with LiveServer.serving(settings) as server:
        yield server


@pytest.fixture(scope="session")
async def tokens(database: Database) -> dict[Role, str]:
    """The secret of a fresh token for each role."""
    service = TokenService(database)
    run = uuid.uuid4().hex[:8]
    return {role: (await service.create(name=f"ol-{role.value}-{run}", role=role)).secret for role in Role}


def _client(api: LiveServer, secret: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=api.url, timeout=60, headers={"Authorization": f"Bearer {secret}"})


@pytest.fixture
async def writer(lineage_api: LiveServer, tokens: dict[Role, str]) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(lineage_api, tokens[Role.WRITER]) as http:
        yield http


@pytest.fixture
async def maintainer(lineage_api: LiveServer, tokens: dict[Role, str]) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(lineage_api, tokens[Role.MAINTAINER]) as http:
        yield http


@pytest.fixture
async def reader(lineage_api: LiveServer, tokens: dict[Role, str]) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(lineage_api, tokens[Role.READER]) as http:
        yield http
