"""`graph-registry team create|grant|revoke|list` and `models create --team`: teams, over the API.

Unlike `token`, these talk to a running registry with a token (an admin's, or a team
maintainer's for grant and revoke), so every change is authorized and audited like any other.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from graph_registry.cli import output
from graph_registry.cli.client_options import Json, Token, Url, connected

app = typer.Typer(help="Teams: groups of tokens that own models (roles per team).", no_args_is_help=True)

TEAM_FIELDS = "name description members { actor role } models(first: 100) { totalCount edges { node { name } } }"
CREATE = f"mutation($n: String!, $d: String) {{ createTeam(name: $n, description: $d) {{ {TEAM_FIELDS} }} }}"
GRANT = f"mutation($t: String!, $a: String!, $r: Role!) {{ grantTeamRole(team: $t, actor: $a, role: $r) {{ {TEAM_FIELDS} }} }}"
REVOKE = f"mutation($t: String!, $a: String!) {{ revokeTeamRole(team: $t, actor: $a) {{ {TEAM_FIELDS} }} }}"
LIST = f"query {{ teams {{ {TEAM_FIELDS} }} }}"
CREATE_MODEL = """
mutation($n: String!, $d: String, $t: String) {
  createModel(name: $n, description: $d, team: $t) { name description team { name } }
}
"""
ROLES = ("reader", "writer", "maintainer")


def _members(team: dict[str, Any]) -> str:
    return ", ".join(f"{m['actor']} ({m['role'].lower()})" for m in team["members"]) or "-"


def _table(teams: list[dict[str, Any]]) -> Table:
    table = Table("team", "description", "members", "models")
    for team in teams:
        models = [edge["node"]["name"] for edge in team["models"]["edges"]]
        table.add_row(team["name"], team["description"] or "", _members(team), ", ".join(models) or "-")
    return table


def _show(team: dict[str, Any], json: bool) -> None:
    if json:
        output.print_json(team)
    else:
        output.stdout.print(_table([team]))


def _role(text: str) -> str:
    if text.lower() not in ROLES:
        raise typer.BadParameter("a team role is reader, writer or maintainer (admin is registry-wide only)")
    return text.upper()


@app.command()
def create(
    name: Annotated[str, typer.Argument(help="The team's name (same rules as model names).")],
    description: Annotated[str | None, typer.Option(help="What the team is.")] = None,
    url: Url = None,
    token: Token = None,
    json: Json = False,
) -> None:
    """Create a team (admin)."""
    with connected(url, token) as registry:
        team = registry.execute(CREATE, {"n": name, "d": description})["createTeam"]
    _show(team, json)


@app.command()
def grant(
    team: Annotated[str, typer.Argument(help="The team.")],
    actor: Annotated[str, typer.Argument(help="The token's name.")],
    role: Annotated[str, typer.Argument(callback=_role, help="reader, writer or maintainer.")],
    url: Url = None,
    token: Token = None,
    json: Json = False,
) -> None:
    """Give a token a role in a team, replacing the one it had there (admin or team maintainer)."""
    with connected(url, token) as registry:
        found = registry.execute(GRANT, {"t": team, "a": actor, "r": role})["grantTeamRole"]
    _show(found, json)


@app.command()
def revoke(
    team: Annotated[str, typer.Argument(help="The team.")],
    actor: Annotated[str, typer.Argument(help="The token's name.")],
    url: Url = None,
    token: Token = None,
    json: Json = False,
) -> None:
    """Take a token's role in a team away (admin or team maintainer)."""
    with connected(url, token) as registry:
        found = registry.execute(REVOKE, {"t": team, "a": actor})["revokeTeamRole"]
    _show(found, json)


@app.command("list")
def list_teams(url: Url = None, token: Token = None, json: Json = False) -> None:
    """Every team with its members and models."""
    with connected(url, token) as registry:
        teams = registry.execute(LIST, {})["teams"]
    if json:
        output.print_json(teams)
    else:
        output.stdout.print(_table(teams))


def create_model(
    name: Annotated[str, typer.Argument(help="The model's name.")],
    description: Annotated[str | None, typer.Option(help="What the model is for.")] = None,
    team: Annotated[str | None, typer.Option(help="The owning team; none: registry-wide roles apply.")] = None,
    url: Url = None,
    token: Token = None,
    json: Json = False,
) -> None:
    """Create a model, optionally owned by a team (`models create fraud --team risk`)."""
    with connected(url, token) as registry:
        model = registry.execute(CREATE_MODEL, {"n": name, "d": description, "t": team})["createModel"]
    if json:
        output.print_json(model)
    else:
        owner = model["team"]["name"] if model["team"] else "no team"
        output.stdout.print(f"model {model['name']} created ({owner})")
