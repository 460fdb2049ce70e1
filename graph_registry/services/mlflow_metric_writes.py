"""Metric logging coalesced: the log-metric calls that arrive while one write of them is in flight
share the next write transaction.

MLflow clients log metrics call by call (`log_metric`, `log_batch` of metrics), often many clients at
once. Each call would be a transaction of its own: a BEGIN, the run's lock, the run's update, its
points, a COMMIT. Here the calls waiting behind the write in flight go together in the next one:
each run locked once, every call's audit entry written by that transaction (so each entry still
commits with its change, or neither does), the runs' latest metrics and points written by one
statement, the entries of all the calls by one more. A call whose run does not exist gets NotFound
and writes nothing (its entry is not in the transaction); a transaction that fails fails each call
in it. One instance per tracking service.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph_registry.errors import NotFound
from graph_registry.services.audit import AuditEntry, write_entries
from graph_registry.storage.database import Database, Transaction

Summary = Callable[[str | None, Sequence[Any]], str]


@dataclass
class _Call:
    run_id: str
    points: Sequence[Any]  # MetricPoint
    rows: list[dict[str, Any]]  # the points as the statements take them
    audit: AuditEntry | None
    done: asyncio.Future[None]
    claimed: bool = field(default=False)


class MetricWrites:
    def __init__(self, database: Database, summary: Summary) -> None:
        self._db = database
        self._summary = summary
        self._waiting: list[_Call] = []
        self._writing = False
        self._drains: set[asyncio.Future[None]] = set()

    async def log(
        self, run_id: str, points: Sequence[Any], rows: list[dict[str, Any]], *, audit: AuditEntry | None
    ) -> None:
        """Logs `points` to the run, in the next transaction of the waiting calls; returns once it committed."""
        call = _Call(run_id, points, rows, audit, asyncio.get_running_loop().create_future())
        call.done.add_done_callback(lambda done: done.cancelled() or done.exception())
        self._waiting.append(call)
        if not self._writing:
            self._writing = True
            drain = asyncio.ensure_future(self._drain())
            self._drains.add(drain)
            drain.add_done_callback(self._drains.discard)
        # Shielded: a caller that goes away leaves its call in the transaction, which settles its entry.
        await asyncio.shield(call.done)

    async def _drain(self) -> None:
        try:
            while self._waiting:
                calls, self._waiting = self._waiting, []
                try:
                    await self._write(calls)
                except Exception as error:
                    for call in calls:
                        if not call.done.done():
                            call.done.set_exception(error)
                else:
                    for call in calls:
                        if not call.done.done():
                            call.done.set_result(None)
        finally:
            self._writing = False

    async def _write(self, calls: list[_Call]) -> None:
        for call in calls:
            call.claimed = call.audit is not None and call.audit.claim()

        def settled(committed: bool) -> None:
            for call in calls:
                if call.claimed and call.audit is not None:
                    call.audit.settle(committed and not call.done.done())

        async def work(tx: Transaction) -> None:
            run_ids = sorted({call.run_id for call in calls})
            stored = {row["runId"]: row["metrics"] for row in await tx.run("mlflow_lock_runs", runIds=run_ids)}
            summaries: dict[str, str | None] = {}
            points: dict[str, list[dict[str, Any]]] = {}
            entries: list[AuditEntry] = []
            for call in calls:
                if call.run_id not in stored:
                    continue
                if call.claimed and call.audit is not None:
                    entries.append(call.audit)
                prior = summaries.get(call.run_id, stored[call.run_id])
                summaries[call.run_id] = self._summary(prior, call.points)
                points.setdefault(call.run_id, []).extend(call.rows)
            runs = [
                {
                    "runId": run_id,
                    "metrics": summaries[run_id],
                    "points": [p for p in rows if not math.isnan(p["value"])],
                }
                for run_id, rows in points.items()
            ]
            if runs:
                await tx.run("mlflow_log_runs_metrics", runs=runs)
            await write_entries(tx, entries)  # every call's entry in one statement
            for run_id, rows in points.items():
                nans = [p for p in rows if math.isnan(p["value"])]
                if nans:  # MERGE cannot match NaN: such points are created as they come
                    await tx.run("mlflow_log_nan_metric_points", runId=run_id, points=nans)
            for call in calls:
                if call.run_id not in stored and not call.done.done():
                    call.done.set_exception(NotFound(f"run {call.run_id!r} does not exist", runId=call.run_id))

        await self._db.write_transaction(work, settled=settled)
