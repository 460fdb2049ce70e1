"""Four-eyes approvals through HTTP: requester never approves, N approvals move the version once."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from websockets.asyncio.client import connect

from graph_registry.services.tokens import Role
from tests.governance.conftest import STAGE, VERSION, Mint, make_model, make_team
from tests.governance.test_policies import POLICY
from tests.live_server import LiveServer
from tests.security.client import Caller

REQUEST_FIELDS = (
    "id state requiredApprovals requestedBy to decisions { actor approved comment } modelVersion { version stage }"
)
REQUEST = f"""
mutation($m: String!, $v: Int!, $c: String) {{
  requestStageTransition(model: $m, version: $v, stage: PRODUCTION, comment: $c) {{ {REQUEST_FIELDS} }}
}}
"""
APPROVE = f"mutation($id: ID!, $c: String) {{ approveStageTransition(id: $id, comment: $c) {{ {REQUEST_FIELDS} }} }}"
REJECT = f"mutation($id: ID!, $c: String) {{ rejectStageTransition(id: $id, comment: $c) {{ {REQUEST_FIELDS} }} }}"
CANCEL = f"mutation($id: ID!) {{ cancelStageTransition(id: $id) {{ {REQUEST_FIELDS} }} }}"
HISTORY = """
query($m: String!, $v: Int!) {
  modelVersion(model: $m, version: $v) {
    stage stageHistory { from to actor approvedBy comment }
    transitionRequests { state decisions { actor } checks { rule passed } }
  }
}
"""
PENDING = "query($t: String, $m: String) { pendingTransitionRequests(team: $t, model: $m) { id state modelVersion { version } } }"


@dataclass
class Governed:
    team: str
    model: str
    requester: Caller
    maintainers: list[Caller]
    writer: Caller
    admin: Caller


async def governed(
    mint: Mint,
    admin: Caller,
    unique: str,
    *,
    approvals: int,
    maintainers: int = 3,
    versions: int = 3,
    policy: dict[str, Any] | None = None,
) -> Governed:
    requester = await mint(Role.READER, "requester")
    writer = await mint(Role.READER, "writer")
    approvers = [await mint(Role.READER, f"maintainer{n}") for n in range(maintainers)]
    members = {requester.name: "WRITER", writer.name: "WRITER", **{m.name: "MAINTAINER" for m in approvers}}
    team = await make_team(admin, f"t-{unique}", members)  # type: ignore[arg-type]
    await admin.data(POLICY, t=team, input={"requiredApprovals": approvals, **(policy or {})})
    model = await make_model(admin, f"m-{unique}", team, versions=versions)
    return Governed(team, model, requester, approvers, writer, admin)


async def test_two_of_two_moves_the_version_with_its_approvers_in_the_history(
    mint: Mint, admin: Caller, unique: str
) -> None:
    g = await governed(mint, admin, unique, approvals=2)
    m1, m2, m3 = g.maintainers
    # Under a policy that needs approvals, the direct move is refused and names the request flow.
    body = await m1.execute(STAGE, m=g.model, v=1, s="PRODUCTION")
    assert body["errors"][0]["extensions"]["code"] == "PRECONDITION_FAILED"
    assert "requestStageTransition" in body["errors"][0]["message"]
    opened = (await g.requester.data(REQUEST, m=g.model, v=1, c="ready"))["requestStageTransition"]
    assert opened["state"] == "PENDING" and opened["requiredApprovals"] == 2
    assert await g.writer.code(REQUEST, m=g.model, v=1) == "CONFLICT"
    pending = (await g.writer.data(PENDING, t=g.team))["pendingTransitionRequests"]
    assert [p["id"] for p in pending] == [opened["id"]]
    before_move = datetime.now(UTC).isoformat()
    # The requester never approves; a writer is no maintainer.
    assert await g.requester.code(APPROVE, id=opened["id"]) == "FORBIDDEN"
    assert await g.writer.code(APPROVE, id=opened["id"]) == "FORBIDDEN"
    first = (await m1.data(APPROVE, id=opened["id"], c="looks fine"))["approveStageTransition"]
    assert first["state"] == "PENDING" and first["modelVersion"]["stage"] == "NONE"
    assert await m1.code(APPROVE, id=opened["id"]) == "CONFLICT"
    done = (await m2.data(APPROVE, id=opened["id"]))["approveStageTransition"]
    assert done["state"] == "APPROVED" and done["modelVersion"] == {"version": 1, "stage": "PRODUCTION"}
    assert [(d["actor"], d["approved"]) for d in done["decisions"]] == [(m1.name, True), (m2.name, True)]
    assert await m3.code(APPROVE, id=opened["id"]) == "CONFLICT"
    history = (await g.writer.data(HISTORY, m=g.model, v=1))["modelVersion"]
    assert history["stageHistory"] == [
        {"from": "NONE", "to": "PRODUCTION", "actor": m2.name, "approvedBy": [m1.name, m2.name], "comment": "ready"}
    ]
    assert history["transitionRequests"][0]["state"] == "APPROVED"
    # Point in time: before the approved move nothing was in PRODUCTION, after it v1 is.
    at = "query($m: String!, $at: DateTime) { modelVersion(model: $m, stage: PRODUCTION, at: $at) { version } }"
    assert (await g.writer.data(at, m=g.model, at=before_move))["modelVersion"] is None
    assert (await g.writer.data(at, m=g.model, at=datetime.now(UTC).isoformat()))["modelVersion"] == {"version": 1}
    assert (await g.writer.data(PENDING, m=g.model))["pendingTransitionRequests"] == []
    # The next promotion archives v1 in the same move (archiveExisting), again through a request.
    second = (await g.requester.data(REQUEST, m=g.model, v=2))["requestStageTransition"]
    await m3.data(APPROVE, id=second["id"])
    await m1.data(APPROVE, id=second["id"])
    assert (await g.writer.data(HISTORY, m=g.model, v=1))["modelVersion"]["stage"] == "ARCHIVED"
    assert (await g.writer.data(HISTORY, m=g.model, v=2))["modelVersion"]["stage"] == "PRODUCTION"
    # Every decision is in the audit log, refusals included (the refused ones by their actor and arguments).
    log = "query($a: String!) { auditLog(actor: $a, first: 100) { edges { node { operation outcome model } } } }"
    seen = set()
    for caller in (g.requester, g.writer, m1, m2):
        for edge in (await admin.data(log, a=caller.name))["auditLog"]["edges"]:
            seen.add((edge["node"]["operation"], edge["node"]["outcome"], caller.name))
    assert {
        ("requestStageTransition", "OK", g.requester.name),
        ("approveStageTransition", "FORBIDDEN", g.requester.name),
        ("approveStageTransition", "FORBIDDEN", g.writer.name),
        ("approveStageTransition", "OK", m1.name),
        ("approveStageTransition", "CONFLICT", m1.name),
        ("approveStageTransition", "OK", m2.name),
    } <= seen


async def test_an_admin_requester_cannot_approve_its_own_request(mint: Mint, admin: Caller, unique: str) -> None:
    g = await governed(mint, admin, unique, approvals=1)
    opened = (await admin.data(REQUEST, m=g.model, v=1))["requestStageTransition"]
    assert await admin.code(APPROVE, id=opened["id"]) == "FORBIDDEN"
    other_admin = await mint(Role.ADMIN, "admin2")
    assert (await other_admin.data(APPROVE, id=opened["id"]))["approveStageTransition"]["state"] == "APPROVED"


async def test_rejection_cancellation_and_expiry_end_a_request(mint: Mint, admin: Caller, unique: str) -> None:
    g = await governed(mint, admin, unique, approvals=2, versions=4)
    m1, m2, _ = g.maintainers
    rejected = (await g.requester.data(REQUEST, m=g.model, v=1))["requestStageTransition"]
    await m1.data(APPROVE, id=rejected["id"])
    ended = (await m2.data(REJECT, id=rejected["id"], c="not yet"))["rejectStageTransition"]
    assert ended["state"] == "REJECTED"
    assert [(d["actor"], d["approved"], d["comment"]) for d in ended["decisions"]][-1] == (m2.name, False, "not yet")
    assert await g.maintainers[2].code(APPROVE, id=rejected["id"]) == "CONFLICT"
    # A new request for the same version may be opened once the old one ended.
    cancelled = (await g.requester.data(REQUEST, m=g.model, v=1))["requestStageTransition"]
    assert await g.writer.code(CANCEL, id=cancelled["id"]) == "FORBIDDEN"
    assert (await g.requester.data(CANCEL, id=cancelled["id"]))["cancelStageTransition"]["state"] == "CANCELLED"
    assert await g.requester.code(CANCEL, id=cancelled["id"]) == "CONFLICT"
    # Deleting the version (soft) expires its request; so does moving it by other means.
    deleted = (await g.requester.data(REQUEST, m=g.model, v=2))["requestStageTransition"]
    await g.writer.data("mutation($m: String!) { deleteModelVersion(model: $m, version: 2) }", m=g.model)
    moved = (await g.requester.data(REQUEST, m=g.model, v=3))["requestStageTransition"]
    await g.writer.data(STAGE, m=g.model, v=3, s="STAGING")
    hard = (await g.requester.data(REQUEST, m=g.model, v=4))["requestStageTransition"]
    await m1.data("mutation($m: String!) { deleteModelVersion(model: $m, version: 4, hard: true) }", m=g.model)
    states = "query($id: ID!) { node(id: $id) { ... on StageTransitionRequest { state modelVersion { deleted } } } }"
    for request in (deleted, moved, hard):
        assert await m1.code(APPROVE, id=request["id"]) == "CONFLICT"
    assert (await g.writer.data(PENDING, m=g.model))["pendingTransitionRequests"] == []
    history = await g.writer.data(HISTORY, m=g.model, v=3)
    assert [r["state"] for r in history["modelVersion"]["transitionRequests"]] == ["EXPIRED"]
    del states


async def test_an_approval_whose_rules_fail_is_not_recorded(mint: Mint, admin: Caller, unique: str) -> None:
    g = await governed(
        mint,
        admin,
        unique,
        approvals=2,
        versions=0,
        policy={"metricRules": [{"metric": "auc", "op": ">=", "value": 0.9}]},
    )
    await admin.data(
        'mutation($m: String!) { createModelVersion(input: {model: $m, metrics: [{key: "auc", value: 0.8}]}) { version } }',
        m=g.model,
    )
    opened = (await g.requester.data(REQUEST, m=g.model, v=1))["requestStageTransition"]
    await g.maintainers[0].data(APPROVE, id=opened["id"])
    body = await g.maintainers[1].execute(APPROVE, id=opened["id"])
    error = body["errors"][0]
    assert error["extensions"]["code"] == "PRECONDITION_FAILED"
    assert error["extensions"]["failedRules"] == ["metric auc >= 0.9"]
    after = (await g.writer.data(HISTORY, m=g.model, v=1))["modelVersion"]
    assert after["stage"] == "NONE" and after["stageHistory"] == []
    request = after["transitionRequests"][0]
    assert request["state"] == "PENDING" and [d["actor"] for d in request["decisions"]] == [g.maintainers[0].name]
    assert {"rule": "metric auc >= 0.9", "passed": False} in request["checks"]


async def test_ten_concurrent_approvals_move_the_version_exactly_once(mint: Mint, admin: Caller, unique: str) -> None:
    g = await governed(mint, admin, unique, approvals=2, maintainers=10, versions=1)
    opened = (await g.requester.data(REQUEST, m=g.model, v=1))["requestStageTransition"]
    outcomes = await asyncio.gather(*(m.code(APPROVE, id=opened["id"]) for m in g.maintainers))
    assert sorted(outcomes, key=str) == sorted([None, None] + ["CONFLICT"] * 8, key=str), outcomes
    history = (await g.writer.data(HISTORY, m=g.model, v=1))["modelVersion"]
    assert history["stage"] == "PRODUCTION"
    assert len(history["stageHistory"]) == 1
    approvers = history["stageHistory"][0]["approvedBy"]
    winners = {m.name for m, outcome in zip(g.maintainers, outcomes, strict=True) if outcome is None}
    assert len(approvers) == 2 and set(approvers) == winners
    assert [d["actor"] for d in history["transitionRequests"][0]["decisions"]] == approvers


EVENTS = """
subscription($m: String, $since: DateTime) { modelEvents(model: $m, since: $since) { type actor detail } }
"""


@contextlib.asynccontextmanager
async def _events(url: str, caller: Caller, **variables: Any) -> AsyncIterator[Any]:
    async with connect(url.replace("http", "ws", 1) + "/graphql", subprotocols=["graphql-transport-ws"]) as socket:
        payload = {"Authorization": caller.http.headers["Authorization"]}
        await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        assert json.loads(await asyncio.wait_for(socket.recv(), 60))["type"] == "connection_ack"
        await socket.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": EVENTS, "variables": variables}})
        )
        yield socket


async def test_subscribers_see_the_transition_events(
    mint: Mint, admin: Caller, unique: str, governed_api: LiveServer
) -> None:
    since = datetime.now(UTC).isoformat()
    g = await governed(mint, admin, unique, approvals=2, versions=2)
    m1, m2, _ = g.maintainers
    first = (await g.requester.data(REQUEST, m=g.model, v=1))["requestStageTransition"]
    await m1.data(APPROVE, id=first["id"])
    await m2.data(APPROVE, id=first["id"])
    second = (await g.requester.data(REQUEST, m=g.model, v=2))["requestStageTransition"]
    await m1.data(REJECT, id=second["id"])
    third = (await g.requester.data(REQUEST, m=g.model, v=2))["requestStageTransition"]
    await g.requester.data(CANCEL, id=third["id"])
    fourth = (await g.requester.data(REQUEST, m=g.model, v=2))["requestStageTransition"]
    await g.writer.data(STAGE, m=g.model, v=2, s="STAGING")
    del fourth
    seen: list[tuple[str, str]] = []
    async with _events(governed_api.url, g.writer, m=g.model, since=since) as socket:
        while len(seen) < 13:
            message = json.loads(await asyncio.wait_for(socket.recv(), 60))
            if message["type"] == "ping":
                await socket.send(json.dumps({"type": "pong"}))
                continue
            assert message["type"] == "next", message
            event = message["payload"]["data"]["modelEvents"]
            seen.append((event["type"], event["actor"]))
    assert seen == [
        ("VERSION_CREATED", admin.name),
        ("VERSION_CREATED", admin.name),
        ("TRANSITION_REQUESTED", g.requester.name),
        ("TRANSITION_APPROVED", m1.name),
        ("TRANSITION_APPROVED", m2.name),
        ("STAGE_CHANGED", m2.name),
        ("TRANSITION_REQUESTED", g.requester.name),
        ("TRANSITION_REJECTED", m1.name),
        ("TRANSITION_REQUESTED", g.requester.name),
        ("TRANSITION_CANCELLED", g.requester.name),
        ("TRANSITION_REQUESTED", g.requester.name),
        ("STAGE_CHANGED", g.writer.name),
        ("TRANSITION_EXPIRED", g.writer.name),
    ]


@pytest.mark.parametrize("stage", ["STAGING", "ARCHIVED"])
async def test_only_production_moves_are_requested(mint: Mint, admin: Caller, unique: str, stage: str) -> None:
    g = await governed(mint, admin, unique, approvals=1, versions=1)
    query = "mutation($m: String!, $s: Stage!) { requestStageTransition(model: $m, version: 1, stage: $s) { id } }"
    assert await g.requester.code(query, m=g.model, s=stage) == "INVALID_INPUT"
    assert await g.requester.code(VERSION, m=g.model) is None
