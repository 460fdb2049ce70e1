"""Stages and aliases: the governed part of a model's life.

Every change takes the model's write lock first, so changes of one model are
serialised: at most one PRODUCTION version at any instant, an alias on exactly
one version, and the history written in the same transaction as the change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graph_registry import validation
from graph_registry.domain.cards import validated_fields
from graph_registry.domain.severity import Severity
from graph_registry.errors import Conflict, Forbidden, NotFound, PreconditionFailed
from graph_registry.records import AliasAssignmentRecord, Stage, StageTransitionRecord, VersionRecord
from graph_registry.services.advisories import blocking_advisories
from graph_registry.services.cards import missing_card_fields
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
        self,
        database: Database,
        *,
        require_provenance: bool = True,
        blocking_severity: Severity | None = None,
        required_card_fields: Sequence[str] = (),
    ) -> None:
        self._db = database
        self._require_provenance = require_provenance
        self._blocking_severity = blocking_severity
        self._required_card_fields = validated_fields(required_card_fields)

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
            rows = await tx.run("lock_for_transition", model=model, version=version, stage=stage.value)
            state = _require(rows, model, version)
            target = VersionRecord.from_row(state["version"])
            if target.stage is Stage.PRODUCTION and stage is not Stage.PRODUCTION and not may_leave_production:
                raise Forbidden(
                    f"{model} v{target.version} is in PRODUCTION: moving it out needs the maintainer role",
                    model=model,
                    version=target.version,
                )
            if stage is Stage.PRODUCTION and target.stage is not Stage.PRODUCTION and self._require_provenance:
                _require_provenance(target, has_dataset=state["hasDataset"], has_commit=state["hasCommit"])
            if stage is Stage.PRODUCTION and target.stage is not Stage.PRODUCTION:
                await self._supply_rules(tx, target)
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
            moved = (VersionRecord.from_row(row["version"]) for row in applied)
            return next(record for record in moved if record.version == version)

        return await self._db.write_transaction(work)

    async def _supply_rules(self, tx: Transaction, target: VersionRecord) -> None:
        if self._blocking_severity is not None:
            await _refuse_vulnerable(tx, target, self._blocking_severity)
        if self._required_card_fields:
            missing = await missing_card_fields(
                tx, model=target.model, version=target.version, required=self._required_card_fields
            )
            if missing:
                raise PreconditionFailed(
                    f"{target.model} v{target.version} cannot go to PRODUCTION: its model card lacks "
                    f"{', '.join(missing)} (set them with updateModelCard)",
                    model=target.model,
                    version=target.version,
                    reason="card",
                    fields=missing,
                )

    async def set_alias(self, *, model: str, alias: str, version: int, actor: str) -> VersionRecord:
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

        return await self._db.write_transaction(work)

    async def delete_alias(self, *, model: str, alias: str, actor: str) -> bool:
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

        return await self._db.write_transaction(work)

    async def aliases_of_versions(self, keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], list[str]]:
        rows = await self._db.read("get_version_aliases", keys=[list(key) for key in keys])
        return {(row["model"], row["version"]): sorted(row["aliases"]) for row in rows}

    async def aliases_of_models(self, names: Sequence[str]) -> dict[str, list[tuple[str, int]]]:
        rows = await self._db.read("get_model_aliases", names=list(names))
        found: dict[str, list[tuple[str, int]]] = {}
        for row in rows:
            found.setdefault(row["model"], []).append((row["alias"], row["version"]))
        return found

    async def stage_histories(
        self, keys: Sequence[tuple[str, int]]
    ) -> dict[tuple[str, int], list[StageTransitionRecord]]:
        rows = await self._db.read("get_stage_histories", keys=[list(key) for key in keys])
        found: dict[tuple[str, int], list[StageTransitionRecord]] = {}
        for row in rows:
            record = StageTransitionRecord.from_row(row["transition"])
            found.setdefault((record.model, record.version), []).append(record)
        return found

    async def alias_histories(
        self, keys: Sequence[tuple[str, int]]
    ) -> dict[tuple[str, int], list[AliasAssignmentRecord]]:
        rows = await self._db.read("get_alias_histories", keys=[list(key) for key in keys])
        found: dict[tuple[str, int], list[AliasAssignmentRecord]] = {}
        for row in rows:
            record = AliasAssignmentRecord.from_row(row["assignment"])
            found.setdefault((record.model, record.version), []).append(record)
        return found


def _require_provenance(target: VersionRecord, *, has_dataset: bool, has_commit: bool) -> None:
    """PRODUCTION governance: the version's producing run must have used a dataset and run a commit."""
    missing = [what for what, present in (("a dataset", has_dataset), ("a commit", has_commit)) if not present]
    if missing:
        raise PreconditionFailed(
            f"{target.model} v{target.version} cannot go to PRODUCTION: its lineage lacks {' and '.join(missing)} "
            "(record them with runId, or trainedOn and commit, when creating the version)",
            model=target.model,
            version=target.version,
            reason="provenance",
        )


async def _refuse_vulnerable(tx: Transaction, target: VersionRecord, minimum: Severity) -> None:
    """GRAPH_REGISTRY_BLOCKING_SEVERITY: no version with a known vulnerability at or above it enters PRODUCTION."""
    found = await blocking_advisories(tx, model=target.model, version=target.version, minimum=minimum)
    if found:
        raise PreconditionFailed(
            f"{target.model} v{target.version} cannot go to PRODUCTION: advisory {found[0].describe()} is at or above "
            f"the blocking severity {minimum.value}" + (f" (and {len(found) - 1} more)" if len(found) > 1 else ""),
            model=target.model,
            version=target.version,
            reason="vulnerability",
            advisory=found[0].osv_id,
        )


def _require(rows: list[dict[str, Any]], model: str, version: int) -> dict[str, Any]:
    if not rows:
        raise NotFound(f"model {model!r} does not exist", model=model)
    if rows[0]["version"] is None:
        raise NotFound(f"model {model!r} has no version {version}", model=model, version=version)
    return rows[0]
