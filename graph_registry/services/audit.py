"""The audit log: who attempted which change, when, with what, and how it ended.

One `(:AuditEntry)` per mutation attempt, written by the API's authorization
step for every mutation, whoever added it: inside the change's own first write
transaction (outcome PENDING, so no change can commit without an entry naming
it, and an entry never claims a change that did not commit), then finished with
OK or the error code; an attempt that failed before writing anything is written
once, with its outcome. Attempts refused for want of a role are written on
their own (FORBIDDEN). Entries hang off no other node, so deleting models or
versions leaves them in place, and nothing in the API writes or deletes them
otherwise. Lifecycle `(:Event)`s stay the history of what a model *was*;
this log is the record of what callers *tried*.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

import orjson

from graph_registry.domain import ids, paging, validation
from graph_registry.domain.paging import Page
from graph_registry.errors import InvalidInput
from graph_registry.storage.database import Database, Prelude, prelude

PENDING = "PENDING"
OK = "OK"
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


in_first_write = prelude
"""`with in_first_write(audit.prepare(attempt)):` around a mutation: its entry joins the first write."""

__all__ = ["OK", "PENDING", "Attempt", "AuditRecord", "AuditService", "Prelude", "describe_arguments", "in_first_write"]


class AuditService:
    def __init__(self, database: Database, *, max_page_size: int = 100) -> None:
        self._db = database
        self._max_page_size = max_page_size

    def prepare(self, attempt: Attempt) -> Prelude:
        """The entry of an attempt about to run, for the attempt's first write transaction to carry
        (`with in_first_write(...)`); `conclude` it once the attempt has ended."""
        return Prelude("record_audit_entry", _entry(attempt, outcome=PENDING, message=None))

    async def conclude(
        self,
        entry: Prelude,
        *,
        outcome: str,
        message: str | None = None,
        model: str | None = None,
        version: int | None = None,
    ) -> None:
        """Finishes an entry its attempt committed, or writes it whole when nothing was committed."""
        if entry.committed:
            changes = {"id": entry.params["id"], "model": model, "version": version}
            await self._db.write("finish_audit_entry", **changes, outcome=outcome, message=short(message))
            return
        params = dict(entry.params, outcome=outcome, message=short(message))
        params["model"] = params["model"] or model
        params["version"] = params["version"] if params["version"] is not None else version
        await self._db.write("record_audit_entry", **params)

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
        after_at, after_id = _parse_cursor(after)
        params = _audit_filters(model, version, actor)
        query = "list_audit_entries" if model is None else "list_model_audit_entries"
        rows = await self._db.read(query, **params, afterAt=after_at, afterId=after_id, limit=first + 1)
        entries = [AuditRecord.from_row(row["entry"]) for row in rows]
        shown = entries[:first]
        return Page(
            items=tuple(shown),
            cursors=tuple(ids.cursor(f"{entry.at.isoformat()}|{entry.id}") for entry in shown),
            has_next_page=len(entries) > first,
            total_count=None,
        )

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


def _parse_cursor(after: str | None) -> tuple[datetime | None, str | None]:
    position = ids.parse_cursor(after)
    if position is None:
        return None, None
    try:
        at, entry_id = position.split("|")
        return datetime.fromisoformat(at), entry_id
    except (AttributeError, TypeError, ValueError) as error:
        raise InvalidInput("malformed cursor", field="after") from error
