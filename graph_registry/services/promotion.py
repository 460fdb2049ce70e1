"""Promotion policies: stored per scope (registry-wide, per team), judged inside transactions.

`verdict_in(tx, ...)` reads the effective policy and the version's facts in the caller's
transaction, so the transaction that moves a version to PRODUCTION (and the approval that
completes a request) judges exactly what it commits. `promotion_check` is the dry run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graph_registry.domain import validation
from graph_registry.domain.cards import validated_fields
from graph_registry.domain.promotion import (
    Facts,
    Policy,
    PolicyChange,
    Verdict,
    final_values,
    judge,
    merge,
    stored_policy,
)
from graph_registry.domain.records import Stage, VersionRecord, metrics_from_json
from graph_registry.domain.severity import Severity
from graph_registry.errors import NotFound
from graph_registry.services.advisories import blocking_advisories
from graph_registry.services.audit import AuditEntry, write_audited
from graph_registry.services.cards import missing_card_fields
from graph_registry.storage.database import Database, Transaction

REGISTRY_SCOPE = ""


@dataclass(frozen=True, slots=True)
class Judgement:
    """A version's verdict, with the version as the transaction saw it."""

    version: VersionRecord
    team: str | None
    verdict: Verdict


class PromotionService:
    def __init__(
        self,
        database: Database,
        *,
        require_provenance: bool = True,
        blocking_severity: Severity | None = None,
        required_card_fields: Sequence[str] = (),
    ) -> None:
        self._db = database
        # Registry-wide defaults (GRAPH_REGISTRY_REQUIRE_PROVENANCE, _BLOCKING_SEVERITY, _REQUIRED_CARD_FIELDS)
        # for the rules the registry-wide policy leaves unset.
        self._require_provenance = require_provenance
        self._blocking_severity = None if blocking_severity is None else blocking_severity.value
        self._required_card_fields = validated_fields(required_card_fields)

    def _policies(self, row: Mapping[str, Any]) -> tuple[Policy, Policy | None]:
        registry = stored_policy(
            row["registry"],
            default_provenance=self._require_provenance,
            default_severity=self._blocking_severity,
            default_card_fields=self._required_card_fields,
        )
        team = stored_policy(row["policy"]) if row.get("policy") is not None else None
        return registry, team

    async def policy_of(self, team: str | None) -> Policy:
        """The policy in force for a team's models (team None: the registry-wide one)."""
        rows = await self._db.read("get_scope_policies", team=team)
        registry, own = self._policies(rows[0])
        return merge(registry, own)

    async def set_policy(
        self, *, team: str | None, change: PolicyChange, actor: str, audit: AuditEntry | None = None
    ) -> Policy:
        """Changes the scope's stored policy, in one write transaction with the attempt's entry (`audit`);
        the policy then in force there."""
        change.validated()

        async def work(tx: Transaction) -> Policy:
            if team is not None:
                validation.name(team, what="team")
                if not await tx.run("get_teams", names=[team]):
                    raise NotFound(f"no team named {team!r}", team=team)
            scope = REGISTRY_SCOPE if team is None else team
            await tx.run("set_promotion_policy", scope=scope, changes=change.stored(), actor=actor)
            rows = await tx.run("get_scope_policies", team=team)
            registry, own = self._policies(rows[0])
            return merge(registry, own)

        return await write_audited(self._db, work, audit=audit)

    async def verdict_in(self, tx: Transaction, *, model: str, version: int) -> Judgement:
        """The effective policy's verdict on a version, read in `tx` (NOT_FOUND when it does not exist)."""
        rows = await tx.run("get_promotion_policies", model=model)
        registry, own = self._policies(rows[0])
        policy = merge(registry, own)
        found = await tx.run("get_promotion_facts", model=model, version=version)
        if not found:
            raise NotFound(f"model {model!r} has no version {version}", model=model, version=version)
        row = found[0]
        record = VersionRecord.from_row(row["version"])
        vulnerabilities: list[str] = []
        if policy.blocking_severity is not None:
            found_advisories = await blocking_advisories(
                tx, model=model, version=version, minimum=Severity(policy.blocking_severity)
            )
            vulnerabilities = [advisory.describe() for advisory in found_advisories]
        missing = set(
            await missing_card_fields(tx, model=model, version=version, required=policy.required_card_fields)
            if policy.required_card_fields
            else ()
        )
        facts = Facts(
            has_run=row["hasRun"],
            has_dataset=row["hasDataset"],
            has_commit=row["hasCommit"],
            artifact_status=record.artifact.status if record.artifact else None,
            metrics=final_values(record.metrics),
            run_metrics=final_values(metrics_from_json(row["runMetrics"])),
            card={name: None if name in missing else name for name in policy.required_card_fields},
            vulnerabilities=vulnerabilities,
        )
        return Judgement(version=record, team=rows[0]["team"], verdict=judge(policy, facts))

    async def promotion_check(self, *, model: str, version: int, stage: Stage) -> Verdict:
        """The dry run: the verdict on moving the version to `stage` now (only PRODUCTION has rules)."""
        validation.name(model)
        validation.version(version)

        async def work(tx: Transaction) -> Verdict:
            judgement = await self.verdict_in(tx, model=model, version=version)
            if stage is not Stage.PRODUCTION:
                return Verdict(checks=(), required_approvals=0)
            return judgement.verdict

        return await self._db.read_transaction(work)
