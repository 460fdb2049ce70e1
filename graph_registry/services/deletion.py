"""Deleting model versions without destroying lineage.

Soft delete (the default) marks the version: it leaves listings and stays in
lineage. Hard delete removes the node and is refused while the version holds
PRODUCTION or an alias, or another version was fine-tuned from it. Both are
refused for a version in PRODUCTION or holding an alias: a stage holder or an
alias target must stay visible. Each deletion records a VERSION_DELETED event
under the model's lock; version numbers are never reused.
"""

from __future__ import annotations

from graph_registry.domain import validation
from graph_registry.domain.records import Stage, VersionRecord
from graph_registry.errors import NotFound, PreconditionFailed
from graph_registry.services.audit import AuditEntry, write_audited
from graph_registry.services.requests import expire_requests
from graph_registry.storage.database import Database, Transaction


class DeletionService:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def delete_version(
        self, *, model: str, version: int, hard: bool, actor: str, audit: AuditEntry | None = None
    ) -> bool:
        validation.name(model)
        validation.version(version)

        async def work(tx: Transaction) -> bool:
            rows = await tx.run("lock_for_delete", model=model, version=version)
            if not rows:
                raise NotFound(f"model {model!r} does not exist", model=model)
            state = rows[0]
            if state["version"] is None:
                raise NotFound(f"model version {model}:{version} does not exist", model=model, version=version)
            target = VersionRecord.from_row(state["version"])
            _refuse_if_held(target, state["aliases"])
            if hard and state["dependents"]:
                raise PreconditionFailed(
                    f"{model} v{version} is the base model of {', '.join(sorted(state['dependents']))}",
                    model=model,
                    version=version,
                )
            if not hard and target.deleted:
                return True
            query = "hard_delete_version" if hard else "soft_delete_version"
            await tx.run(query, model=model, version=version, seq=state["eventCount"] + 1, actor=actor)
            await expire_requests(tx, model=model, versions=[version], actor=actor)
            return True

        return await write_audited(self._db, work, audit=audit)


def _refuse_if_held(target: VersionRecord, aliases: list[str]) -> None:
    if target.stage is Stage.PRODUCTION:
        raise PreconditionFailed(
            f"{target.model} v{target.version} is in PRODUCTION; move it out first",
            model=target.model,
            version=target.version,
        )
    if aliases:
        raise PreconditionFailed(
            f"{target.model} v{target.version} holds the alias(es) {', '.join(sorted(aliases))}; move them first",
            model=target.model,
            version=target.version,
        )
