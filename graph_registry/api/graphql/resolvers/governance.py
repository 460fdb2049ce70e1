"""Promotion policies and four-eyes approvals over GraphQL (merged into the roots in schema.py)."""

from __future__ import annotations

import strawberry

from graph_registry.api.graphql import ids
from graph_registry.api.graphql.context import Info
from graph_registry.api.graphql.types.common import Stage
from graph_registry.api.graphql.types.governance import (
    PromotionPolicy,
    PromotionPolicyInput,
    PromotionVerdict,
    StageTransitionRequest,
)
from graph_registry.errors import InvalidInput
from graph_registry.services.tokens import Role


def _request_id(token: strawberry.ID) -> str:
    key = ids.stored_key(token, "StageTransitionRequest")
    if key is None:
        raise InvalidInput("not the id of a StageTransitionRequest", field="id")
    return key


@strawberry.type
class GovernanceQueries:
    @strawberry.field(
        description="The policy's verdict on moving the version to the stage now: a dry run that changes nothing."
    )
    async def promotion_check(self, info: Info, model: str, version: int, stage: Stage) -> PromotionVerdict:
        verdict = await info.context.services.promotion.promotion_check(model=model, version=version, stage=stage)
        return PromotionVerdict.from_verdict(verdict)

    @strawberry.field(description="Requests waiting for a decision, for one team or model, oldest first.")
    async def pending_transition_requests(
        self, info: Info, team: str | None = None, model: str | None = None
    ) -> list[StageTransitionRequest]:
        records = await info.context.services.requests.pending(team=team, model=model)
        return [StageTransitionRequest.from_record(record) for record in records]


@strawberry.type
class GovernanceMutations:
    @strawberry.mutation(description="Admin (team null: the registry-wide policy), or maintainer of the team.")
    async def set_promotion_policy(
        self, info: Info, input: PromotionPolicyInput, team: str | None = None
    ) -> PromotionPolicy:
        policy = await info.context.services.promotion.set_policy(
            team=team, change=input.change(), actor=info.context.actor, audit=info.context.audit
        )
        return PromotionPolicy.from_policy(policy)

    @strawberry.mutation(
        description="Writer of the model's team. CONFLICT when an open request for the same version and stage exists."
    )
    async def request_stage_transition(
        self, info: Info, model: str, version: int, stage: Stage, comment: str | None = None
    ) -> StageTransitionRequest:
        record = await info.context.services.requests.request(
            model=model,
            version=version,
            stage=stage,
            comment=comment,
            actor=info.context.actor,
            audit=info.context.audit,
        )
        return StageTransitionRequest.from_record(record)

    @strawberry.mutation(
        description="A maintainer of the model's team other than the requester (FORBIDDEN otherwise), once each "
        "(CONFLICT). The approval that completes the count moves the version in the same transaction, after the "
        "policy's rules pass again (PRECONDITION_FAILED, request left PENDING, otherwise)."
    )
    async def approve_stage_transition(
        self, info: Info, id: strawberry.ID, comment: str | None = None
    ) -> StageTransitionRequest:
        record = await info.context.services.requests.approve(
            request_id=_request_id(id), comment=comment, actor=info.context.actor, audit=info.context.audit
        )
        return StageTransitionRequest.from_record(record)

    @strawberry.mutation(description="A maintainer of the model's team; the request ends REJECTED.")
    async def reject_stage_transition(
        self, info: Info, id: strawberry.ID, comment: str | None = None
    ) -> StageTransitionRequest:
        record = await info.context.services.requests.reject(
            request_id=_request_id(id), comment=comment, actor=info.context.actor, audit=info.context.audit
        )
        return StageTransitionRequest.from_record(record)

    @strawberry.mutation(description="The requester or an admin.")
    async def cancel_stage_transition(self, info: Info, id: strawberry.ID) -> StageTransitionRequest:
        principal = info.context.principal
        record = await info.context.services.requests.cancel(
            request_id=_request_id(id),
            actor=info.context.actor,
            is_admin=principal is not None and principal.role is Role.ADMIN,
            audit=info.context.audit,
        )
        return StageTransitionRequest.from_record(record)
