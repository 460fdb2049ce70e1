"""Live registry events, read back from the graph.

Every change writes an `(:Event {model, seq, ...})` in its own transaction,
under the model's lock, so a model's sequence numbers are dense and become
visible in order. A feed therefore polls the graph instead of an in-process
queue: it sees only committed changes, whichever API worker made them.

One model's feed follows `seq`. The all-models feed finds the models that had
events in a recent window of time (`Event.at`, the transaction's start, may
precede its commit by as much as the transaction lasted, hence `lookback`),
then follows each model by `seq` from where it left off, so an event that
shows up late is still delivered in its model's order.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from graph_registry.domain import validation
from graph_registry.domain.groups import grouped
from graph_registry.domain.records import Stage, VersionRecord
from graph_registry.storage.database import Database


@dataclass(frozen=True, slots=True)
class EventRecord:
    model: str
    version: int
    seq: int
    type: str
    actor: str
    at: datetime
    detail: str | None
    version_record: VersionRecord

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> EventRecord:
        event = row["event"]
        detail = event.get("detail")
        if detail is None and event["type"] == "STAGE_CHANGED":
            detail = f"{event['fromStage']} -> {event['toStage']}"
        version = VersionRecord.from_row(row["version"]) if row.get("version") else _gone(event)
        return cls(
            model=event["model"],
            version=event["version"],
            seq=event["seq"],
            type=event["type"],
            actor=event.get("actor") or "unknown",
            at=event["at"],
            detail=detail,
            version_record=version,
        )


def _gone(event: dict[str, Any]) -> VersionRecord:
    """What is left to say of a hard-deleted version: its key, and that it is deleted."""
    return VersionRecord(
        model=event["model"],
        version=event["version"],
        stage=Stage.NONE,
        description=None,
        tags=(),
        metrics_json=None,
        created_at=event["at"],
        deleted=True,
        request_id=None,
    )


def in_feed_order(events: Sequence[EventRecord]) -> list[EventRecord]:
    """Events by time across models, but each model's own events strictly by `seq`.

    Times can disagree with sequence (a transaction that waited for the model's lock
    started earlier than one it queued behind), so each model's slots in the time
    order are filled with that model's events in sequence order.
    """
    by_time = sorted(events, key=lambda e: (e.at, e.model, e.seq))
    per_model = grouped((event.model, event) for event in sorted(events, key=lambda e: (e.model, e.seq)))
    cursors = dict.fromkeys(per_model, 0)
    ordered = []
    for slot in by_time:
        ordered.append(per_model[slot.model][cursors[slot.model]])
        cursors[slot.model] += 1
    return ordered


class EventService:
    def __init__(
        self, database: Database, *, poll_interval: float = 0.5, lookback: float = 30.0, batch: int = 500
    ) -> None:
        self._db = database
        self._poll_interval = poll_interval
        self._lookback = timedelta(seconds=lookback)
        self._batch = batch

    def follow(self, *, model: str | None, since: datetime | None) -> AsyncIterator[EventRecord]:
        """Committed events from now on (or from `since`), for one model or all, until cancelled."""
        validation.moment(since, what="since")
        if model is not None:
            validation.name(model)
            return self._follow_model(model, since)
        return self._follow_all(since)

    async def _follow_model(self, model: str, since: datetime | None) -> AsyncIterator[EventRecord]:
        rows = await self._db.read("find_event_position", model=model, since=since)
        after: int = rows[0]["after"]
        while True:
            rows = await self._db.read("list_model_events", model=model, after=after, limit=self._batch)
            for row in rows:
                event = EventRecord.from_row(row)
                after = event.seq
                yield event
            if len(rows) < self._batch:
                await asyncio.sleep(self._poll_interval)

    async def _follow_all(self, since: datetime | None) -> AsyncIterator[EventRecord]:
        start: datetime = since or (await self._db.read("get_database_time"))[0]["now"]
        window_end = start
        seen: dict[str, int] = {}
        behind: set[str] = set()
        while True:
            rows = await self._db.read("list_event_heads", since=window_end - self._lookback, start=start)
            window_end = rows[0]["now"]
            cursors = {name: seen[name] for name in behind}
            for head in rows[0]["heads"]:
                name = head["model"]
                after = seen.get(name)
                if after is None:
                    if head["first"] is None:
                        continue  # only events from before the feed began
                    after = head["first"] - 1
                if head["last"] > after:
                    cursors[name] = after
            events, behind = await self._events_after(cursors)
            for event in events:
                seen[event.model] = event.seq
                yield event
            if not behind:
                await asyncio.sleep(self._poll_interval)

    async def _events_after(self, cursors: dict[str, int]) -> tuple[list[EventRecord], set[str]]:
        """The events after each model's position, and the models with more beyond this batch."""
        if not cursors:
            return [], set()
        rows = await self._db.read(
            "list_events_after",
            cursors=[{"model": name, "after": after} for name, after in cursors.items()],
            limit=self._batch,
        )
        events = [EventRecord.from_row(row) for row in rows]
        counts: dict[str, int] = {}
        for event in events:
            counts[event.model] = counts.get(event.model, 0) + 1
        return in_feed_order(events), {name for name, count in counts.items() if count >= self._batch}
