"""Servers with authentication ON, and one token per role, for the security tests.

The suite's shared `api` server runs with auth off (loopback); these tests
start their own auth-on servers and mint their tokens straight in Neo4j, the
way `graph-registry token create` does.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from graph_registry.services.audit import AuditService
from graph_registry.services.tokens import Role, TokenService, hash_token
from graph_registry.settings import Settings
from graph_registry.storage.database import Database
from tests.live_server import LiveServer
from tests.security.client import Caller


@pytest.fixture(scope="session")
def secure_settings(neo4j_settings: Settings) -> Settings:
    # Provenance rules are tested elsewhere; here versions go to PRODUCTION without lineage.
    # Subscriptions re-check their token often, so a revocation test ends quickly.
    return neo4j_settings.model_copy(update={"auth": True, "require_provenance": False, "token_recheck_seconds": 0.5})


@pytest.fixture(scope="session")
def secure_api(secure_settings: Settings, database: Database) -> Iterator[LiveServer]:
    with LiveServer.serving(secure_settings) as server:
        yield server


@pytest.fixture(scope="session")
async def role_tokens(database: Database) -> dict[Role, tuple[str, str]]:
    """(name, secret) of a fresh token for every role."""
    service = TokenService(database)
    run = uuid.uuid4().hex[:8]
    found = {}
    for role in Role:
        created = await service.create(name=f"sec-{role.value}-{run}", role=role)
        found[role] = (created.record.name, created.secret)
    return found


@pytest.fixture(scope="session")
async def dead_tokens(database: Database) -> dict[str, str]:
    """Secrets of a revoked and of an expired admin token."""
    service = TokenService(database)
    run = uuid.uuid4().hex[:8]
    revoked = await service.create(name=f"sec-revoked-{run}", role=Role.ADMIN)
    await service.revoke(revoked.record.name)
    # No waiting for a clock: the expired token is stored as the service would have stored it an hour ago.
    expired = "gr_" + uuid.uuid4().hex
    await database.write(
        "create_api_token",
        name=f"sec-expired-{run}",
        role="admin",
        hash=hash_token(expired),
        expiresAt=datetime.now(UTC) - timedelta(hours=1),
    )
    return {"revoked": revoked.secret, "expired": expired}


@pytest.fixture
async def anonymous(secure_api: LiveServer) -> AsyncIterator[Caller]:
    async with httpx.AsyncClient(base_url=secure_api.url, timeout=60) as http:
        yield Caller(http, name=None)


async def _caller(api: LiveServer, token: tuple[str, str]) -> AsyncIterator[Caller]:
    name, secret = token
    async with httpx.AsyncClient(base_url=api.url, timeout=60, headers={"Authorization": f"Bearer {secret}"}) as http:
        yield Caller(http, name=name)


@pytest.fixture
async def reader(secure_api: LiveServer, role_tokens: dict[Role, tuple[str, str]]) -> AsyncIterator[Caller]:
    async for caller in _caller(secure_api, role_tokens[Role.READER]):
        yield caller


@pytest.fixture
async def writer(secure_api: LiveServer, role_tokens: dict[Role, tuple[str, str]]) -> AsyncIterator[Caller]:
    async for caller in _caller(secure_api, role_tokens[Role.WRITER]):
        yield caller


@pytest.fixture
async def maintainer(secure_api: LiveServer, role_tokens: dict[Role, tuple[str, str]]) -> AsyncIterator[Caller]:
    async for caller in _caller(secure_api, role_tokens[Role.MAINTAINER]):
        yield caller


@pytest.fixture
async def admin(secure_api: LiveServer, role_tokens: dict[Role, tuple[str, str]]) -> AsyncIterator[Caller]:
    async for caller in _caller(secure_api, role_tokens[Role.ADMIN]):
        yield caller


@pytest.fixture
async def callers(
    anonymous: Caller, reader: Caller, writer: Caller, maintainer: Caller, admin: Caller
) -> dict[str | None, Caller]:
    """Callers by role name; None is the caller without a token."""
    return {None: anonymous, "reader": reader, "writer": writer, "maintainer": maintainer, "admin": admin}


@pytest.fixture(scope="session")
def audit(database: Database) -> AuditService:
    return AuditService(database)
