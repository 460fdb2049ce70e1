"""An auth-on server, and tokens minted on demand, for the governance tests (teams, policies, approvals).

Each test makes its own teams and models (unique names), so team policies never leak between tests;
the one registry-wide policy is changed only by tests that put it back.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import httpx
import pytest

from graph_registry.services.tokens import Role, TokenService
from graph_registry.settings import Settings
from graph_registry.storage.database import Database
from tests.live_server import LiveServer
from tests.security.client import Caller

Mint = Callable[[Role, str], Awaitable[Caller]]


@pytest.fixture(scope="session")
def governed_api(neo4j_settings: Settings, database: Database) -> Iterator[LiveServer]:
    settings = neo4j_settings.model_copy(update={"auth": True, "require_provenance": False})
    with LiveServer.serving(settings) as server:
        yield server


@pytest.fixture
async def mint(governed_api: LiveServer, database: Database) -> AsyncIterator[Mint]:
    """mint(role, label): a caller with a fresh token of that registry-wide role."""
    service = TokenService(database)
    clients: list[httpx.AsyncClient] = []

    async def make(role: Role, label: str) -> Caller:
        created = await service.create(name=f"gov-{label}-{uuid.uuid4().hex[:10]}", role=role)
        headers = {"Authorization": f"Bearer {created.secret}"}
        http = httpx.AsyncClient(base_url=governed_api.url, timeout=60, headers=headers)
        clients.append(http)
        return Caller(http, name=created.record.name)

    yield make
    for http in clients:
        await http.aclose()


@pytest.fixture
async def admin(mint: Mint) -> Caller:
    return await mint(Role.ADMIN, "admin")


CREATE_TEAM = "mutation($t: String!) { createTeam(name: $t) { name } }"
GRANT = "mutation($t: String!, $a: String!, $r: Role!) { grantTeamRole(team: $t, actor: $a, role: $r) { name } }"
VERSION = "mutation($m: String!) { createModelVersion(input: {model: $m}) { version } }"
STAGE = "mutation($m: String!, $v: Int!, $s: Stage!) { transitionStage(model: $m, version: $v, stage: $s) { stage } }"


async def make_team(admin: Caller, name: str, members: dict[str, str] | None = None) -> str:
    await admin.data(CREATE_TEAM, t=name)
    for actor, role in (members or {}).items():
        await admin.data(GRANT, t=name, a=actor, r=role)
    return name


async def make_model(admin: Caller, name: str, team: str | None, versions: int = 1) -> str:
    await admin.data("mutation($m: String!, $t: String) { createModel(name: $m, team: $t) { name } }", m=name, t=team)
    for _ in range(versions):
        await admin.data(VERSION, m=name)
    return name
