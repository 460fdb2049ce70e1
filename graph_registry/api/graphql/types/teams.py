"""Teams, their members and the models they own."""

from __future__ import annotations

from datetime import datetime
from functools import partial

import strawberry

from graph_registry.api.graphql import ids
from graph_registry.api.graphql.context import Info
from graph_registry.api.graphql.types import tokens as _graphql_role  # noqa: F401 (registers Role as a GraphQL enum first)
from graph_registry.api.graphql.types.common import Node, connection
from graph_registry.api.graphql.types.governance import PromotionPolicy
from graph_registry.api.graphql.types.models import Model, ModelConnection
from graph_registry.services.teams import TeamRecord
from graph_registry.services.tokens import Role


@strawberry.type
class TeamMember:
    actor: str = strawberry.field(description="An API token's name.")
    role: Role


@strawberry.type(
    description="A group that owns models: its members' roles apply to what it owns, on top of their registry-wide role."
)
class Team(Node):
    name: str = strawberry.field(description="Same rules as model names.")
    description: str | None
    created_at: strawberry.Private[datetime]
    record: strawberry.Private[TeamRecord]
    # False when the record came without its members (a model's team): they are loaded on first use.
    complete: strawberry.Private[bool] = True

    @classmethod
    def from_record(cls, record: TeamRecord, *, complete: bool = True) -> Team:
        return cls(
            id=strawberry.ID(ids.global_id("Team", record.name)),
            name=record.name,
            description=record.description,
            created_at=record.created_at,
            record=record,
            complete=complete,
        )

    @strawberry.field
    async def members(self, info: Info) -> list[TeamMember]:
        record = self.record
        if not self.complete:
            loaded = await info.context.loaders.team.load(self.name)
            record = loaded or record
        return [TeamMember(actor=member.actor, role=member.role) for member in record.members]

    @strawberry.field
    async def models(self, info: Info, first: int | None = 20, after: str | None = None) -> ModelConnection:
        teams = info.context.services.teams
        page = await teams.models_of(team=self.name, first=first, after=after)
        return connection(page, Model.from_record, partial(teams.count_models, team=self.name))

    @strawberry.field(
        description="The promotion policy in force for the team's models (the registry-wide one where the team "
        "has none)."
    )
    async def policy(self, info: Info) -> PromotionPolicy:
        return PromotionPolicy.from_policy(await info.context.services.promotion.policy_of(self.name))
