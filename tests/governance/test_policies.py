"""Promotion policies: each rule refuses on its own, named in the error; promotionCheck changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from graph_registry.domain.promotion import MetricRule, Policy, merge
from graph_registry.services.tokens import Role
from tests.governance.conftest import STAGE, Mint, make_model, make_team
from tests.security.client import Caller

POLICY = """
mutation($t: String, $input: PromotionPolicyInput!) {
  setPromotionPolicy(team: $t, input: $input) {
    requiredApprovals requireProvenance requireArtifactReady blockingSeverity requiredCardFields
    metricRules { metric op value }
  }
}
"""
CHECK = """
query($m: String!, $v: Int!) {
  promotionCheck(model: $m, version: $v, stage: PRODUCTION) { allowed requiredApprovals checks { rule passed detail } }
}
"""
VERSION_WITH = "mutation($input: CreateModelVersionInput!) { createModelVersion(input: $input) { version } }"
STATE = "query($m: String!) { model(name: $m) { versions { edges { node { version stage stageHistory { to } } } } } }"


async def _governed_model(admin: Caller, unique: str, policy: dict[str, Any]) -> str:
    team = await make_team(admin, f"t-{unique}")
    await admin.data(POLICY, t=team, input=policy)
    return await make_model(admin, f"m-{unique}", team, versions=0)


async def _refusal(caller: Caller, model: str, version: int) -> dict[str, Any]:
    body = await caller.execute(STAGE, m=model, v=version, s="PRODUCTION")
    assert body.get("errors"), body
    error: dict[str, Any] = body["errors"][0]
    assert error["extensions"]["code"] == "PRECONDITION_FAILED", error
    return error


@pytest.mark.parametrize(
    ("policy", "declared", "rule"),
    [
        ({"requireProvenance": True}, {}, "requireProvenance"),
        ({"requireArtifactReady": True}, {}, "requireArtifactReady"),
        ({"requireArtifactReady": True}, {"artifact": {"sha256": "ab" * 32, "sizeBytes": 3}}, "requireArtifactReady"),
        ({"requiredCardFields": ["intendedUse"]}, {}, "requiredCardField intendedUse"),
        (
            {"metricRules": [{"metric": "auc", "op": ">=", "value": 0.9}]},
            {"metrics": [{"key": "auc", "value": 0.8}]},
            "metric auc >= 0.9",
        ),
        (
            {"metricRules": [{"metric": "auc", "op": ">=", "value": 0.9}]},
            {"metrics": [{"key": "f1", "value": 0.99}]},
            "metric auc >= 0.9",
        ),
        (
            {"metricRules": [{"metric": "latency_ms", "op": "<", "value": 50}]},
            {"metrics": [{"key": "latency_ms", "value": 50}]},
            "metric latency_ms < 50",
        ),
        ({"requiredApprovals": 2}, {}, "approvals 0/2"),
    ],
    ids=[
        "provenance",
        "artifact missing",
        "artifact pending",
        "card field",
        "metric too low",
        "metric missing",
        "strict bound",
        "approvals",
    ],
)
async def test_each_rule_refuses_on_its_own(
    admin: Caller, unique: str, policy: dict[str, Any], declared: dict[str, Any], rule: str
) -> None:
    model = await _governed_model(admin, unique, policy)
    await admin.data(VERSION_WITH, input={"model": model, **declared})
    before = await admin.data(STATE, m=model)
    error = await _refusal(admin, model, 1)
    assert error["extensions"]["failedRules"] == [rule]
    assert rule in error["message"]
    if rule.startswith("approvals"):
        assert "requestStageTransition" in error["message"]
    assert await admin.data(STATE, m=model) == before
    verdict = (await admin.data(CHECK, m=model, v=1))["promotionCheck"]
    failed = [check["rule"] for check in verdict["checks"] if not check["passed"]]
    assert failed == ([] if rule.startswith("approvals") else [rule])


async def test_rules_that_pass_let_the_version_in(admin: Caller, unique: str) -> None:
    policy = {
        "metricRules": [{"metric": "auc", "op": ">=", "value": 0.9}, {"metric": "loss", "op": "<=", "value": 0.2}],
        "blockingSeverity": "HIGH",  # no advisory affects the version: it does not block
    }
    model = await _governed_model(admin, unique, policy)
    # auc from the version itself (its last step); loss from its producing run's final values.
    run = (await admin.data('mutation { startRun(input: {experiment: "gov-policies"}) { runId } }'))["startRun"][
        "runId"
    ]
    finish = 'mutation($r: String!) { finishRun(runId: $r, metrics: [{key: "loss", value: 0.3, step: 1}, {key: "loss", value: 0.1, step: 2}]) { status } }'
    await admin.data(finish, r=run)
    metrics = [{"key": "auc", "value": 0.5, "step": 1}, {"key": "auc", "value": 0.93, "step": 2}]
    await admin.data(VERSION_WITH, input={"model": model, "runId": run, "metrics": metrics})
    verdict = (await admin.data(CHECK, m=model, v=1))["promotionCheck"]
    assert verdict["allowed"] is True and verdict["requiredApprovals"] == 0
    assert {c["rule"]: c["detail"] for c in verdict["checks"]} == {
        "blockingSeverity HIGH": "no known vulnerability at or above it",
        "metric auc >= 0.9": "auc = 0.93",
        "metric loss <= 0.2": "loss = 0.1 (its producing run's final value)",
    }
    assert (await admin.data(STAGE, m=model, v=1, s="PRODUCTION"))["transitionStage"]["stage"] == "PRODUCTION"


async def test_several_failures_are_all_named(admin: Caller, unique: str) -> None:
    policy = {"requireArtifactReady": True, "metricRules": [{"metric": "auc", "op": ">", "value": 0.5}]}
    model = await _governed_model(admin, unique, policy)
    await admin.data(VERSION_WITH, input={"model": model})
    error = await _refusal(admin, model, 1)
    assert sorted(error["extensions"]["failedRules"]) == ["metric auc > 0.5", "requireArtifactReady"]


async def test_promotion_check_changes_nothing(admin: Caller, unique: str) -> None:
    model = await _governed_model(admin, unique, {"requiredApprovals": 1, "requireArtifactReady": True})
    await admin.data(VERSION_WITH, input={"model": model})
    audit = "query($m: String!) { auditLog(model: $m) { totalCount } }"
    before = (await admin.data(STATE, m=model), await admin.data(audit, m=model))
    for _ in range(3):
        verdict = (await admin.data(CHECK, m=model, v=1))["promotionCheck"]
        assert verdict == {
            "allowed": False,
            "requiredApprovals": 1,
            "checks": [{"rule": "requireArtifactReady", "passed": False, "detail": "artifact not declared"}],
        }
    assert (await admin.data(STATE, m=model), await admin.data(audit, m=model)) == before


async def test_a_team_policy_is_set_by_its_maintainers_and_null_fields_stay(
    mint: Mint, admin: Caller, unique: str
) -> None:
    lead = await mint(Role.READER, "lead")
    assert lead.name is not None
    team = await make_team(admin, f"t-{unique}", {lead.name: "MAINTAINER"})
    first = await lead.data(POLICY, t=team, input={"requiredApprovals": 2, "requiredCardFields": ["limitations"]})
    changed = (await lead.data(POLICY, t=team, input={"requireArtifactReady": True}))["setPromotionPolicy"]
    assert first["setPromotionPolicy"]["requiredApprovals"] == 2
    assert changed["requiredApprovals"] == 2 and changed["requiredCardFields"] == ["limitations"]
    assert changed["requireArtifactReady"] is True
    shown = await lead.data(
        "query($t: String!) { team(name: $t) { policy { requiredApprovals requireProvenance } } }", t=team
    )
    # The server runs with GRAPH_REGISTRY_REQUIRE_PROVENANCE off: the registry-wide default.
    assert shown["team"]["policy"] == {"requiredApprovals": 2, "requireProvenance": False}
    # A team maintainer may not change the registry-wide policy; bad values are refused.
    assert await lead.code(POLICY, t=None, input={"requiredApprovals": 0}) == "FORBIDDEN"
    for bad in (
        {"requiredApprovals": -1},
        {"requiredCardFields": ["nope"]},
        {"metricRules": [{"metric": "auc", "op": "==", "value": 1}]},
    ):
        assert await lead.code(POLICY, t=team, input=bad) == "INVALID_INPUT"
    assert await admin.code(POLICY, t=f"none-{unique}", input={"requiredApprovals": 1}) == "NOT_FOUND"


def test_a_team_policy_adds_to_the_registry_wide_one_and_never_loosens_it() -> None:
    registry = Policy(
        required_approvals=2,
        require_provenance=True,
        blocking_severity="HIGH",
        required_card_fields=("limitations",),
        metric_rules=(MetricRule("auc", ">=", 0.9),),
    )
    team = Policy(
        required_approvals=1,
        require_artifact_ready=True,
        blocking_severity="MODERATE",
        required_card_fields=("intendedUse",),
        metric_rules=(MetricRule("auc", ">=", 0.9), MetricRule("loss", "<", 0.2)),
    )
    assert merge(registry, team) == Policy(
        required_approvals=2,
        require_provenance=True,
        require_artifact_ready=True,
        blocking_severity="MODERATE",
        required_card_fields=("intendedUse", "limitations"),
        metric_rules=(MetricRule("auc", ">=", 0.9), MetricRule("loss", "<", 0.2)),
    )
    assert merge(registry, Policy(blocking_severity="CRITICAL")).blocking_severity == "HIGH"
    assert merge(registry, None) == registry
