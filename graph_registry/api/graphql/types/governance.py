"""Promotion policies, their verdicts, and four-eyes transition requests."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph_registry.api.graphql import ids
from graph_registry.api.graphql.context import Info
from graph_registry.api.graphql.types.common import Node, Stage
from graph_registry.domain.promotion import Check, Policy, PolicyChange, Verdict
from graph_registry.domain.promotion import MetricRule as MetricRuleRecord
from graph_registry.domain.severity import Severity
from graph_registry.services.requests import RequestRecord, RequestState

if TYPE_CHECKING:
    from graph_registry.api.graphql.types.models import ModelVersion

strawberry.enum(Severity)
strawberry.enum(
    RequestState,
    description="PENDING until decided; EXPIRED when the version left the state the request was made in.",
)


@strawberry.type(description="e.g. auc >= 0.9: the version's metric must exist and satisfy it.")
class MetricRule:
    metric: str
    op: str = strawberry.field(description="One of >=, >, <=, <.")
    value: float


@strawberry.type(
    description="Rules a version must pass to enter PRODUCTION, checked inside the transaction that moves it "
    "(and again when an approval completes a request)."
)
class PromotionPolicy:
    required_approvals: int = strawberry.field(
        description="Approvals by distinct maintainers other than the requester; 0 lets transitionStage move to "
        "PRODUCTION directly."
    )
    require_provenance: bool = strawberry.field(description="A dataset, a commit and a run in the version's lineage.")
    require_artifact_ready: bool = strawberry.field(description="The version's artifact is READY.")
    blocking_severity: Severity | None = strawberry.field(
        description="Refuse versions with a known vulnerability at or above this severity; null: vulnerabilities "
        "do not block."
    )
    required_card_fields: list[str] = strawberry.field(
        description="Model card sections that must be non-empty, by field name (e.g. intendedUse, limitations)."
    )
    metric_rules: list[MetricRule]

    @classmethod
    def from_policy(cls, policy: Policy) -> PromotionPolicy:
        return cls(
            required_approvals=policy.required_approvals,
            require_provenance=policy.require_provenance,
            require_artifact_ready=policy.require_artifact_ready,
            blocking_severity=Severity(policy.blocking_severity) if policy.blocking_severity else None,
            required_card_fields=list(policy.required_card_fields),
            metric_rules=[MetricRule(metric=r.metric, op=r.op, value=r.value) for r in policy.metric_rules],
        )


@strawberry.type
class PolicyCheck:
    rule: str = strawberry.field(description="e.g. requireProvenance, metric auc >= 0.9, approvals 1/2.")
    passed: bool
    detail: str | None

    @classmethod
    def from_check(cls, check: Check) -> PolicyCheck:
        return cls(rule=check.rule, passed=check.passed, detail=check.detail)


@strawberry.type
class PromotionVerdict:
    allowed: bool = strawberry.field(description="True when every rule passes (approvals aside).")
    checks: list[PolicyCheck]
    required_approvals: int

    @classmethod
    def from_verdict(cls, verdict: Verdict) -> PromotionVerdict:
        return cls(
            allowed=verdict.allowed,
            checks=[PolicyCheck.from_check(check) for check in verdict.checks],
            required_approvals=verdict.required_approvals,
        )


@strawberry.input
class MetricRuleInput:
    metric: str
    op: str
    value: float


@strawberry.input
class PromotionPolicyInput:
    required_approvals: int | None = None
    require_provenance: bool | None = None
    require_artifact_ready: bool | None = None
    blocking_severity: Severity | None = None
    required_card_fields: list[str] | None = None
    metric_rules: list[MetricRuleInput] | None = None

    def change(self) -> PolicyChange:
        return PolicyChange(
            required_approvals=self.required_approvals,
            require_provenance=self.require_provenance,
            require_artifact_ready=self.require_artifact_ready,
            blocking_severity=self.blocking_severity.value if self.blocking_severity else None,
            required_card_fields=self.required_card_fields,
            metric_rules=None
            if self.metric_rules is None
            else [MetricRuleRecord(metric=r.metric, op=r.op, value=r.value) for r in self.metric_rules],
        )


@strawberry.type
class ApprovalDecision:
    actor: str
    approved: bool
    comment: str | None
    at: datetime


@strawberry.type(
    description="A request to move a version into PRODUCTION under a policy that needs approvals (four eyes)."
)
class StageTransitionRequest(Node):
    record: strawberry.Private[RequestRecord]
    to: Stage
    requested_by: str
    requested_at: datetime
    comment: str | None
    state: RequestState
    required_approvals: int
    decisions: list[ApprovalDecision]
    decided_at: datetime | None

    @classmethod
    def from_record(cls, record: RequestRecord) -> StageTransitionRequest:
        return cls(
            id=strawberry.ID(ids.global_id("StageTransitionRequest", record.id)),
            record=record,
            to=record.to,
            requested_by=record.requested_by,
            requested_at=record.requested_at,
            comment=record.comment,
            state=record.state,
            required_approvals=record.required_approvals,
            decisions=[
                ApprovalDecision(actor=d.actor, approved=d.approved, comment=d.comment, at=d.at)
                for d in record.decisions
            ],
            decided_at=record.decided_at,
        )

    @strawberry.field
    async def model_version(
        self, info: Info
    ) -> Annotated[ModelVersion, strawberry.lazy("graph_registry.api.graphql.types.models")]:
        found = await info.context.loaders.version.load((self.record.model, self.record.version))
        return await info.context.links.version(found or self.record.hard_deleted_version())

    @strawberry.field(description="The policy's verdict on the version as it is now.")
    async def checks(self, info: Info) -> list[PolicyCheck]:
        if (await info.context.loaders.version.load((self.record.model, self.record.version))) is None:
            return []
        verdict = await info.context.services.promotion.promotion_check(
            model=self.record.model, version=self.record.version, stage=self.record.to
        )
        return [PolicyCheck.from_check(check) for check in verdict.checks]
