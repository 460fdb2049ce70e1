"""Stages and aliases: the governed part of a model's life.

Every change takes the model's write lock first, so changes of one model are
serialised: at most one PRODUCTION version at any instant, an alias on exactly
one version, and the history written in the same transaction as the change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graph_registry.domain import validation
from graph_registry.domain.groups import grouped
from graph_registry.domain.promotion import refusal
from graph_registry.domain.records import AliasAssignmentRecord, Stage, StageTransitionRecord, VersionRecord
from graph_registry.errors import Conflict, Forbidden, NotFound, PreconditionFailed
from graph_registry.services.audit import AuditEntry, write_audited
from graph_registry.services.promotion import PromotionService
from graph_registry.services.requests import expire_requests
from graph_registry.storage.database import Database, Transaction

# Stages that, with archiveExisting, push their previous holder to ARCHIVED.
EXCLUSIVE_WHEN_ARCHIVING = {Stage.PRODUCTION, Stage.STAGING}


@dataclass(frozen=True, slots=True)
class StageChange:
    version: int
    from_stage: Stage
    to_stage: Stage
    comment: str | None


def plan_transition(
    *,
    target: VersionRecord,
    stage: Stage,
    holders: Sequence[int],
    archive_existing: bool,
    comment: str | None,
) -> list[StageChange]:
    """The stage changes a transition makes, in order; raises when the rules refuse it."""
    if target.deleted:
        raise PreconditionFailed(
            f"{target.model} v{target.version} is deleted", model=target.model, version=target.version
        )
    if target.stage is stage:
        return []
    changes = []
    if stage in EXCLUSIVE_WHEN_ARCHIVING and holders:
        if archive_existing:
            changes = [
                StageChange(
                    version=held,
                    from_stage=stage,
                    to_stage=Stage.ARCHIVED,
                    comment=f"archived: v{target.version} moved to {stage.value}",
                )
                for held in sorted(holders)
            ]
        elif stage is Stage.PRODUCTION:
            raise Conflict(
                f"{target.model} v{holders[0]} is in PRODUCTION; pass archiveExisting: true to replace it",
                model=target.model,
                version=target.version,
            )
    changes.append(StageChange(version=target.version, from_stage=target.stage, to_stage=stage, comment=comment))
    return changes


class LifecycleService:
    def __init__(
        self, database: Database, *, require_provenance: bool = True, promotion: PromotionService | None = None
    ) -> None:
        self._db = database
        # The registry-wide default of requireProvenance (GRAPH_REGISTRY_REQUIRE_PROVENANCE).
        self._promotion = promotion or PromotionService(database, require_provenance=require_provenance)

    async def transition_stage(
        self,
        *,
        model: str,
        version: int,
        stage: Stage,
        archive_existing: bool,
        comment: str | None,
        actor: str,
        may_leave_production: bool = True,
        audit: AuditEntry | None = None,
    ) -> VersionRecord:
        """Move a version to `stage`, archiving the holders it replaces.

        `may_leave_production=False` (a caller who may not touch PRODUCTION) refuses moving a
        version out of PRODUCTION, judged on the locked state: the version may have been
        promoted between the caller's authorization and this transaction.
        """
        validation.name(model)
        validation.version(version)
        validation.text(comment, what="comment", limit=2000)

        async def work(tx: Transaction) -> VersionRecord:
            return await self.move_in(
                tx,
                model=model,
                version=version,
                stage=stage,
                archive_existing=archive_existing,
                comment=comment,
                actor=actor,
                may_leave_production=may_leave_production,
            )

        return await write_audited(self._db, work, audit=audit)

    async def move_in(
        self,
        tx: Transaction,
        *,
        model: str,
        version: int,
        stage: Stage,
        archive_existing: bool,
        comment: str | None,
        actor: str,
        may_leave_production: bool = True,
        approved_by: Sequence[str] = (),
    ) -> VersionRecord:
        """The move of transition_stage, in the caller's transaction (which takes the model's lock here).

        Entering PRODUCTION, the promotion policy is judged in this transaction; `approved_by` (a
        completed request's approvers) stands for the approvals it requires. Pending requests of
        the versions that leave their stage expire in the same transaction.
        """
        rows = await tx.run("lock_for_transition", model=model, version=version, stage=stage.value)
        state = _require(rows, model, version)
        target = VersionRecord.from_row(state["version"])
        if target.stage is Stage.PRODUCTION and stage is not Stage.PRODUCTION and not may_leave_production:
            raise Forbidden(
                f"{model} v{target.version} is in PRODUCTION: moving it out needs the maintainer role",
                model=model,
                version=target.version,
            )
        if stage is Stage.PRODUCTION and target.stage is not Stage.PRODUCTION and not target.deleted:
            verdict = (await self._promotion.verdict_in(tx, model=model, version=version)).verdict
            flow = None
            if verdict.required_approvals > 0 and not approved_by:
                flow = (
                    f"the promotion policy needs {verdict.required_approvals} approval(s): open a request with "
                    "requestStageTransition for maintainers to approve"
                )
            if verdict.failed or flow:
                raise refusal(verdict, model=model, version=version, approvals=flow)
        changes = plan_transition(
            target=target,
            stage=stage,
            holders=state["holders"],
            archive_existing=archive_existing,
            comment=comment,
        )
        if not changes:
            return target
        first_seq = state["eventCount"] + 1
        applied = await tx.run(
            "apply_stage_changes",
            model=model,
            actor=actor,
            eventCount=state["eventCount"] + len(changes),
            changes=[
                {
                    "version": change.version,
                    "fromStage": change.from_stage.value,
                    "toStage": change.to_stage.value,
                    "comment": change.comment,
                    "seq": first_seq + index,
                }
                for index, change in enumerate(changes)
            ],
        )
        if approved_by:
            seq = first_seq + len(changes) - 1
            await tx.run("record_transition_approvers", model=model, seq=seq, approvedBy=list(approved_by))
        await expire_requests(tx, model=model, versions=[change.version for change in changes], actor=actor)
        moved = (VersionRecord.from_row(row["version"]) for row in applied)
        return next(record for record in moved if record.version == version)

    async def set_alias(
        self, *, model: str, alias: str, version: int, actor: str, audit: AuditEntry | None = None
    ) -> VersionRecord:
        validation.name(model)
        validation.alias(alias)
        validation.version(version)

        async def work(tx: Transaction) -> VersionRecord:
            rows = await tx.run("lock_for_alias", model=model, alias=alias, version=version)
            state = _require(rows, model, version)
            target = VersionRecord.from_row(state["version"])
            if target.deleted:
                raise PreconditionFailed(f"{model} v{version} is deleted", model=model, version=version)
            if state["currentVersion"] == version:
                return target
            moved = await tx.run(
                "move_alias",
                model=model,
                alias=alias,
                version=version,
                actor=actor,
                seq=state["eventCount"] + 1,
            )
            return VersionRecord.from_row(moved[0]["version"])

        return await write_audited(self._db, work, audit=audit)

    async def delete_alias(self, *, model: str, alias: str, actor: str, audit: AuditEntry | None = None) -> bool:
        validation.name(model)
        validation.alias(alias)

        async def work(tx: Transaction) -> bool:
            rows = await tx.run("lock_for_alias", model=model, alias=alias, version=None)
            if not rows:
                raise NotFound(f"model {model!r} does not exist", model=model)
            if rows[0]["currentVersion"] is None:
                raise NotFound(f"model {model!r} has no alias {alias!r}", model=model, alias=alias)
            await tx.run("remove_alias", model=model, alias=alias, actor=actor, seq=rows[0]["eventCount"] + 1)
            return True

        return await write_audited(self._db, work, audit=audit)

    async def aliases_of_versions(self, keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], list[str]]:
        rows = await self._db.read("get_version_aliases", keys=[list(key) for key in keys])
        return {(row["model"], row["version"]): sorted(row["aliases"]) for row in rows}

    async def aliases_of_models(self, names: Sequence[str]) -> dict[str, list[tuple[str, int]]]:
        rows = await self._db.read("get_model_aliases", names=list(names))
        return grouped((row["model"], (row["alias"], row["version"])) for row in rows)

    async def stage_histories(
        self, keys: Sequence[tuple[str, int]]
    ) -> dict[tuple[str, int], list[StageTransitionRecord]]:
        rows = await self._db.read("get_stage_histories", keys=[list(key) for key in keys])
        records = (StageTransitionRecord.from_row(row["transition"]) for row in rows)
        return grouped(((record.model, record.version), record) for record in records)

    async def alias_histories(
        self, keys: Sequence[tuple[str, int]]
    ) -> dict[tuple[str, int], list[AliasAssignmentRecord]]:
        rows = await self._db.read("get_alias_histories", keys=[list(key) for key in keys])
        records = (AliasAssignmentRecord.from_row(row["assignment"]) for row in rows)
        return grouped(((record.model, record.version), record) for record in records)


def _require(rows: list[dict[str, Any]], model: str, version: int) -> dict[str, Any]:
    if not rows:
        raise NotFound(f"model {model!r} does not exist", model=model)
    if rows[0]["version"] is None:
        raise NotFound(f"model version {model}:{version} does not exist", model=model, version=version)
    return rows[0]
