"""Teams over GraphQL: members, owned models, and the refusals that keep them consistent."""

from __future__ import annotations

from graph_registry.services.tokens import Role
from tests.governance.conftest import CREATE_TEAM, GRANT, Mint, make_model, make_team
from tests.security.client import Caller

TEAM = "query($t: String!) { team(name: $t) { name description members { actor role } models { totalCount edges { node { name team { name } } } } } }"
CREATE_MODEL = (
    "mutation($m: String!, $t: String) { createModel(name: $m, team: $t) { name team { name members { actor } } } }"
)


async def test_a_team_owns_models_and_lists_its_members(mint: Mint, admin: Caller, unique: str) -> None:
    writer = await mint(Role.READER, "member")
    assert writer.name is not None
    team = await make_team(admin, f"t-{unique}", {writer.name: "WRITER"})
    created = (await admin.data(CREATE_MODEL, m=f"m-{unique}", t=team))["createModel"]
    assert created == {"name": f"m-{unique}", "team": {"name": team, "members": [{"actor": writer.name}]}}
    # A model created by its first version joins the team given; an existing model keeps its own.
    first = "mutation($m: String!, $t: String) { createModelVersion(input: {model: $m, team: $t}) { model { team { name } } } }"
    assert (await writer.data(first, m=f"n-{unique}", t=team))["createModelVersion"]["model"]["team"] == {"name": team}
    other = await make_team(admin, f"o-{unique}")
    again = await admin.data(first, m=f"n-{unique}", t=other)
    assert again["createModelVersion"]["model"]["team"] == {"name": team}
    found = (await writer.data(TEAM, t=team))["team"]
    assert found["members"] == [{"actor": writer.name, "role": "WRITER"}]
    assert found["models"]["totalCount"] == 2
    assert [e["node"]["name"] for e in found["models"]["edges"]] == [f"m-{unique}", f"n-{unique}"]
    assert team in [t["name"] for t in (await writer.data("query { teams { name } }"))["teams"]]
    nobody = await admin.data("query($m: String!) { model(name: $m) { team { name } } }", m=f"x-{unique}")
    assert nobody == {"model": None}


async def test_refusals_write_nothing(mint: Mint, admin: Caller, unique: str) -> None:
    member = await mint(Role.READER, "member")
    assert member.name is not None
    team = await make_team(admin, f"t-{unique}")
    assert await admin.code(CREATE_TEAM, t=team) == "CONFLICT"
    assert await admin.code(GRANT, t=team, a=member.name, r="ADMIN") == "INVALID_INPUT"
    assert await admin.code(GRANT, t=team, a=f"nobody-{unique}", r="READER") == "NOT_FOUND"
    assert await admin.code(GRANT, t=f"none-{unique}", a=member.name, r="READER") == "NOT_FOUND"
    revoke = "mutation($t: String!, $a: String!) { revokeTeamRole(team: $t, actor: $a) { name } }"
    assert await admin.code(revoke, t=team, a=member.name) == "NOT_FOUND"
    assert (await admin.data(TEAM, t=team))["team"]["members"] == []
    # A model for a team that does not exist is not created at all.
    assert await admin.code(CREATE_MODEL, m=f"m-{unique}", t=f"none-{unique}") == "NOT_FOUND"
    version = "mutation($m: String!, $t: String) { createModelVersion(input: {model: $m, team: $t}) { version } }"
    assert await admin.code(version, m=f"v-{unique}", t=f"none-{unique}") == "NOT_FOUND"
    models = "query($a: String!, $b: String!) { a: model(name: $a) { name } b: model(name: $b) { name } }"
    assert await admin.data(models, a=f"m-{unique}", b=f"v-{unique}") == {"a": None, "b": None}
    move = "mutation($m: String!, $t: String) { setModelTeam(model: $m, team: $t) { name } }"
    await make_model(admin, f"k-{unique}", team)
    assert await admin.code(move, m=f"k-{unique}", t=f"none-{unique}") == "NOT_FOUND"
    assert await admin.code(move, m=f"none-{unique}", t=team) == "NOT_FOUND"
    owner = await admin.data("query($m: String!) { model(name: $m) { team { name } } }", m=f"k-{unique}")
    assert owner == {"model": {"team": {"name": team}}}


async def test_a_team_maintainer_grants_in_its_own_team_only(mint: Mint, admin: Caller, unique: str) -> None:
    lead = await mint(Role.READER, "lead")
    newcomer = await mint(Role.READER, "newcomer")
    assert lead.name is not None and newcomer.name is not None
    mine = await make_team(admin, f"mine-{unique}", {lead.name: "MAINTAINER"})
    theirs = await make_team(admin, f"theirs-{unique}")
    assert (await lead.data(GRANT, t=mine, a=newcomer.name, r="MAINTAINER"))["grantTeamRole"]["name"] == mine
    assert await lead.code(GRANT, t=mine, a=newcomer.name, r="ADMIN") == "INVALID_INPUT"
    assert await lead.code(GRANT, t=theirs, a=newcomer.name, r="READER") == "FORBIDDEN"
    # Granting again replaces the role the token had there.
    await lead.data(GRANT, t=mine, a=newcomer.name, r="READER")
    members = (await admin.data(TEAM, t=mine))["team"]["members"]
    assert sorted((m["actor"], m["role"]) for m in members) == sorted(
        [(lead.name, "MAINTAINER"), (newcomer.name, "READER")]
    )
