"""Where a policy rule's role must be held: the helpers that place POLICIES entries on teams.

A rule of authorization.py returns a `Role` (registry-wide) or a `Need` (a role judged
on the team of the model a call names, on a team, or on a request's model). These
wrap a rule so that its role is placed; `permitted` answers a need with one read
(services/teams.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from graph_registry.api.graphql import ids
from graph_registry.domain import validation
from graph_registry.services.teams import Need
from graph_registry.services.tokens import Role

if TYPE_CHECKING:
    from graph_registry.api.graphql.extensions.authorization import Call

Placed = Callable[["Call"], Awaitable[Need]]
Inner = Role | Callable[["Call"], Awaitable[Role]]


async def _role(rule: Inner, call: Call) -> Role:
    return rule if isinstance(rule, Role) else await rule(call)


def _name(value: object) -> str | None:
    return value if isinstance(value, str) and validation.NAME.fullmatch(value) else None


def _model_of(arguments: Mapping[str, Any], argument: str) -> str | None:
    if argument == "input.model":
        given = arguments.get("input")
        return _name(given.get("model")) if isinstance(given, Mapping) else None
    return _name(arguments.get(argument))


def on_model(rule: Inner, argument: str = "model") -> Placed:
    """`rule`'s role, held on the team of the model named by `argument` (registry-wide when it has none)."""

    async def placed(call: Call) -> Need:
        model = _model_of(call.arguments, argument)
        return Need(await _role(rule, call), models=(model,) if model else ())

    return placed


def on_new_model(rule: Inner) -> Placed:
    """createModelVersion: on the model's team, or on `input.team` when the call creates the model."""

    async def placed(call: Call) -> Need:
        model = _model_of(call.arguments, "input.model")
        given = call.arguments.get("input")
        team = _name(given.get("team")) if isinstance(given, Mapping) else None
        return Need(await _role(rule, call), models=(model,) if model else (), new_model_team=team)

    return placed


def on_team(rule: Inner, argument: str = "team", *, without: Role | None = None) -> Placed:
    """`rule`'s role held in the team named by `argument`; `without` is the registry-wide role needed when
    the argument is null."""

    async def placed(call: Call) -> Need:
        role = await _role(rule, call)
        team = call.arguments.get(argument)
        if team is None:
            return Need(without or role)
        return Need(role, teams=(_name(team),))

    return placed


def on_model_and_team(rule: Inner) -> Placed:
    """setModelTeam: held on the model's team and on the new one (null: registry-wide)."""

    async def placed(call: Call) -> Need:
        model = _model_of(call.arguments, "model")
        team = call.arguments.get("team")
        return Need(
            await _role(rule, call),
            models=(model,) if model else (),
            teams=(_name(team) if team is not None else None,),
        )

    return placed


def on_request(rule: Inner, argument: str = "id") -> Placed:
    """Held on the team of the model a transition request (by global id) is about."""

    async def placed(call: Call) -> Need:
        key = ids.stored_key(call.arguments.get(argument), "StageTransitionRequest")
        return Need(await _role(rule, call), requests=(key,) if key else ())

    return placed


def anywhere(role: Role) -> Placed:
    """Recording what happened (runs, datasets, commits): the role held registry-wide or in any team."""

    async def placed(call: Call) -> Need:
        return Need(role, anywhere=True)

    return placed
