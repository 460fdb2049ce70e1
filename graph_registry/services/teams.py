"""Teams: groups of tokens that own models, and the effective role a token holds on a model.

A token's role in a team (READER, WRITER or MAINTAINER; ADMIN is registry-wide only)
counts on the team's models on top of its registry-wide role: on a team's model the
effective role is the higher of the two, on a model without a team the registry-wide
role alone. `Need` is what an authorization rule asks for (a role, and where it must be
held); `TeamService.grants` answers it with one read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graph_registry.domain import paging, validation
from graph_registry.domain.paging import Page, page_size
from graph_registry.domain.records import ModelRecord
from graph_registry.errors import Conflict, InvalidInput, NotFound
from graph_registry.services.audit import AuditEntry, write_audited
from graph_registry.services.tokens import ANONYMOUS, Principal, Role
from graph_registry.storage.database import Database, Transaction

TEAM_ROLES = (Role.READER, Role.WRITER, Role.MAINTAINER)


@dataclass(frozen=True, slots=True)
class Need:
    """The least role a call needs, and where: on each named model (by its team), on each named team
    (None: registry-wide), on each request's model, or in any team at all (`anywhere`).

    `new_model_team` is the team a model that does not exist yet would join (created by the call).
    A need with no place at all is judged on the registry-wide role alone.
    """

    role: Role
    models: tuple[str, ...] = ()
    teams: tuple[str | None, ...] = ()
    requests: tuple[str, ...] = ()
    new_model_team: str | None = None
    anywhere: bool = False

    @property
    def placed(self) -> bool:
        return bool(self.models or self.teams or self.requests or self.anywhere)


@dataclass(frozen=True, slots=True)
class AccessScope:
    """What one read told about a need: each model's team (and whether it exists), each request's
    model, and the actor's roles per team."""

    model_teams: Mapping[str, str | None]
    existing_models: frozenset[str]
    request_models: Mapping[str, str]
    memberships: Mapping[str, Role]


def effective_role(registry_role: Role, team: str | None, memberships: Mapping[str, Role]) -> Role:
    """The higher of the registry-wide role and the role in `team` (None: the registry-wide role)."""
    in_team = memberships.get(team) if team is not None else None
    if in_team is None or registry_role.allows(in_team):
        return registry_role
    return in_team


def role_for_need(principal: Principal, need: Need, scope: AccessScope) -> Role:
    """The role `principal` holds where `need` is judged: the lowest over all its places."""
    if not need.placed:
        return principal.role
    held: list[Role] = []
    teams: list[str | None] = list(need.teams)
    for model in need.models:
        if model not in scope.existing_models and need.new_model_team is not None:
            teams.append(need.new_model_team)
        else:
            teams.append(scope.model_teams.get(model))
    for request in need.requests:
        owner = scope.request_models.get(request)
        teams.append(scope.model_teams.get(owner) if owner is not None else None)
    held.extend(effective_role(principal.role, team, scope.memberships) for team in teams)
    if need.anywhere:
        held.append(max([principal.role, *scope.memberships.values()], key=lambda role: role.rank))
    return min(held, key=lambda role: role.rank)


@dataclass(frozen=True, slots=True)
class TeamMemberRecord:
    actor: str
    role: Role


@dataclass(frozen=True, slots=True)
class TeamRecord:
    name: str
    description: str | None
    created_at: datetime
    members: tuple[TeamMemberRecord, ...]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> TeamRecord:
        members = sorted(row.get("members") or [], key=lambda member: member["actor"])
        return cls(
            name=row["name"],
            description=row.get("description"),
            created_at=row["createdAt"],
            members=tuple(TeamMemberRecord(actor=m["actor"], role=Role(m["role"])) for m in members),
        )


def team_role(role: Role) -> Role:
    if role not in TEAM_ROLES:
        raise InvalidInput("a team role is READER, WRITER or MAINTAINER (ADMIN is registry-wide only)", field="role")
    return role


class TeamService:
    def __init__(self, database: Database, *, max_page_size: int = 100) -> None:
        self._db = database
        self._max_page_size = max_page_size

    async def create(self, *, name: str, description: str | None, audit: AuditEntry | None = None) -> TeamRecord:
        """A new team, in one write transaction with the attempt's entry (`audit`)."""
        validation.name(name, what="team")
        validation.text(description, what="description")

        async def work(tx: Transaction) -> TeamRecord:
            rows = await tx.run("create_team", name=name, description=description)
            if not rows:
                raise Conflict(f"team {name!r} already exists", team=name)
            return TeamRecord.from_row(rows[0]["team"])

        return await write_audited(self._db, work, audit=audit)

    async def teams_by_name(self, names: Sequence[str]) -> dict[str, TeamRecord]:
        rows = await self._db.read("get_teams", names=list(names))
        return {row["team"]["name"]: TeamRecord.from_row(row["team"]) for row in rows}

    async def get(self, name: str) -> TeamRecord | None:
        validation.name(name, what="team")
        return (await self.teams_by_name([name])).get(name)

    async def require(self, name: str) -> TeamRecord:
        team = await self.get(name)
        if team is None:
            raise NotFound(f"no team named {name!r}", team=name)
        return team

    async def list_teams(self) -> list[TeamRecord]:
        return [TeamRecord.from_row(row["team"]) for row in await self._db.read("list_teams")]

    async def grant(self, *, team: str, actor: str, role: Role, audit: AuditEntry | None = None) -> TeamRecord:
        """Gives `actor` `role` in `team` (replacing its role there), in one write transaction with the
        attempt's entry (`audit`); the team as that transaction left it."""
        validation.name(team, what="team")
        validation.name(actor, what="actor")
        role = team_role(role)

        async def work(tx: Transaction) -> TeamRecord:
            rows = await tx.run("grant_team_role", team=team, actor=actor, role=role.value)
            if not rows[0]["teamFound"]:
                raise NotFound(f"no team named {team!r}", team=team)
            if not rows[0]["tokenFound"]:
                raise NotFound(f"no token named {actor!r}", actor=actor)
            return await _team_in(tx, team)

        return await write_audited(self._db, work, audit=audit)

    async def revoke(self, *, team: str, actor: str, audit: AuditEntry | None = None) -> TeamRecord:
        """Takes `actor`'s role in `team` away, in one write transaction with the attempt's entry (`audit`)."""
        validation.name(team, what="team")
        validation.name(actor, what="actor")

        async def work(tx: Transaction) -> TeamRecord:
            rows = await tx.run("revoke_team_role", team=team, actor=actor)
            if not rows[0]["teamFound"]:
                raise NotFound(f"no team named {team!r}", team=team)
            if not rows[0]["held"]:
                raise NotFound(f"{actor!r} has no role in team {team!r}", team=team, actor=actor)
            return await _team_in(tx, team)

        return await write_audited(self._db, work, audit=audit)

    async def set_model_team(self, *, model: str, team: str | None, audit: AuditEntry | None = None) -> None:
        """Moves `model` to `team` (None: to no team), in one write transaction with the attempt's entry."""
        validation.name(model)
        if team is not None:
            validation.name(team, what="team")

        async def work(tx: Transaction) -> None:
            rows = await tx.run("set_model_team", model=model, team=team)
            if not rows[0]["modelFound"]:
                raise NotFound(f"model {model!r} does not exist", model=model)
            if team is not None and not rows[0]["teamFound"]:
                raise NotFound(f"no team named {team!r}", team=team)

        await write_audited(self._db, work, audit=audit)

    async def teams_of_models(self, names: Sequence[str]) -> dict[str, TeamRecord]:
        rows = await self._db.read("get_model_teams", names=list(names))
        return {row["model"]: TeamRecord.from_row({**row["team"], "members": []}) for row in rows}

    async def models_of(self, *, team: str, first: int | None, after: str | None) -> Page[ModelRecord]:
        first = page_size(first, limit=self._max_page_size)
        rows = await self._db.read("get_team_models", team=team, after=paging.after(after, str), limit=first + 1)
        return paging.page([ModelRecord.from_row(row["model"]) for row in rows], first, lambda model: model.name)

    async def count_models(self, *, team: str) -> int:
        rows = await self._db.read("count_team_models", team=team)
        return int(rows[0]["total"])

    async def grants(self, principal: Principal, need: Need) -> Role:
        """The role `principal` holds where `need` is judged (one read; none when the registry-wide
        role suffices already)."""
        if principal is ANONYMOUS or principal.role.allows(need.role) or not need.placed:
            return principal.role
        scope = await self.access_scope(principal.actor, models=need.models, requests=need.requests)
        return role_for_need(principal, need, scope)

    async def effective_role_on_model(self, principal: Principal, model: str) -> Role:
        """The principal's effective role on one model (for rules judged again inside a service)."""
        if principal is ANONYMOUS or principal.role.allows(Role.MAINTAINER) or not validation.NAME.fullmatch(model):
            return principal.role
        scope = await self.access_scope(principal.actor, models=[model], requests=[])
        return role_for_need(principal, Need(Role.ADMIN, models=(model,)), scope)

    async def access_scope(self, actor: str, *, models: Sequence[str], requests: Sequence[str]) -> AccessScope:
        rows = await self._db.read("get_access_scope", actor=actor, models=list(models), requests=list(requests))
        row = rows[0]
        return AccessScope(
            model_teams={entry["model"]: entry["team"] for entry in row["models"]},
            existing_models=frozenset(entry["model"] for entry in row["models"] if entry["exists"]),
            request_models={entry["request"]: entry["model"] for entry in row["requests"]},
            memberships={m["team"]: Role(m["role"]) for m in row["memberships"] if m["team"] is not None},
        )


async def _team_in(tx: Transaction, name: str) -> TeamRecord:
    """The team as the transaction `tx` sees it (it exists: the caller found it)."""
    rows = await tx.run("get_teams", names=[name])
    return TeamRecord.from_row(rows[0]["team"])
