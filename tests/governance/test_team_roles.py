"""The role matrix across two teams, through HTTP: each mutation x 8 kinds of principal.

The model lives in team A. A token's effective role on it is the higher of its role in
team A and its registry-wide role, so: a registry-wide reader without team roles reads
only; a writer or maintainer of team A writes or maintains; the same roles in team B
count for nothing here; registry-wide writers, maintainers and admins act everywhere.
A refused call is FORBIDDEN and leaves everything as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from graph_registry.services.tokens import Role
from tests.governance.conftest import STAGE, VERSION, Mint, make_model, make_team
from tests.security.client import Caller

# Principal kind -> its effective role on a model of team A, and (for "anywhere" needs) its best role anywhere.
KINDS = {
    "reader": (Role.READER, Role.READER),
    "writer of A": (Role.WRITER, Role.WRITER),
    "maintainer of A": (Role.MAINTAINER, Role.MAINTAINER),
    "writer of B": (Role.READER, Role.WRITER),
    "maintainer of B": (Role.READER, Role.MAINTAINER),
    "registry writer": (Role.WRITER, Role.WRITER),
    "registry maintainer": (Role.MAINTAINER, Role.MAINTAINER),
    "admin": (Role.ADMIN, Role.ADMIN),
}


@dataclass
class World:
    team_a: str
    team_b: str
    model: str
    target: str  # a token whose team roles the grant cases change
    callers: dict[str, Caller]
    request: str  # an open request (by a registry-wide writer) to move v1 to PRODUCTION


@dataclass(frozen=True)
class Case:
    id: str
    query: str
    # The least effective role on the model (its team A); None: judged elsewhere (see `judge`).
    needs: Role
    variables: Callable[[World, str], dict[str, Any]]
    judge: Callable[[str], bool] | None = None


def on_model(kind: str, needs: Role) -> bool:
    return KINDS[kind][0].allows(needs)


def in_both_a_and_registry(kind: str) -> bool:
    """setModelTeam to no team (or to team B): maintainer of the model's team and of the destination."""
    return kind in ("registry maintainer", "admin")


def only_admin(kind: str) -> bool:
    """cancelStageTransition: the requester (not one of the kinds here) or an admin."""
    return kind == "admin"


def anywhere(kind: str) -> bool:
    return KINDS[kind][1].allows(Role.WRITER)


ALIAS = "mutation($m: String!, $a: String!) { setAlias(model: $m, alias: $a, version: 1) { version } }"
CASES = [
    Case(
        "update the model",
        'mutation($m: String!) { updateModel(name: $m, description: "d") { name } }',
        Role.WRITER,
        lambda w, k: {"m": w.model},
    ),
    Case("add a version", VERSION, Role.WRITER, lambda w, k: {"m": w.model}),
    Case(
        "create a model in team A",
        "mutation($m: String!, $t: String) { createModel(name: $m, team: $t) { name } }",
        Role.WRITER,
        lambda w, k: {"m": f"{w.model}-{k.replace(' ', '-')}", "t": w.team_a},
    ),
    Case(
        "create a model in team A with its first version",
        "mutation($m: String!, $t: String) { createModelVersion(input: {model: $m, team: $t}) { version } }",
        Role.WRITER,
        lambda w, k: {"m": f"{w.model}-v-{k.replace(' ', '-')}", "t": w.team_a},
    ),
    Case("stage to STAGING", STAGE, Role.WRITER, lambda w, k: {"m": w.model, "v": 1, "s": "STAGING"}),
    Case("stage to PRODUCTION", STAGE, Role.MAINTAINER, lambda w, k: {"m": w.model, "v": 1, "s": "PRODUCTION"}),
    Case("take PRODUCTION out", STAGE, Role.MAINTAINER, lambda w, k: {"m": w.model, "v": 2, "s": "ARCHIVED"}),
    Case("set a plain alias", ALIAS, Role.WRITER, lambda w, k: {"m": w.model, "a": "challenger"}),
    Case("set champion", ALIAS, Role.MAINTAINER, lambda w, k: {"m": w.model, "a": "champion"}),
    Case(
        "delete a plain alias",
        'mutation($m: String!) { deleteAlias(model: $m, alias: "canary") }',
        Role.WRITER,
        lambda w, k: {"m": w.model},
    ),
    Case(
        "soft-delete a version",
        "mutation($m: String!) { deleteModelVersion(model: $m, version: 1) }",
        Role.WRITER,
        lambda w, k: {"m": w.model},
    ),
    Case(
        "hard-delete a version",
        "mutation($m: String!) { deleteModelVersion(model: $m, version: 1, hard: true) }",
        Role.MAINTAINER,
        lambda w, k: {"m": w.model},
    ),
    Case(
        "start an artifact upload",
        "mutation($m: String!) { createArtifactUpload(model: $m, version: 1) { url } }",
        Role.WRITER,
        lambda w, k: {"m": w.model},
    ),
    Case(
        "start a run (anywhere)",
        'mutation { startRun(input: {experiment: "gov-matrix"}) { runId } }',
        Role.WRITER,
        lambda w, k: {},
        judge=anywhere,
    ),
    Case(
        "grant a role in team A",
        "mutation($t: String!, $a: String!) { grantTeamRole(team: $t, actor: $a, role: WRITER) { name } }",
        Role.MAINTAINER,
        lambda w, k: {"t": w.team_a, "a": w.target},
    ),
    Case(
        "revoke a role in team A",
        "mutation($t: String!, $a: String!) { revokeTeamRole(team: $t, actor: $a) { name } }",
        Role.MAINTAINER,
        lambda w, k: {"t": w.team_a, "a": w.target},
    ),
    Case(
        "move the model to team B",
        "mutation($m: String!, $t: String) { setModelTeam(model: $m, team: $t) { name } }",
        Role.MAINTAINER,
        lambda w, k: {"m": w.model, "t": w.team_b},
        judge=in_both_a_and_registry,
    ),
    Case(
        "move the model out of its team",
        "mutation($m: String!) { setModelTeam(model: $m, team: null) { name } }",
        Role.MAINTAINER,
        lambda w, k: {"m": w.model},
        judge=in_both_a_and_registry,
    ),
    Case(
        "set team A's policy",
        "mutation($t: String) { setPromotionPolicy(team: $t, input: {requiredApprovals: 1}) { requiredApprovals } }",
        Role.MAINTAINER,
        lambda w, k: {"t": w.team_a},
    ),
    Case(
        "set the registry-wide policy",
        "mutation { setPromotionPolicy(input: {}) { requiredApprovals } }",
        Role.ADMIN,
        lambda w, k: {},
    ),
    Case(
        "request PRODUCTION",
        "mutation($m: String!) { requestStageTransition(model: $m, version: 3, stage: PRODUCTION) { id } }",
        Role.WRITER,
        lambda w, k: {"m": w.model},
    ),
    Case(
        "approve a request",
        "mutation($id: ID!) { approveStageTransition(id: $id) { state } }",
        Role.MAINTAINER,
        lambda w, k: {"id": w.request},
    ),
    Case(
        "reject a request",
        "mutation($id: ID!) { rejectStageTransition(id: $id) { state } }",
        Role.MAINTAINER,
        lambda w, k: {"id": w.request},
    ),
    Case(
        "cancel a request",
        "mutation($id: ID!) { cancelStageTransition(id: $id) { state } }",
        Role.WRITER,
        lambda w, k: {"id": w.request},
        judge=only_admin,
    ),
    Case(
        "create a team",
        "mutation($t: String!) { createTeam(name: $t) { name } }",
        Role.ADMIN,
        lambda w, k: {"t": f"{w.team_a}-{k.replace(' ', '-')}"},
    ),
]

SNAPSHOT = """
query($m: String!, $a: String!, $b: String!) {
  model(name: $m) {
    description team { name }
    versions(first: 50) { edges { node {
      version stage deleted aliases stageHistory { to actor } artifact { status }
      transitionRequests { state decisions { actor } }
    } } }
  }
  teamA: team(name: $a) { members { actor role } models { totalCount } policy { requiredApprovals } }
  teamB: team(name: $b) { members { actor role } models { totalCount } }
  teams { name }
}
"""


async def _snapshot(admin: Caller, world: World) -> dict[str, Any]:
    """What the calls could change: the model, both teams, and the teams named after team A (createTeam)."""
    found = await admin.data(SNAPSHOT, m=world.model, a=world.team_a, b=world.team_b)
    found["teams"] = sorted(t["name"] for t in found["teams"] if t["name"].startswith(world.team_a))
    return found


@pytest.fixture
async def world(mint: Mint, admin: Caller, unique: str) -> World:
    callers = {"admin": admin}
    for kind, role in [
        ("reader", Role.READER),
        ("registry writer", Role.WRITER),
        ("registry maintainer", Role.MAINTAINER),
    ]:
        callers[kind] = await mint(role, kind.replace(" ", "-"))
    for kind in ("writer of A", "maintainer of A", "writer of B", "maintainer of B"):
        callers[kind] = await mint(Role.READER, kind.replace(" ", "-"))
    target = await mint(Role.READER, "target")
    team_a = await make_team(
        admin,
        f"a-{unique}",
        {callers["writer of A"].name: "WRITER", callers["maintainer of A"].name: "MAINTAINER", target.name: "READER"},  # type: ignore[dict-item]
    )
    team_b = await make_team(
        admin,
        f"b-{unique}",
        {callers["writer of B"].name: "WRITER", callers["maintainer of B"].name: "MAINTAINER"},  # type: ignore[dict-item]
    )
    model = await make_model(admin, f"m-{unique}", team_a, versions=3)
    # v2 in PRODUCTION with the aliases champion and canary, as the registry-wide matrix has it.
    await admin.data(STAGE, m=model, v=2, s="PRODUCTION")
    for alias in ("champion", "canary"):
        await admin.data(
            "mutation($m: String!, $a: String!) { setAlias(model: $m, alias: $a, version: 2) { version } }",
            m=model,
            a=alias,
        )
    await admin.data('mutation { startRun(input: {experiment: "gov-matrix"}) { runId } }')
    await admin.data(
        "mutation($t: String) { setPromotionPolicy(team: $t, input: {requiredApprovals: 1}) { requiredApprovals } }",
        t=team_a,
    )
    requester = await mint(Role.WRITER, "requester")
    request = await requester.data(
        "mutation($m: String!) { requestStageTransition(model: $m, version: 1, stage: PRODUCTION) { id } }", m=model
    )
    assert target.name is not None
    return World(
        team_a=team_a,
        team_b=team_b,
        model=model,
        target=target.name,
        callers=callers,
        request=request["requestStageTransition"]["id"],
    )


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_each_principal_may_do_what_its_effective_role_allows(case: Case, world: World) -> None:
    expected = {kind: (case.judge or (lambda k: on_model(k, case.needs)))(kind) for kind in KINDS}
    admin = world.callers["admin"]
    before = await _snapshot(admin, world)
    # The refused first, on the untouched model: each must be FORBIDDEN and change nothing.
    refused = {}
    for kind in [k for k in KINDS if not expected[k]]:
        refused[kind] = await world.callers[kind].code(case.query, **case.variables(world, kind))
    assert refused == dict.fromkeys(refused, "FORBIDDEN")
    assert await _snapshot(admin, world) == before, "a refused call changed something"
    outcomes = {}
    for kind in [k for k in KINDS if expected[k]]:
        outcomes[kind] = await world.callers[kind].code(case.query, **case.variables(world, kind))
    assert "FORBIDDEN" not in outcomes.values() and "UNAUTHENTICATED" not in outcomes.values(), outcomes


async def test_maintainer_of_both_teams_moves_a_model_between_them(mint: Mint, admin: Caller, unique: str) -> None:
    both = await mint(Role.READER, "both")
    assert both.name is not None
    team_a = await make_team(admin, f"a-{unique}", {both.name: "MAINTAINER"})
    team_b = await make_team(admin, f"b-{unique}", {both.name: "MAINTAINER"})
    model = await make_model(admin, f"m-{unique}", team_a)
    moved = "mutation($m: String!, $t: String) { setModelTeam(model: $m, team: $t) { team { name } } }"
    assert (await both.data(moved, m=model, t=team_b))["setModelTeam"]["team"] == {"name": team_b}
    # Out of every team needs a registry-wide maintainer: a team maintainer cannot take a model out of its reach.
    assert await both.code(moved, m=model, t=None) == "FORBIDDEN"
