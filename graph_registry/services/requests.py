"""Four-eyes stage transitions: requests that maintainers other than the requester approve.

Every decision takes the model's write lock first, then reads the request afresh, so
decisions on one model are serialised: an approval that completes the count moves the
version in its own transaction (after the policy's rules pass again; if they fail the
approval is not recorded and the request stays PENDING), and concurrent approvals after
it find the request no longer PENDING (CONFLICT). A request expires in the transaction
that moves or deletes its version (`expire_requests`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from graph_registry.domain import validation
from graph_registry.domain.groups import grouped
from graph_registry.domain.records import Stage, VersionRecord
from graph_registry.errors import Conflict, Forbidden, InvalidInput, NotFound, PreconditionFailed
from graph_registry.services.audit import AuditEntry, write_audited
from graph_registry.storage.database import Database, Transaction

if TYPE_CHECKING:
    from graph_registry.services.lifecycle import LifecycleService
    from graph_registry.services.promotion import PromotionService


class RequestState(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    actor: str
    approved: bool
    comment: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class RequestRecord:
    id: str
    model: str
    version: int
    to: Stage
    from_stage: Stage
    requested_by: str
    requested_at: datetime
    comment: str | None
    state: RequestState
    required_approvals: int
    decisions: tuple[DecisionRecord, ...]
    decided_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> RequestRecord:
        decisions = sorted(row.get("decisions") or [], key=lambda d: d["at"])
        return cls(
            id=row["id"],
            model=row["model"],
            version=row["version"],
            to=Stage(row["to"]),
            from_stage=Stage(row["fromStage"]),
            requested_by=row["requestedBy"],
            requested_at=row["requestedAt"],
            comment=row.get("comment"),
            state=RequestState(row["state"]),
            required_approvals=int(row["requiredApprovals"]),
            decisions=tuple(
                DecisionRecord(actor=d["actor"], approved=d["approved"], comment=d.get("comment"), at=d["at"])
                for d in decisions
            ),
            decided_at=row.get("decidedAt"),
        )

    def hard_deleted_version(self) -> VersionRecord:
        """What is left to say of the version once it was hard-deleted: its key, and that it is deleted."""
        return VersionRecord(
            model=self.model,
            version=self.version,
            stage=Stage.NONE,
            description=None,
            tags=(),
            metrics_json=None,
            created_at=self.requested_at,
            deleted=True,
            request_id=None,
        )

    @property
    def approvers(self) -> list[str]:
        return [decision.actor for decision in self.decisions if decision.approved]


def _open_key(model: str, version: int, stage: Stage) -> str:
    return f"{model}\x1f{version}\x1f{stage.value}"


async def expire_requests(tx: Transaction, *, model: str, versions: Sequence[int], actor: str) -> None:
    """End EXPIRED the PENDING requests of versions that leave their stage or are deleted (the caller
    holds the model's lock and calls this after its own events)."""
    rows = await tx.run("find_pending_requests_of_versions", model=model, versions=list(versions))
    if not rows or not rows[0]["pending"]:
        return
    first = rows[0]["eventCount"] + 1
    expiring = [{"id": entry["id"], "seq": first + index} for index, entry in enumerate(rows[0]["pending"])]
    await tx.run(
        "expire_transition_requests",
        model=model,
        eventCount=first + len(expiring) - 1,
        expiring=expiring,
        actor=actor,
    )


async def _decide(
    tx: Transaction,
    request: RequestRecord,
    event_count: int,
    *,
    actor: str,
    approved: bool,
    comment: str | None,
    detail: str | None,
) -> None:
    """Records one maintainer's decision on a request, as the model's next event (the caller holds its lock)."""
    await tx.run(
        "record_decision",
        model=request.model,
        id=request.id,
        actor=actor,
        approved=approved,
        comment=comment,
        seq=event_count + 1,
        type="TRANSITION_APPROVED" if approved else "TRANSITION_REJECTED",
        detail=detail,
    )


class RequestService:
    def __init__(self, database: Database, *, lifecycle: LifecycleService, promotion: PromotionService) -> None:
        self._db = database
        self._lifecycle = lifecycle
        self._promotion = promotion

    async def request(
        self,
        *,
        model: str,
        version: int,
        stage: Stage,
        comment: str | None,
        actor: str,
        audit: AuditEntry | None = None,
    ) -> RequestRecord:
        """Opens a request, in one write transaction with the attempt's entry (`audit`)."""
        validation.name(model)
        validation.version(version)
        validation.text(comment, what="comment", limit=2000)
        if stage is not Stage.PRODUCTION:
            raise InvalidInput("only moves to PRODUCTION need approvals: use transitionStage", field="stage")
        key = _open_key(model, version, stage)

        async def work(tx: Transaction) -> str:
            rows = await tx.run("lock_for_request", model=model, version=version, openKey=key)
            if not rows:
                raise NotFound(f"model {model!r} does not exist", model=model)
            if rows[0]["version"] is None:
                raise NotFound(f"model {model!r} has no version {version}", model=model, version=version)
            target = VersionRecord.from_row(rows[0]["version"])
            if target.deleted:
                raise PreconditionFailed(f"{model} v{version} is deleted", model=model, version=version)
            if target.stage is stage:
                raise PreconditionFailed(
                    f"{model} v{version} is in {stage.value} already", model=model, version=version
                )
            if rows[0]["openId"] is not None:
                raise Conflict(
                    f"{model} v{version} has an open request to {stage.value}",
                    model=model,
                    version=version,
                    request=rows[0]["openId"],
                )
            verdict = (await self._promotion.verdict_in(tx, model=model, version=version)).verdict
            if verdict.required_approvals == 0:
                raise PreconditionFailed(
                    f"the promotion policy of {model} needs no approvals: move it with transitionStage",
                    model=model,
                    version=version,
                )
            request_id = uuid.uuid4().hex
            await tx.run(
                "create_transition_request",
                id=request_id,
                model=model,
                version=version,
                to=stage.value,
                actor=actor,
                comment=comment,
                requiredApprovals=verdict.required_approvals,
                openKey=key,
                seq=rows[0]["eventCount"] + 1,
                detail=f"{stage.value}, {verdict.required_approvals} approval(s) needed",
            )
            return request_id

        return await self._load(await write_audited(self._db, work, audit=audit))

    async def _locked(self, tx: Transaction, request_id: str) -> tuple[RequestRecord, int]:
        """The request read after its model's lock was taken, and the model's event count."""
        locked = await tx.run("lock_request_model", id=request_id)
        if not locked:
            raise NotFound(f"no transition request {request_id}", request=request_id)
        rows = await tx.run("get_transition_requests", ids=[request_id])
        return RequestRecord.from_row(rows[0]["request"]), locked[0]["eventCount"]

    @staticmethod
    def _undecided(request: RequestRecord, actor: str) -> None:
        if any(decision.actor == actor for decision in request.decisions):
            raise Conflict(f"{actor!r} has decided on this request already", request=request.id)

    @staticmethod
    def _open(request: RequestRecord) -> None:
        if request.state is not RequestState.PENDING:
            raise Conflict(
                f"the request is {request.state.value}, no longer PENDING",
                request=request.id,
                state=request.state.value,
            )

    async def approve(
        self, *, request_id: str, comment: str | None, actor: str, audit: AuditEntry | None = None
    ) -> RequestRecord:
        """Records an approval (moving the version when it completes the count), in one write
        transaction with the attempt's entry (`audit`)."""
        validation.text(comment, what="comment", limit=2000)

        async def work(tx: Transaction) -> None:
            request, event_count = await self._locked(tx, request_id)
            self._open(request)
            if actor == request.requested_by:
                raise Forbidden("the requester cannot approve their own request", request=request_id)
            self._undecided(request, actor)
            approvers = [*request.approvers, actor]
            complete = len(approvers) >= request.required_approvals
            if complete:
                await tx.run("close_transition_request", id=request_id, state=RequestState.APPROVED.value)
            detail = f"{len(approvers)}/{request.required_approvals}"
            await _decide(tx, request, event_count, actor=actor, approved=True, comment=comment, detail=detail)
            if complete:
                # Judged again on the locked state; a refusal rolls this whole transaction back.
                await self._lifecycle.move_in(
                    tx,
                    model=request.model,
                    version=request.version,
                    stage=request.to,
                    archive_existing=True,
                    comment=request.comment or f"approved by {', '.join(approvers)}",
                    actor=actor,
                    approved_by=approvers,
                )

        await write_audited(self._db, work, audit=audit)
        return await self._load(request_id)

    async def reject(
        self, *, request_id: str, comment: str | None, actor: str, audit: AuditEntry | None = None
    ) -> RequestRecord:
        """Ends the request REJECTED, in one write transaction with the attempt's entry (`audit`)."""
        validation.text(comment, what="comment", limit=2000)

        async def work(tx: Transaction) -> None:
            request, event_count = await self._locked(tx, request_id)
            self._open(request)
            self._undecided(request, actor)
            await tx.run("close_transition_request", id=request_id, state=RequestState.REJECTED.value)
            await _decide(tx, request, event_count, actor=actor, approved=False, comment=comment, detail=comment)

        await write_audited(self._db, work, audit=audit)
        return await self._load(request_id)

    async def cancel(
        self, *, request_id: str, actor: str, is_admin: bool, audit: AuditEntry | None = None
    ) -> RequestRecord:
        """Ends the request CANCELLED, in one write transaction with the attempt's entry (`audit`)."""

        async def work(tx: Transaction) -> None:
            request, event_count = await self._locked(tx, request_id)
            if actor != request.requested_by and not is_admin:
                raise Forbidden("only the requester or an admin may cancel a request", request=request_id)
            self._open(request)
            await tx.run("close_transition_request", id=request_id, state=RequestState.CANCELLED.value)
            await tx.run(
                "record_cancellation",
                model=request.model,
                version=request.version,
                seq=event_count + 1,
                actor=actor,
                detail=request_id,
            )

        await write_audited(self._db, work, audit=audit)
        return await self._load(request_id)

    async def requests_by_id(self, ids: Sequence[str]) -> dict[str, RequestRecord]:
        rows = await self._db.read("get_transition_requests", ids=list(ids))
        return {row["request"]["id"]: RequestRecord.from_row(row["request"]) for row in rows}

    async def _load(self, request_id: str) -> RequestRecord:
        found = (await self.requests_by_id([request_id])).get(request_id)
        if found is None:
            raise NotFound(f"no transition request {request_id}", request=request_id)
        return found

    async def pending(self, *, team: str | None, model: str | None) -> list[RequestRecord]:
        if team is not None:
            validation.name(team, what="team")
        if model is not None:
            validation.name(model)
        rows = await self._db.read("list_pending_requests", team=team, model=model)
        return [RequestRecord.from_row(row["request"]) for row in rows]

    async def of_versions(self, keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], list[RequestRecord]]:
        rows = await self._db.read("get_version_requests", keys=[list(key) for key in keys])
        records = (RequestRecord.from_row(row["request"]) for row in rows)
        return grouped(((record.model, record.version), record) for record in records)
