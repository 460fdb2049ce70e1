"""Promotion policies as data, and the verdict they give on a version: pure rules, no database.

A registry-wide policy and optional per-team policies. A team's policy only adds to the
registry-wide one (`merge`): the higher approval count, every boolean on in either, the
stricter blocking severity, the union of card fields and metric rules. Stored policies keep
only what was set: an unset registry-wide `requireProvenance` is the server's default
(GRAPH_REGISTRY_REQUIRE_PROVENANCE), every other unset rule is off.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from graph_registry.domain.records import Metric
from graph_registry.domain.validation import TAG_KEY
from graph_registry.errors import InvalidInput, PreconditionFailed

SEVERITIES = ("LOW", "MODERATE", "HIGH", "CRITICAL")
CARD_FIELDS = ("summary", "intendedUse", "limitations", "ethicalConsiderations", "evaluation", "license")
OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}
MAX_APPROVALS = 20
MAX_METRIC_RULES = 50


@dataclass(frozen=True, slots=True)
class MetricRule:
    metric: str
    op: str
    value: float

    @property
    def name(self) -> str:
        return f"metric {self.metric} {self.op} {self.value:g}"

    def validated(self) -> MetricRule:
        if not TAG_KEY.fullmatch(self.metric):
            raise InvalidInput(f"invalid metric name {self.metric[:80]!r}", field="metricRules.metric")
        if self.op not in OPERATORS:
            raise InvalidInput(f"op must be one of {', '.join(OPERATORS)}", field="metricRules.op")
        if not math.isfinite(self.value):
            raise InvalidInput("a metric rule's value must be a finite number", field="metricRules.value")
        return self


@dataclass(frozen=True, slots=True)
class Policy:
    """The rules in force: what a version must pass to enter PRODUCTION."""

    required_approvals: int = 0
    require_provenance: bool = False
    require_artifact_ready: bool = False
    blocking_severity: str | None = None
    required_card_fields: tuple[str, ...] = ()
    metric_rules: tuple[MetricRule, ...] = ()


@dataclass(frozen=True, slots=True)
class PolicyChange:
    """setPromotionPolicy's input: None leaves a rule as it is."""

    required_approvals: int | None = None
    require_provenance: bool | None = None
    require_artifact_ready: bool | None = None
    blocking_severity: str | None = None
    required_card_fields: Sequence[str] | None = None
    metric_rules: Sequence[MetricRule] | None = None

    def validated(self) -> PolicyChange:
        if self.required_approvals is not None and not 0 <= self.required_approvals <= MAX_APPROVALS:
            raise InvalidInput(f"requiredApprovals must be between 0 and {MAX_APPROVALS}", field="requiredApprovals")
        if self.blocking_severity is not None and self.blocking_severity not in SEVERITIES:
            raise InvalidInput(f"blockingSeverity must be one of {', '.join(SEVERITIES)}", field="blockingSeverity")
        for name in self.required_card_fields or ():
            if name not in CARD_FIELDS:
                raise InvalidInput(
                    f"unknown model card field {name[:80]!r}; one of {', '.join(CARD_FIELDS)}",
                    field="requiredCardFields",
                )
        if self.metric_rules is not None:
            if len(self.metric_rules) > MAX_METRIC_RULES:
                raise InvalidInput(f"at most {MAX_METRIC_RULES} metric rules", field="metricRules")
            for rule in self.metric_rules:
                rule.validated()
        return self

    def stored(self) -> dict[str, Any]:
        """The properties to set on the stored policy (unset rules are not touched)."""
        values: dict[str, Any] = {
            "requiredApprovals": self.required_approvals,
            "requireProvenance": self.require_provenance,
            "requireArtifactReady": self.require_artifact_ready,
            "blockingSeverity": self.blocking_severity,
            "requiredCardFields": None if self.required_card_fields is None else sorted(set(self.required_card_fields)),
            "metricRules": None if self.metric_rules is None else _rules_to_json(self.metric_rules),
        }
        return {key: value for key, value in values.items() if value is not None}


def _rules_to_json(rules: Sequence[MetricRule]) -> str:
    return orjson.dumps([{"metric": r.metric, "op": r.op, "value": r.value} for r in rules]).decode()


def stored_policy(
    row: Mapping[str, Any] | None,
    *,
    default_provenance: bool = False,
    default_severity: str | None = None,
    default_card_fields: Sequence[str] = (),
) -> Policy:
    """A stored policy's rules; the defaults stand in for an unset requireProvenance, blockingSeverity
    and requiredCardFields (the registry-wide settings)."""
    row = row or {}
    provenance = row.get("requireProvenance")
    severity = row.get("blockingSeverity")
    card_fields = row.get("requiredCardFields")
    return Policy(
        required_approvals=int(row.get("requiredApprovals") or 0),
        require_provenance=default_provenance if provenance is None else bool(provenance),
        require_artifact_ready=bool(row.get("requireArtifactReady")),
        blocking_severity=default_severity if severity is None else severity,
        required_card_fields=tuple(default_card_fields if card_fields is None else card_fields),
        metric_rules=tuple(MetricRule(**item) for item in orjson.loads(row.get("metricRules") or "[]")),
    )


def _stricter(a: str | None, b: str | None) -> str | None:
    """The severity that blocks more versions: the lower threshold."""
    chosen = [s for s in (a, b) if s is not None]
    return min(chosen, key=SEVERITIES.index) if chosen else None


def merge(registry: Policy, team: Policy | None) -> Policy:
    """The effective policy of a team's model: the team's rules add to the registry-wide ones."""
    if team is None:
        return registry
    return Policy(
        required_approvals=max(registry.required_approvals, team.required_approvals),
        require_provenance=registry.require_provenance or team.require_provenance,
        require_artifact_ready=registry.require_artifact_ready or team.require_artifact_ready,
        blocking_severity=_stricter(registry.blocking_severity, team.blocking_severity),
        required_card_fields=tuple(sorted({*registry.required_card_fields, *team.required_card_fields})),
        metric_rules=tuple(dict.fromkeys([*registry.metric_rules, *team.metric_rules])),
    )


def final_values(metrics: Sequence[Metric]) -> dict[str, float]:
    """Each metric's final value: the one at its highest step (the last logged, among equal steps)."""
    chosen: dict[str, tuple[int, float]] = {}
    for metric in metrics:
        step = metric.step if metric.step is not None else -1
        if metric.key not in chosen or step >= chosen[metric.key][0]:
            chosen[metric.key] = (step, metric.value)
    return {key: value for key, (_, value) in chosen.items()}


@dataclass(frozen=True, slots=True)
class Facts:
    """What the rules look at, read inside the transaction that judges the version."""

    has_run: bool
    has_dataset: bool
    has_commit: bool
    artifact_status: str | None
    metrics: Mapping[str, float]
    run_metrics: Mapping[str, float]
    card: Mapping[str, str | None] = field(default_factory=dict)
    # Advisory ids affecting the version's packages at or above the policy's blocking severity.
    vulnerabilities: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class Check:
    rule: str
    passed: bool
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    checks: tuple[Check, ...]
    required_approvals: int

    @property
    def allowed(self) -> bool:
        """True when every rule passes (approvals aside)."""
        return all(check.passed for check in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if not check.passed]


def _metric_check(rule: MetricRule, facts: Facts) -> Check:
    own = rule.metric in facts.metrics
    value = facts.metrics.get(rule.metric, facts.run_metrics.get(rule.metric))
    if value is None:
        return Check(rule.name, False, f"the version has no metric {rule.metric} (nor has its producing run)")
    where = "" if own else " (its producing run's final value)"
    return Check(rule.name, OPERATORS[rule.op](value, rule.value), f"{rule.metric} = {value:g}{where}")


def judge(policy: Policy, facts: Facts) -> Verdict:
    """Every rule of `policy` on the version `facts` describe."""
    checks: list[Check] = []
    if policy.require_provenance:
        missing = [
            what
            for what, present in (
                ("a run", facts.has_run),
                ("a dataset", facts.has_dataset),
                ("a commit", facts.has_commit),
            )
            if not present
        ]
        detail = (
            f"its lineage lacks {' and '.join(missing)}: record them with runId, or trainedOn and commit, when "
            "creating the version; a run started outside a git repository records no commit"
            if missing
            else "dataset, commit and run recorded"
        )
        checks.append(Check("requireProvenance", not missing, detail))
    if policy.require_artifact_ready:
        status = facts.artifact_status
        checks.append(Check("requireArtifactReady", status == "READY", f"artifact {status or 'not declared'}"))
    if policy.blocking_severity is not None:
        found = list(facts.vulnerabilities)
        detail = f"known vulnerabilities: {', '.join(found)}" if found else "no known vulnerability at or above it"
        checks.append(Check(f"blockingSeverity {policy.blocking_severity}", not found, detail))
    for name in policy.required_card_fields:
        present = bool((facts.card.get(name) or "").strip())
        checks.append(Check(f"requiredCardField {name}", present, None if present else "the card section is empty"))
    checks.extend(_metric_check(rule, facts) for rule in policy.metric_rules)
    return Verdict(checks=tuple(checks), required_approvals=policy.required_approvals)


def refusal(verdict: Verdict, *, model: str, version: int, approvals: str | None = None) -> PreconditionFailed:
    """PRECONDITION_FAILED naming each failed rule (and the approval flow, when approvals are missing)."""
    failed = [f"{check.rule} ({check.detail})" if check.detail else check.rule for check in verdict.failed]
    names = [check.rule for check in verdict.failed]
    if approvals is not None:
        failed.append(f"approvals 0/{verdict.required_approvals} ({approvals})")
        names.append(f"approvals 0/{verdict.required_approvals}")
    return PreconditionFailed(
        f"{model} v{version} cannot go to PRODUCTION: " + "; ".join(failed),
        model=model,
        version=version,
        failedRules=names,
    )


def with_approvals(policy: Policy, approvals: int) -> Policy:
    return replace(policy, required_approvals=approvals)
