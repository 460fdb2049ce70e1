"""The audit log: who attempted which change, when, with what, and how it ended.

One `(:AuditEntry)` per mutation attempt. The API's authorization step prepares
the entry of every mutation, whoever added it (`prepare`), and the resolver hands
it by name (`audit=`) to the use case, whose write transaction runs the entry as
one of its statements (`write_audited`): outcome PENDING, so no change can commit
without an entry naming it, and an entry never claims a change that did not
commit. The attempt's end finishes it with OK or the error code (`conclude`); an
attempt that failed before writing anything is written once, with its outcome. An attempt whose one
transaction is the whole of it (`prepare(..., concludes_at_commit=True)`) has its entry written OK
by that transaction, after the change, from what the change returned: no second write, and an entry
that says OK still names a change that committed (if the attempt fails after its commit, the error
replaces OK: `amend_audit_entry`); an attempt that is one auto-commit statement writes its entry OK in
that statement (`write_one_concluded`: the OpenLineage run events). Attempts refused for want of a
role are written on their own (FORBIDDEN). Entries hang off no other node, so deleting models or
versions leaves them in place, and nothing in the API writes or deletes them
otherwise. Lifecycle `(:Event)`s stay the history of what a model *was*;
this log is the record of what callers *tried*.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any, TypeVar

import orjson

from graph_registry.domain import paging, validation
from graph_registry.domain.paging import Page
from graph_registry.errors import InvalidInput, RegistryError
from graph_registry.storage.database import Database, Row, Transaction

PENDING = "PENDING"
OK = "OK"
CANCELLED = "CANCELLED"
# Argument values are kept short: the log records intent, not payloads.
MAX_STRING = 200
MAX_ARGUMENTS = 4000
MAX_MESSAGE = 500


@dataclass(frozen=True, slots=True)
class Attempt:
    """A mutation someone tried: the operation (a root field name) and what it named."""

    actor: str
    role: str | None
    operation: str
    request_id: str
    arguments: str | None = None
    model: str | None = None
    version: int | None = None
    # The X-Request-Id the caller sent, kept beside the server's own id (never instead of it).
    client_request_id: str | None = None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: str
    at: datetime
    actor: str
    role: str | None
    operation: str
    outcome: str
    model: str | None
    version: int | None
    arguments: str | None
    request_id: str
    message: str | None
    client_request_id: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AuditRecord:
        return cls(
            id=row["id"],
            at=row["at"],
            actor=row["actor"],
            role=row.get("role"),
            operation=row["operation"],
            outcome=row["outcome"],
            model=row.get("model"),
            version=row.get("version"),
            arguments=row.get("arguments"),
            request_id=row["requestId"],
            message=row.get("message"),
            client_request_id=row.get("clientRequestId"),
        )


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        return value if len(value) <= MAX_STRING else f"{value[:MAX_STRING]}...({len(value)} characters)"
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return _plain(str(value))


def describe_arguments(arguments: Mapping[str, Any]) -> str:
    """The arguments of a call as compact JSON, long strings cut, at most MAX_ARGUMENTS characters."""
    text = orjson.dumps(_plain(arguments), option=orjson.OPT_SORT_KEYS).decode()
    return text if len(text) <= MAX_ARGUMENTS else text[:MAX_ARGUMENTS] + "..."


def short(message: str | None) -> str | None:
    return None if message is None else message[:MAX_MESSAGE]


def _entry(attempt: Attempt, *, outcome: str, message: str | None) -> dict[str, Any]:
    """The parameters of record_audit_entry, for a new entry."""
    return {
        "id": uuid.uuid4().hex,
        "actor": attempt.actor,
        "role": attempt.role,
        "operation": attempt.operation,
        "outcome": outcome,
        "model": attempt.model,
        "version": attempt.version,
        "arguments": attempt.arguments,
        "requestId": attempt.request_id,
        "clientRequestId": attempt.client_request_id,
        "message": short(message),
    }


T = TypeVar("T")


@dataclass
class AuditEntry:
    """The entry of one attempt, for the attempt's write transactions to carry (`write_audited`).

    The first transaction of the attempt that commits carries it; `committed` says whether one did.
    A transaction that fails gives it back for the next one; concurrent writes of one attempt claim
    it once. `settled` is set when no transaction of the attempt is carrying it any more.
    """

    params: dict[str, Any]
    committed: bool = False
    # Written OK by the attempt's one transaction (see write_audited); `concluded` once that committed.
    concludes_at_commit: bool = False
    concluded: bool = False
    _claimed: bool = field(default=False, repr=False)
    settled: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def id(self) -> str:
        return str(self.params["id"])

    @property
    def claimed(self) -> bool:
        """A transaction carrying the entry is in flight."""
        return self._claimed

    def claim(self) -> bool:
        # No await between the check and the set: concurrent writes of one attempt claim it once.
        if self._claimed or self.committed:
            return False
        self._claimed = True
        self.settled.clear()
        return True

    def settle(self, committed: bool) -> None:
        self._claimed = False
        self.committed = self.committed or committed
        self.concluded = self.concluded or (committed and self.concludes_at_commit)
        self.settled.set()

    async def write(self, tx: Transaction) -> None:
        """The entry's statement, PENDING, in the transaction `tx`."""
        await tx.run("record_audit_entry", entries=[self.params])

    async def write_concluded(self, tx: Transaction, result: object) -> None:
        """The entry's statement, OK, in the transaction `tx` whose change returned `result`."""
        await tx.run("record_audit_entry", entries=[self._concluded(result)])

    def _concluded(self, result: object) -> dict[str, Any]:
        model, version, note = conclusion(result)
        return _finished(self.params, OK, note, model, version)

    def written(self, result: object) -> dict[str, Any]:
        """The entry as its change's transaction writes it: OK from what the change returned when it
        concludes at commit, PENDING otherwise."""
        return self._concluded(result) if self.concludes_at_commit else self.params


async def write_entries(tx: Transaction, entries: Sequence[AuditEntry], result: object = None) -> None:
    """The entries of several attempts whose changes are all the transaction `tx` (each as `written`),
    in one statement."""
    if entries:
        await tx.run("record_audit_entry", entries=[entry.written(result) for entry in entries])


def conclusion(result: object) -> tuple[str | None, int | None, str | None]:
    """What an OK entry records from what its change (or the mutation) returned: the model version it
    touched (a registration's new number) and a note (a registration that revived a deleted version is
    a restore)."""
    record = getattr(result, "record", result)
    model, version = getattr(record, "model", None), getattr(record, "version", None)
    if not (isinstance(model, str) and isinstance(version, int)):
        model, version = None, None
    note = "restore: the version had been deleted" if getattr(record, "restored", False) else None
    return model, version, note


def _finished(
    params: dict[str, Any], outcome: str, message: str | None, model: str | None, version: int | None
) -> dict[str, Any]:
    """The parameters of record_audit_entry for an entry written whole, with its outcome."""
    finished = dict(params, outcome=outcome, message=short(message))
    finished["model"] = finished["model"] or model
    finished["version"] = finished["version"] if finished["version"] is not None else version
    return finished


async def write_audited(
    database: Database, work: Callable[[Transaction], Awaitable[T]], *, audit: AuditEntry | None
) -> T:
    """`work` in one write transaction that also writes the attempt's entry, unless an earlier
    transaction of the attempt carried it: the change and its entry commit together or not at all.
    An entry that concludes at commit is written after the change, OK, from what `work` returned."""
    if audit is None or not audit.claim():
        return await database.write_transaction(work)
    entry = audit

    async def with_entry(tx: Transaction) -> T:
        if entry.concludes_at_commit:
            result = await work(tx)
            await entry.write_concluded(tx, result)
            return result
        await entry.write(tx)
        return await work(tx)

    return await database.write_transaction(with_entry, settled=entry.settle)


async def write_one_concluded(
    database: Database, query_name: str, /, *, audit: AuditEntry | None, **params: Any
) -> list[Row]:
    """One named statement, the whole of an attempt, as its own auto-commit transaction, that writes
    the attempt's entry OK itself (`$audit`: record_audit_entry's parameters; null when the entry is
    not to be written): no BEGIN, COMMIT or entry statement of their own.

    The statement writes the entry only with its change, in the same statement (so an entry that says
    OK names a change that committed) and returns `audited`: whether it wrote the entry (a statement
    that found it must refuse its change writes neither, and `conclude` then records the refusal). It
    MERGEs the entry on its id: the statement is retried on transient errors (storage,
    write_auto_commit), and a retry of one that did commit must not write a second entry. The entry
    must be prepared with `concludes_at_commit` (`conclude` then amends it if the attempt fails after)."""
    if audit is not None and not audit.concludes_at_commit:
        raise ValueError("write_one_concluded needs an entry prepared with concludes_at_commit")
    if audit is None or not audit.claim():
        return await database.write_auto_commit(query_name, audit=None, **params)
    entry = audit

    def settled(rows: list[Row] | None) -> None:
        entry.settle(rows is not None and len(rows) > 0 and rows[0].get("audited") is True)

    ok = _finished(entry.params, OK, None, None, None)
    return await database.write_auto_commit(query_name, audit=ok, settled=settled, **params)


async def write_one_audited(
    database: Database, query_name: str, /, *, audit: AuditEntry | None, **params: Any
) -> list[Row]:
    """One named statement as a change of an attempt (see write_audited)."""
    if audit is None:
        return await database.write(query_name, **params)
    return await write_audited(database, lambda tx: tx.run(query_name, **params), audit=audit)


__all__ = [
    "OK",
    "PENDING",
    "Attempt",
    "AuditEntry",
    "AuditRecord",
    "AuditService",
    "conclusion",
    "describe_arguments",
    "write_audited",
    "write_entries",
    "write_one_audited",
    "write_one_concluded",
]


log = logging.getLogger("graph_registry.audit")


class AuditService:
    def __init__(self, database: Database, *, max_page_size: int = 100) -> None:
        self._db = database
        self._max_page_size = max_page_size
        # Conclusions of cancelled attempts still waiting for their transaction (kept from collection).
        self._settling: set[asyncio.Future[None]] = set()

    def prepare(self, attempt: Attempt, *, concludes_at_commit: bool = False) -> AuditEntry:
        """The entry of an attempt about to run, for the attempt's write transactions to carry
        (`audit=` of the use case); `conclude` it once the attempt has ended. `concludes_at_commit`:
        the attempt is one write transaction and nothing after it, which then writes the entry OK."""
        return AuditEntry(_entry(attempt, outcome=PENDING, message=None), concludes_at_commit=concludes_at_commit)

    async def conclude(
        self,
        entry: AuditEntry,
        *,
        outcome: str,
        message: str | None = None,
        model: str | None = None,
        version: int | None = None,
    ) -> None:
        """Finishes an entry its attempt committed, or writes it whole when nothing was committed; an
        entry its transaction concluded OK is left as it is, unless the attempt failed after all."""
        if entry.concluded:
            if outcome != OK:
                await self._db.write(
                    "amend_audit_entry", id=entry.params["id"], outcome=outcome, message=short(message)
                )
            return
        if entry.committed:
            changes = {"id": entry.params["id"], "model": model, "version": version}
            await self._db.write("finish_audit_entry", **changes, outcome=outcome, message=short(message))
            return
        await self._db.write("record_audit_entry", entries=[_finished(entry.params, outcome, message, model, version)])

    async def settle(
        self,
        entry: AuditEntry,
        *,
        outcome: str,
        message: str | None = None,
        model: str | None = None,
        version: int | None = None,
    ) -> None:
        """`conclude` at the end of an attempt, whose change is done (or refused) either way: a failure to
        note it is logged, not raised (an error would make the client retry). A committed entry then stays
        PENDING, which an auditor reads as "unknown"."""
        try:
            await self.conclude(entry, outcome=outcome, message=message, model=model, version=version)
        except RegistryError:
            log.exception("could not record the outcome of audit entry %s", entry.id)

    def settle_cancelled(self, entry: AuditEntry, *, model: str | None = None, version: int | None = None) -> None:
        """The caller of the attempt went away. A transaction in flight still runs to its end (storage
        shields it): the entry is settled in the background once it has (OK when it committed, else
        CANCELLED), so a committed change is not left PENDING."""

        async def once_settled() -> None:
            if entry.claimed:
                await entry.settled.wait()
            outcome = OK if entry.committed else CANCELLED
            message = "the caller went away before the answer"
            await self.settle(entry, outcome=outcome, message=message, model=model, version=version)

        settling = asyncio.ensure_future(once_settled())
        self._settling.add(settling)
        settling.add_done_callback(self._settling.discard)

    async def refuse(self, attempt: Attempt, *, outcome: str, message: str) -> None:
        """Records an attempt refused before it ran."""
        await self.conclude(self.prepare(attempt), outcome=outcome, message=message)

    async def list_entries(
        self,
        *,
        model: str | None,
        version: int | None,
        actor: str | None,
        first: int,
        after: str | None,
    ) -> Page[AuditRecord]:
        """One page of the log, newest first; its total is count_entries (a page never reads the whole log)."""
        paging.page_size(first, limit=self._max_page_size)
        after_at, after_id = paging.after_moment(after)
        params = _audit_filters(model, version, actor)
        query = "list_audit_entries" if model is None else "list_model_audit_entries"
        rows = await self._db.read(query, **params, afterAt=after_at, afterId=after_id, limit=first + 1)
        entries = [AuditRecord.from_row(row["entry"]) for row in rows]
        return paging.page(entries, first, lambda entry: paging.moment_position(entry.at, entry.id))

    async def count_entries(self, *, model: str | None, version: int | None, actor: str | None) -> int:
        params = _audit_filters(model, version, actor)
        query = "count_audit_entries" if model is None else "count_model_audit_entries"
        rows = await self._db.read(query, **params)
        return int(rows[0]["total"])


def _audit_filters(model: str | None, version: int | None, actor: str | None) -> dict[str, Any]:
    """The filters of list_entries and count_entries, validated (they read one model's log when given one)."""
    if model is not None:
        validation.name(model)
    if version is not None:
        if model is None:
            raise InvalidInput("give the model of the version", field="version")
        validation.version(version)
    if actor is not None:
        validation.name(actor, what="actor")
    if model is None:
        return {"actor": actor}
    return {"model": model, "version": version, "actor": actor}
