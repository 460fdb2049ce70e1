"""The audit log: every state-changing attempt with who, when, what and how it ended; read-only."""

from __future__ import annotations

from typing import Any

import httpx

from graph_registry.services.tokens import Role, TokenService
from graph_registry.storage.database import Database
from tests.live_server import LiveServer
from tests.security.client import Caller

LOG = """
query($m: String, $v: Int, $first: Int = 100, $after: String) {
  auditLog(model: $m, version: $v, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id at actor role operation outcome model version arguments requestId clientRequestId message } }
  }
}
"""
VERSION = "mutation($m: String!) { createModelVersion(input: {model: $m}) { version } }"
STAGE = "mutation($m: String!, $v: Int!, $s: Stage!) { transitionStage(model: $m, version: $v, stage: $s) { stage } }"
ALIAS = "mutation($m: String!, $a: String!, $v: Int!) { setAlias(model: $m, alias: $a, version: $v) { version } }"


async def _log(caller: Caller, model: str, version: int | None = None) -> list[dict[str, Any]]:
    result = await caller.data(LOG, m=model, v=version)
    return [edge["node"] for edge in result["auditLog"]["edges"]]


def _summary(entries: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(e["operation"], e["outcome"], e["actor"], e["version"]) for e in entries]


async def test_every_attempt_is_logged_per_model_and_version(
    reader: Caller, writer: Caller, maintainer: Caller, unique: str
) -> None:
    model = f"m-{unique}"
    await writer.data('mutation($m: String!) { createModel(name: $m, description: "audited") { name } }', m=model)
    await writer.data(VERSION, m=model)
    await writer.data(VERSION, m=model)
    await writer.data(STAGE, m=model, v=1, s="STAGING")
    await writer.data(ALIAS, m=model, a="challenger", v=1)
    await maintainer.data(STAGE, m=model, v=2, s="PRODUCTION")
    assert await writer.code(STAGE, m=model, v=1, s="PRODUCTION") == "FORBIDDEN"
    assert await writer.code(ALIAS, m=model, a="champion", v=2) == "FORBIDDEN"
    assert await writer.code(STAGE, m=model, v=9, s="STAGING") == "NOT_FOUND"

    entries = await _log(reader, model)
    assert _summary(entries) == [  # newest first
        ("transitionStage", "NOT_FOUND", writer.name, 9),
        ("setAlias", "FORBIDDEN", writer.name, 2),
        ("transitionStage", "FORBIDDEN", writer.name, 1),
        ("transitionStage", "OK", maintainer.name, 2),
        ("setAlias", "OK", writer.name, 1),
        ("transitionStage", "OK", writer.name, 1),
        ("createModelVersion", "OK", writer.name, 2),  # the number comes from the answer
        ("createModelVersion", "OK", writer.name, 1),
        ("createModel", "OK", writer.name, None),
    ]
    refused = entries[1]
    assert refused["role"] == "writer"
    assert "maintainer" in refused["message"]
    assert '"alias":"champion"' in refused["arguments"]
    assert [e["at"] for e in entries] == sorted((e["at"] for e in entries), reverse=True)

    of_v1 = await _log(reader, model, 1)
    assert _summary(of_v1) == [e for e in _summary(entries) if e[3] == 1]


async def test_pages_follow_cursors_without_gaps(reader: Caller, writer: Caller, unique: str) -> None:
    model = f"m-{unique}"
    for _ in range(5):
        await writer.data(VERSION, m=model)
    everything = [e["id"] for e in await _log(reader, model)]
    seen: list[str] = []
    after = None
    while True:
        page = (await reader.data(LOG, m=model, first=2, after=after))["auditLog"]
        assert page["totalCount"] == 5
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == everything and len(seen) == 5


async def test_an_entry_commits_with_its_change_or_is_written_once_with_the_failure(
    reader: Caller, writer: Caller, unique: str
) -> None:
    """The entry rides in the mutation's own write transaction: a change rolled back inside it
    (a missing dataset found mid-transaction) leaves one entry with the error, never a PENDING
    one nor an OK one; a change that commits has one OK entry, numbered after the fact."""
    model = f"m-{unique}"
    missing = (
        'mutation($m: String!) { createModelVersion(input: {model: $m, trainedOn: [{dataset: "gone-'
        + unique
        + '", version: 1}], commit: {repo: "github.com/acme/a", sha: "'
        + "a" * 40
        + '"}}) { version } }'
    )
    assert await writer.code(missing, m=model) == "NOT_FOUND"
    await writer.data(VERSION, m=model)
    bad_tag = (
        'mutation($m: String!) { createModelVersion(input: {model: $m, tags: [{key: "", value: "v"}]}) { version } }'
    )
    assert await writer.code(bad_tag, m=model) == "INVALID_INPUT"
    assert _summary(await _log(reader, model)) == [
        ("createModelVersion", "INVALID_INPUT", writer.name, None),
        ("createModelVersion", "OK", writer.name, 1),
        ("createModelVersion", "NOT_FOUND", writer.name, None),
    ]
    versions = await reader.data("query($m: String!) { model(name: $m) { versions { totalCount } } }", m=model)
    assert versions["model"]["versions"]["totalCount"] == 1


async def test_the_whole_log_pages_newest_first_by_actor(
    reader: Caller, writer: Caller, secure_api: LiveServer, database: Database, unique: str
) -> None:
    """The registry-wide log is walked along its time index; an actor's entries come out complete,
    in order, with others' entries interleaved in time."""
    created = await TokenService(database).create(name=f"audited-{unique}", role=Role.WRITER)
    headers = {"Authorization": f"Bearer {created.secret}"}
    async with httpx.AsyncClient(base_url=secure_api.url, timeout=60, headers=headers) as http:
        actor = Caller(http, name=created.record.name)
        for number in range(5):
            await actor.data(VERSION, m=f"m-{unique}")
            await writer.data(VERSION, m=f"other-{unique}-{number}")
    query = """query($a: String!, $after: String) {
      auditLog(actor: $a, first: 2, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { id at actor version } }
      }
    }"""
    seen: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await reader.data(query, a=actor.name, after=after))["auditLog"]
        assert page["totalCount"] == 5
        seen += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert [entry["version"] for entry in seen] == [5, 4, 3, 2, 1]
    assert {entry["actor"] for entry in seen} == {actor.name}
    assert [entry["id"] for entry in seen] == [entry["id"] for entry in await _log(reader, f"m-{unique}")]


async def test_the_request_id_ties_an_entry_to_the_server_log(writer: Caller, reader: Caller, unique: str) -> None:
    """The server allocates the id it records (#21 finding 6); the caller's X-Request-Id is kept beside it."""
    model = f"m-{unique}"
    response = await writer.http.post(
        "/graphql", json={"query": VERSION, "variables": {"m": model}}, headers={"X-Request-Id": f"req-{unique}"}
    )
    [entry] = await _log(reader, model)
    assert entry["requestId"] == response.headers["x-request-id"] != f"req-{unique}"
    assert entry["clientRequestId"] == f"req-{unique}"


async def test_a_caller_cannot_give_its_entry_another_requests_id(writer: Caller, reader: Caller, unique: str) -> None:
    model = f"m-{unique}"
    first = await writer.http.post("/graphql", json={"query": VERSION, "variables": {"m": model}})
    stolen = first.headers["x-request-id"]
    await writer.http.post(
        "/graphql", json={"query": VERSION, "variables": {"m": model}}, headers={"X-Request-Id": stolen}
    )
    entries = await _log(reader, model)
    assert len({entry["requestId"] for entry in entries}) == 2
    assert [entry["clientRequestId"] for entry in entries] == [stolen, None]


async def test_entries_outlive_what_they_describe(
    reader: Caller, writer: Caller, maintainer: Caller, unique: str
) -> None:
    model = f"m-{unique}"
    await writer.data(VERSION, m=model)
    deleted = await maintainer.data(
        "mutation($m: String!) { deleteModelVersion(model: $m, version: 1, hard: true) }", m=model
    )
    assert deleted == {"deleteModelVersion": True}
    gone = await reader.data("query($m: String!) { modelVersion(model: $m, version: 1) { version } }", m=model)
    assert gone == {"modelVersion": None}
    assert _summary(await _log(reader, model, 1)) == [
        ("deleteModelVersion", "OK", maintainer.name, 1),
        ("createModelVersion", "OK", writer.name, 1),
    ]


async def test_a_version_needs_its_model(reader: Caller) -> None:
    assert await reader.code("{ auditLog(version: 1) { totalCount } }") == "INVALID_INPUT"


TOKEN_LOG = (
    "query($a: String!) { auditLog(actor: $a, first: 100) { edges { node { operation outcome arguments message } } } }"
)


async def test_token_administration_is_for_admins_to_read(
    reader: Caller, writer: Caller, admin: Caller, unique: str
) -> None:
    """Readers see that tokens were minted and revoked, not their names, roles or expiries (#21 finding 7)."""
    name = f"audited-{unique}"
    mint = (
        'mutation($n: String!) { createApiToken(name: $n, role: ADMIN, expiresAt: "2099-01-01T00:00:00Z") { token } }'
    )
    await admin.data(mint, n=name)
    await admin.data("mutation($n: String!) { revokeApiToken(name: $n) { active } }", n=name)
    assert await writer.code(mint, n=f"{name}-refused") == "FORBIDDEN"

    def mine(result: dict[str, Any]) -> list[dict[str, Any]]:
        nodes = [edge["node"] for edge in result["auditLog"]["edges"]]
        return [node for node in nodes if node["operation"] in ("createApiToken", "revokeApiToken")]

    for actor in (admin.name, writer.name):
        seen = mine(await reader.data(TOKEN_LOG, a=actor))
        assert seen and all(node["arguments"] is None and node["message"] is None for node in seen), seen
        assert name not in str(await reader.execute(TOKEN_LOG, a=actor))
    by_admin = mine(await admin.data(TOKEN_LOG, a=admin.name))
    assert [node["operation"] for node in by_admin][:2] == ["revokeApiToken", "createApiToken"]
    assert name in by_admin[0]["arguments"] and "2099" in by_admin[1]["arguments"]
    refused = mine(await admin.data(TOKEN_LOG, a=writer.name))
    assert refused[0]["outcome"] == "FORBIDDEN" and f"{name}-refused" in refused[0]["arguments"]
