"""Every mutation's audit entry is a statement of the change's own transaction: they commit together.

The authorization extension prepares the entry (context.audit); a resolver hands it to the use case it
calls (`audit=info.context.audit`), whose write transaction carries it (services/audit.write_audited).
Read from the source with `ast`: every mutation passes its entry on, and every service method that
writes says in its signature which transaction it runs in. Proven on a live server for the governance
and webhook mutations: with the entry refused anywhere but inside a change's transaction, each change
still commits with its PENDING entry; on a plain server, a refused or failed change leaves an entry with
its error and no change.
"""

from __future__ import annotations

import ast
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph_registry import bootstrap
from graph_registry.api.graphql import ids
from graph_registry.api.graphql.schema import build_schema
from graph_registry.errors import Unavailable
from graph_registry.services.tokens import Role, TokenService
from graph_registry.settings import Settings
from graph_registry.storage.database import Database, Row
from tests.live_server import LiveServer
from tests.security.client import Caller

PACKAGE = Path(__file__).resolve().parents[2] / "graph_registry"
RESOLVERS = PACKAGE / "api" / "graphql" / "resolvers"
SERVICES = PACKAGE / "services"


def _mutations() -> dict[str, ast.AsyncFunctionDef]:
    found = {}
    for path in sorted(RESOLVERS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.AsyncFunctionDef) and any(
                "strawberry.mutation" in ast.unparse(decorator) for decorator in node.decorator_list
            ):
                found[node.name] = node
    return found


def _passes_the_entry(function: ast.AsyncFunctionDef) -> bool:
    return any(
        isinstance(node, ast.Call)
        and any(k.arg == "audit" and ast.unparse(k.value) == "info.context.audit" for k in node.keywords)
        for node in ast.walk(function)
    )


@pytest.mark.unit
def test_every_mutation_resolver_is_found() -> None:
    mutation = build_schema()._schema.mutation_type
    assert mutation is not None
    names = {"".join(part.capitalize() if i else part for i, part in enumerate(n.split("_"))) for n in _mutations()}
    assert names == set(mutation.fields)


@pytest.mark.unit
def test_every_mutation_passes_its_audit_entry_on() -> None:
    assert {name for name, function in _mutations().items() if not _passes_the_entry(function)} == set()


_WRITES = {
    "write",
    "write_auto_commit",
    "write_transaction",
    "write_audited",
    "write_one_audited",
    "write_one_concluded",
}
# Writes that are no caller's attempt, so carry no entry: the audit log's own, the offline backup and
# restore of the CLI, the demo's seed, the webhook delivery loop (what it delivers committed with its entry).
_NOT_AN_ATTEMPT = {
    "audit.AuditService.conclude",
    "backup.BackupService.export",
    "backup.BackupService.prepare_restore",
    "backup.BackupService.restore",
    "backup.BackupService._write_batch",
    "demo._Demo.date",
    "webhooks.WebhookService.dispatch_once",
    "webhooks.WebhookService._attempt",
    # MLflow's "Default" experiment (id 0), made once on first use by an idempotent MERGE, as MLflow's
    # own server makes it at start: no caller's change.
    "mlflow_tracking.MlflowTrackingService.default_experiment",
}
# The MLflow import is its own caller: `_audited` prepares one entry per imported entity and hands it
# to the write (`_version` writes through it, the entry in the version's transaction).
_OPENS_ITS_OWN_ENTRY = {"mlflow_import.MlflowImport._audited", "mlflow_import.MlflowImport._version"}
# Coalesced metric logging: one transaction carries the entries of every call in it (each call's
# `audit=`, handed to MetricWrites.log), each written only with its run's change.
_CARRIES_ITS_CALLS_ENTRIES = {"mlflow_metric_writes.MetricWrites._write"}


def _unplaced_writers() -> set[str]:
    """Methods of service classes that write but take neither `audit` (they open the transaction that
    carries the attempt's entry) nor `tx` (they run in the caller's)."""
    found = set()
    for path in sorted(SERVICES.glob("*.py")):
        for cls in (n for n in ast.parse(path.read_text(encoding="utf-8")).body if isinstance(n, ast.ClassDef)):
            for method in (n for n in cls.body if isinstance(n, ast.AsyncFunctionDef)):
                called = {
                    node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
                    for node in ast.walk(method)
                    if isinstance(node, ast.Call)
                }
                params = {a.arg for a in [*method.args.args, *method.args.kwonlyargs]}
                if called & _WRITES and not params & {"audit", "tx"}:
                    found.add(f"{path.stem}.{cls.name}.{method.name}")
    return found


@pytest.mark.unit
def test_every_service_method_that_writes_names_its_transaction() -> None:
    assert _unplaced_writers() == _NOT_AN_ATTEMPT | _OPENS_ITS_OWN_ENTRY | _CARRIES_ITS_CALLS_ENTRIES


# --- live: the governance and webhook mutations, change and entry in one transaction --------------

_ENTRY_STATEMENTS = {"record_audit_entry", "finish_audit_entry"}


class EntriesOnlyInChanges(Database):
    """The suite's Neo4j, refusing any audit statement run on its own (outside a write transaction).

    An entry can then only commit as a statement of a change's transaction; its conclusion (written
    on its own) is refused, so every committed entry stays PENDING (or OK, written by the change itself:
    a registration): one found proves it rode in.
    """

    async def write(self, query_name: str, /, **params: Any) -> list[Row]:
        if query_name in _ENTRY_STATEMENTS:
            raise Unavailable(f"{query_name} refused outside a change's transaction (test)")
        return await super().write(query_name, **params)


Mint = Callable[[Role, str], Awaitable[Caller]]


@pytest.fixture(scope="module")
def entries_in_changes_api(secure_settings: Settings) -> Iterator[LiveServer]:
    settings = secure_settings.model_copy(update={"webhook_allow_private": True, "webhook_deliveries": False})
    uri, user, password = bootstrap.neo4j_credentials(settings)
    database = EntriesOnlyInChanges.connect(uri=uri, user=user, password=password, database=settings.neo4j_database)
    with LiveServer.serving(settings, database=database) as server:
        yield server


async def _minter(server: LiveServer, database: Database) -> AsyncIterator[Mint]:
    service = TokenService(database)
    clients: list[httpx.AsyncClient] = []

    async def mint(role: Role, label: str) -> Caller:
        created = await service.create(name=f"wire-{label}-{uuid.uuid4().hex[:10]}", role=role)
        http = httpx.AsyncClient(base_url=server.url, timeout=60, headers={"Authorization": f"Bearer {created.secret}"})
        clients.append(http)
        return Caller(http, name=created.record.name)

    yield mint
    for http in clients:
        await http.aclose()


@pytest.fixture
async def mint_wired(entries_in_changes_api: LiveServer, database: Database) -> AsyncIterator[Mint]:
    async for mint in _minter(entries_in_changes_api, database):
        yield mint


@pytest.fixture
async def mint_plain(secure_api: LiveServer, database: Database) -> AsyncIterator[Mint]:
    async for mint in _minter(secure_api, database):
        yield mint


LOG = """
query($a: String!) { auditLog(actor: $a, first: 100) { edges { node { operation outcome message } } } }
"""
TEAM_FIELDS = "name description members { actor role } policy { requiredApprovals requireProvenance }"
TEAM = f"query($t: String!) {{ team(name: $t) {{ {TEAM_FIELDS} }} }}"
CREATE_TEAM = f"mutation($t: String!, $d: String) {{ createTeam(name: $t, description: $d) {{ {TEAM_FIELDS} }} }}"
GRANT = "mutation($t: String!, $a: String!, $r: Role!) { grantTeamRole(team: $t, actor: $a, role: $r) { name } }"
REVOKE = "mutation($t: String!, $a: String!) { revokeTeamRole(team: $t, actor: $a) { name } }"
MODEL = "mutation($m: String!) { createModel(name: $m) { name } }"
VERSION = "mutation($m: String!) { createModelVersion(input: {model: $m}) { version } }"
MODEL_TEAM = "mutation($m: String!, $t: String) { setModelTeam(model: $m, team: $t) { team { name } } }"
OWNER = "query($m: String!) { model(name: $m) { team { name } versions { edges { node { version stage } } } } }"
POLICY = """
mutation($t: String, $input: PromotionPolicyInput!) { setPromotionPolicy(team: $t, input: $input) { requiredApprovals } }
"""
REQUEST_FIELDS = "id state decisions { actor approved }"
REQUEST = f"""
mutation($m: String!, $v: Int!) {{ requestStageTransition(model: $m, version: $v, stage: PRODUCTION) {{ {REQUEST_FIELDS} }} }}
"""
APPROVE = f"mutation($id: ID!) {{ approveStageTransition(id: $id) {{ {REQUEST_FIELDS} }} }}"
REJECT = f"mutation($id: ID!) {{ rejectStageTransition(id: $id) {{ {REQUEST_FIELDS} }} }}"
CANCEL = f"mutation($id: ID!) {{ cancelStageTransition(id: $id) {{ {REQUEST_FIELDS} }} }}"
PENDING_REQUESTS = "query($m: String!) { pendingTransitionRequests(model: $m) { id state decisions { actor } } }"
CREATE_HOOK = "mutation($u: String!, $m: String) { createWebhook(url: $u, model: $m) { webhook { id } } }"
TEST_HOOK = "mutation($id: ID!) { testWebhook(id: $id) { eventType attempts delivered } }"
DELETE_HOOK = "mutation($id: ID!) { deleteWebhook(id: $id) }"
HOOKS = "query { webhooks { id url } }"
# Port 9 (discard) on loopback: nothing listens, the test delivery's one attempt fails there.
HOOK_URL = "http://127.0.0.1:9/hook-{}"


async def _outcomes(reader: Caller, actor: str | None) -> list[tuple[str, str]]:
    """(operation, outcome) of the actor's entries, oldest first."""
    edges = (await reader.data(LOG, a=actor))["auditLog"]["edges"]
    return [(edge["node"]["operation"], edge["node"]["outcome"]) for edge in reversed(edges)]


async def test_each_governance_and_webhook_change_commits_with_its_entry(mint_wired: Mint, unique: str) -> None:
    admin = await mint_wired(Role.ADMIN, "admin")
    requester = await mint_wired(Role.READER, "requester")
    approver = await mint_wired(Role.READER, "approver")
    passing = await mint_wired(Role.READER, "passing")
    team, model = f"t-{unique}", f"m-{unique}"

    await admin.data(CREATE_TEAM, t=team, d="wired")
    await admin.data(GRANT, t=team, a=requester.name, r="WRITER")
    await admin.data(GRANT, t=team, a=approver.name, r="MAINTAINER")
    await admin.data(GRANT, t=team, a=passing.name, r="READER")
    await admin.data(REVOKE, t=team, a=passing.name)
    await admin.data(MODEL, m=model)
    await admin.data(VERSION, m=model)
    await admin.data(VERSION, m=model)
    assert (await admin.data(MODEL_TEAM, m=model, t=team))["setModelTeam"]["team"] == {"name": team}
    await admin.data(POLICY, t=team, input={"requiredApprovals": 1})
    first = (await requester.data(REQUEST, m=model, v=1))["requestStageTransition"]
    approved = (await approver.data(APPROVE, id=first["id"]))["approveStageTransition"]
    second = (await requester.data(REQUEST, m=model, v=2))["requestStageTransition"]
    rejected = (await approver.data(REJECT, id=second["id"]))["rejectStageTransition"]
    third = (await requester.data(REQUEST, m=model, v=2))["requestStageTransition"]
    cancelled = (await requester.data(CANCEL, id=third["id"]))["cancelStageTransition"]
    hook = (await admin.data(CREATE_HOOK, u=HOOK_URL.format(unique), m=model))["createWebhook"]["webhook"]["id"]
    tested = (await admin.data(TEST_HOOK, id=hook))["testWebhook"]
    assert (await admin.data(DELETE_HOOK, id=hook))["deleteWebhook"] is True

    # Every change committed ...
    found = (await admin.data(TEAM, t=team))["team"]
    assert found["description"] == "wired"
    assert sorted((m["actor"], m["role"]) for m in found["members"]) == sorted(
        [(requester.name, "WRITER"), (approver.name, "MAINTAINER")]
    )
    assert found["policy"]["requiredApprovals"] == 1
    owner = (await admin.data(OWNER, m=model))["model"]
    assert owner["team"] == {"name": team}
    assert {e["node"]["version"]: e["node"]["stage"] for e in owner["versions"]["edges"]} == {
        1: "PRODUCTION",
        2: "NONE",
    }
    assert (approved["state"], rejected["state"], cancelled["state"]) == ("APPROVED", "REJECTED", "CANCELLED")
    assert (tested["eventType"], tested["attempts"], tested["delivered"]) == ("TEST", 1, False)
    assert hook not in {h["id"] for h in (await admin.data(HOOKS))["webhooks"]}
    # ... with its entry, which nothing but the change's own transaction could have written.
    pending = "PENDING"
    assert await _outcomes(admin, admin.name) == [
        ("createTeam", pending),
        ("grantTeamRole", pending),
        ("grantTeamRole", pending),
        ("grantTeamRole", pending),
        ("revokeTeamRole", pending),
        ("createModel", pending),
        # A registration is one transaction and nothing after it: that transaction writes its entry OK
        # (services/audit.py, concludes_at_commit), which no write outside it could have done here.
        ("createModelVersion", "OK"),
        ("createModelVersion", "OK"),
        ("setModelTeam", pending),
        ("setPromotionPolicy", pending),
        ("createWebhook", pending),
        ("testWebhook", pending),
        ("deleteWebhook", pending),
    ]
    assert await _outcomes(admin, requester.name) == [
        ("requestStageTransition", pending),
        ("requestStageTransition", pending),
        ("requestStageTransition", pending),
        ("cancelStageTransition", pending),
    ]
    assert await _outcomes(admin, approver.name) == [
        ("approveStageTransition", pending),
        ("rejectStageTransition", pending),
    ]


async def test_each_refused_or_failed_change_leaves_its_entry_and_no_change(mint_plain: Mint, unique: str) -> None:
    admin = await mint_plain(Role.ADMIN, "admin")
    requester = await mint_plain(Role.READER, "requester")
    approver = await mint_plain(Role.READER, "approver")
    team, model, missing = f"t-{unique}", f"m-{unique}", f"missing-{unique}"
    await admin.data(CREATE_TEAM, t=team, d="first")
    await admin.data(MODEL, m=model)
    await admin.data(VERSION, m=model)

    assert await admin.code(CREATE_TEAM, t=team, d="second") == "CONFLICT"
    assert await admin.code(GRANT, t=team, a=missing, r="WRITER") == "NOT_FOUND"
    assert await admin.code(REVOKE, t=team, a=requester.name) == "NOT_FOUND"
    assert await admin.code(MODEL_TEAM, m=model, t=missing) == "NOT_FOUND"
    assert await admin.code(POLICY, t=missing, input={"requiredApprovals": 1}) == "NOT_FOUND"
    found = (await admin.data(TEAM, t=team))["team"]
    assert (found["description"], found["members"], found["policy"]["requiredApprovals"]) == ("first", [], 0)
    assert (await admin.data(OWNER, m=model))["model"]["team"] is None

    await admin.data(GRANT, t=team, a=requester.name, r="MAINTAINER")
    await admin.data(GRANT, t=team, a=approver.name, r="MAINTAINER")
    await admin.data(MODEL_TEAM, m=model, t=team)
    # One approval completes the count, but the version has no provenance: the move is refused.
    await admin.data(POLICY, t=team, input={"requiredApprovals": 1, "requireProvenance": True})
    assert await requester.code(REQUEST, m=model, v=9) == "NOT_FOUND"
    assert (await admin.data(PENDING_REQUESTS, m=model))["pendingTransitionRequests"] == []
    request = (await requester.data(REQUEST, m=model, v=1))["requestStageTransition"]["id"]
    assert await requester.code(APPROVE, id=request) == "FORBIDDEN"  # the requester's own
    assert await approver.code(APPROVE, id=request) == "PRECONDITION_FAILED"
    still = (await admin.data(PENDING_REQUESTS, m=model))["pendingTransitionRequests"]
    assert [(r["id"], r["state"], r["decisions"]) for r in still] == [(request, "PENDING", [])]
    versions = (await admin.data(OWNER, m=model))["model"]["versions"]["edges"]
    assert [e["node"]["stage"] for e in versions] == ["NONE"]
    await approver.data(REJECT, id=request)
    assert await approver.code(REJECT, id=request) == "CONFLICT"
    assert await requester.code(CANCEL, id=request) == "CONFLICT"

    hooks_before = (await admin.data(HOOKS))["webhooks"]
    assert await admin.code(CREATE_HOOK, u=HOOK_URL.format(unique), m=model) == "INVALID_INPUT"  # loopback
    assert await admin.code(TEST_HOOK, id=ids.global_id("Webhook", missing)) == "NOT_FOUND"
    assert await admin.code(DELETE_HOOK, id=ids.global_id("Model", missing)) == "INVALID_INPUT"
    assert (await admin.data(HOOKS))["webhooks"] == hooks_before

    assert await _outcomes(admin, admin.name) == [
        ("createTeam", "OK"),
        ("createModel", "OK"),
        ("createModelVersion", "OK"),
        ("createTeam", "CONFLICT"),
        ("grantTeamRole", "NOT_FOUND"),
        ("revokeTeamRole", "NOT_FOUND"),
        ("setModelTeam", "NOT_FOUND"),
        ("setPromotionPolicy", "NOT_FOUND"),
        ("grantTeamRole", "OK"),
        ("grantTeamRole", "OK"),
        ("setModelTeam", "OK"),
        ("setPromotionPolicy", "OK"),
        ("createWebhook", "INVALID_INPUT"),
        ("testWebhook", "NOT_FOUND"),
        ("deleteWebhook", "INVALID_INPUT"),
    ]
    assert await _outcomes(admin, requester.name) == [
        ("requestStageTransition", "NOT_FOUND"),
        ("requestStageTransition", "OK"),
        ("approveStageTransition", "FORBIDDEN"),
        ("cancelStageTransition", "CONFLICT"),
    ]
    assert await _outcomes(admin, approver.name) == [
        ("approveStageTransition", "PRECONDITION_FAILED"),
        ("rejectStageTransition", "OK"),
        ("rejectStageTransition", "CONFLICT"),
    ]
