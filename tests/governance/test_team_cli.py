"""`graph-registry team create|grant|revoke|list` and `models create --team`, against the auth-on server."""

from __future__ import annotations

import json

import pytest
from rich.console import Console
from typer.testing import CliRunner

from graph_registry.cli import output
from graph_registry.cli.main import app
from graph_registry.services.tokens import Role
from tests.governance.conftest import Mint
from tests.live_server import LiveServer
from tests.security.client import Caller


def _secret(caller: Caller) -> str:
    return caller.http.headers["Authorization"].removeprefix("Bearer ")


async def test_teams_from_the_command_line(
    mint: Mint, admin: Caller, governed_api: LiveServer, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output, "stdout", Console(width=250, highlight=False))
    runner = CliRunner()
    member = await mint(Role.READER, "cli-member")
    assert member.name is not None

    def run(*args: str, token: Caller = admin, code: int = 0) -> str:
        result = runner.invoke(app, [*args, "--url", governed_api.url, "--token", _secret(token)])
        assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
        return result.stdout

    team, model = f"risk-{unique}", f"fraud-{unique}"
    assert team in run("team", "create", team, "--description", "Risk models")
    granted = json.loads(run("team", "grant", team, member.name, "maintainer", "--json"))
    assert granted["members"] == [{"actor": member.name, "role": "MAINTAINER"}]
    # The new maintainer creates a model in the team it maintains, though it is a registry-wide reader.
    assert f"model {model} created ({team})" in run("models", "create", model, "--team", team, token=member)
    listed = json.loads(run("team", "list", "--json"))
    mine = next(t for t in listed if t["name"] == team)
    assert [edge["node"]["name"] for edge in mine["models"]["edges"]] == [model]
    assert member.name in run("team", "list")
    # ADMIN is no team role: a usage error before any call.
    run("team", "grant", team, member.name, "admin", code=2)
    # A reader without team roles may not grant (FORBIDDEN exits 9); the member cannot create teams.
    outsider = await mint(Role.READER, "cli-outsider")
    run("team", "grant", team, member.name, "reader", token=outsider, code=9)
    run("team", "create", f"other-{unique}", token=member, code=9)
    revoked = json.loads(run("team", "revoke", team, member.name, "--json", token=member))
    assert revoked["members"] == []
    # Revoked, the member is a reader again there: no second model in the team.
    run("models", "create", f"{model}-2", "--team", team, token=member, code=9)
