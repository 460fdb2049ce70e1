"""Registering a model version: one use case, one transaction, down once.

`register` validates the version and its declared lineage, then, in one write
transaction (with the attempt's audit entry): resolves what the lineage names
(run, dataset versions, the base model), creates the version, and links it. A
missing reference is NotFound before anything is written; a base model deleted
meanwhile undoes the whole transaction. A replayed requestId returns the version
stored then and links nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from graph_registry.domain import validation
from graph_registry.domain.records import VersionRecord
from graph_registry.domain.refs import LineageDeclaration, NewVersion, VersionLineage
from graph_registry.services import models, provenance
from graph_registry.services.audit import AuditEntry, write_audited
from graph_registry.services.models import DEFAULT_MAX_ARTIFACT_SIZE
from graph_registry.storage.database import Database, Transaction


class VersionService:
    def __init__(self, database: Database, *, max_artifact_size: int = DEFAULT_MAX_ARTIFACT_SIZE) -> None:
        self._db = database
        self._max_artifact_size = max_artifact_size

    async def register(
        self,
        new: NewVersion,
        declaration: LineageDeclaration | None = None,
        *,
        actor: str,
        audit: AuditEntry | None = None,
        lineage: VersionLineage | None = None,
        also: Callable[[Transaction, VersionRecord], Awaitable[None]] | None = None,
        prepare: Callable[[Transaction], Awaitable[NewVersion]] | None = None,
    ) -> VersionRecord:
        """`lineage`: an already validated declaration instead of `declaration` (adapters); `also`: a
        further step of the same transaction for a version just created (not for a replay). `prepare`:
        the transaction's first step, for an adapter that checks what the version names itself (the
        model, the run): it may refuse before anything is written, and returns the version to create
        (with what it read, e.g. the run's metrics); `lineage` is then linked as given, not resolved
        again, so it may name a run and packages only."""
        params = models.version_params(new, actor=actor, max_artifact_size=self._max_artifact_size)
        if new.team is not None:
            validation.name(new.team, what="team")
        if declaration is not None:
            lineage = provenance.declared(declaration)
        if prepare is not None and lineage is not None and (lineage.trained_on or lineage.commit or lineage.base_model):
            raise ValueError("a prepared registration links a run and packages only")

        async def work(tx: Transaction) -> VersionRecord:
            created = params
            if prepare is not None:
                prepared = await prepare(tx)
                created = models.version_params(prepared, actor=actor, max_artifact_size=self._max_artifact_size)
                resolved: provenance.ResolvedLineage | None = provenance.ResolvedLineage(trained_on=(), base_model=None)
            else:
                resolved = await provenance.resolve(tx, lineage) if lineage is not None else None
            if new.team is not None:
                await models.require_team(tx, new.team)
            record, replayed = await models.create_version(tx, created)
            if new.team is not None:
                await tx.run("join_team_if_created", model=new.model, team=new.team)
            if lineage is not None and resolved is not None and not replayed:
                await provenance.link(tx, lineage, resolved, record)
            if also is not None and not replayed:
                await also(tx, record)
            return record

        return await write_audited(self._db, work, audit=audit)
