"""Teams over GraphQL: create them, grant and revoke roles, move models between them."""

from __future__ import annotations

import strawberry

from graph_registry.api.graphql.context import Info
from graph_registry.api.graphql.types import tokens as _graphql_role  # noqa: F401 (registers Role as a GraphQL enum first)
from graph_registry.api.graphql.types.models import Model
from graph_registry.api.graphql.types.teams import Team
from graph_registry.services.tokens import Role


@strawberry.type
class TeamQueries:
    @strawberry.field
    async def team(self, info: Info, name: str) -> Team | None:
        record = await info.context.services.teams.get(name)
        return None if record is None else Team.from_record(record)

    @strawberry.field
    async def teams(self, info: Info) -> list[Team]:
        return [Team.from_record(record) for record in await info.context.services.teams.list_teams()]


@strawberry.type
class TeamMutations:
    @strawberry.mutation(description="Admin.")
    async def create_team(self, info: Info, name: str, description: str | None = None) -> Team:
        return Team.from_record(
            await info.context.services.teams.create(name=name, description=description, audit=info.context.audit)
        )

    @strawberry.mutation(
        description="Admin, or maintainer of the team: give a token (by name) a role in the team, replacing the "
        "one it had there."
    )
    async def grant_team_role(self, info: Info, team: str, actor: str, role: Role) -> Team:
        return Team.from_record(
            await info.context.services.teams.grant(team=team, actor=actor, role=role, audit=info.context.audit)
        )

    @strawberry.mutation
    async def revoke_team_role(self, info: Info, team: str, actor: str) -> Team:
        return Team.from_record(
            await info.context.services.teams.revoke(team=team, actor=actor, audit=info.context.audit)
        )

    @strawberry.mutation(
        description="Admin, or maintainer of both the model's team and the new one. team null: no team."
    )
    async def set_model_team(self, info: Info, model: str, team: str | None = None) -> Model:
        await info.context.services.teams.set_model_team(model=model, team=team, audit=info.context.audit)
        record = await info.context.services.models.get_model(model)
        assert record is not None, "the model was just found"
        return Model.from_record(record)
