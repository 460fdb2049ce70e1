"""The Neo4j work of each MLflow call: transactions, statements and Bolt round trips, counted in the API.

Run by hand (the graph of GRAPH_REGISTRY_HOME's local Neo4j, as bench.mlflow_api):

    .venv/bin/python -m bench.mlflow_calls --rounds 5

The API is served in this process (uvicorn on 127.0.0.1, a background thread, auth off as `serve`
has it on loopback) with its storage calls counted; the stock `mlflow` client runs bench.mlflow_api's
rounds against it, one call at a time, so what the counters moved during a call is that call's. Per
call (the median over the rounds after the first): write transactions, auto-commit reads and
single-statement writes, the statements run inside transactions, and the Bolt round trips (flushes
of the driver's outbox that sent something; BEGIN travels with the first statement, COMMIT alone).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import functools
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

os.environ.update(MLFLOW_DISABLE_TELEMETRY="true", DO_NOT_TRACK="true", MLFLOW_HTTP_REQUEST_MAX_RETRIES="0")

import neo4j
from neo4j._async.io._bolt import AsyncBolt
from neo4j._async.work.transaction import AsyncTransactionBase

from bench.mlflow_api import CALLS, Rounds
from graph_registry import bootstrap
from graph_registry.settings import Settings
from graph_registry.storage import database
from graph_registry.storage.queries import query
from tests.live_server import LiveServer

Counts = collections.Counter[str]


class Counted:
    """Counters the patched storage calls move (the server's thread writes them; nothing else runs)."""

    def __init__(self) -> None:
        self.counts: Counts = collections.Counter()
        self.lock = threading.Lock()
        # The parameters each named statement ran with last (for --profile).
        self.params: dict[str, dict[str, Any]] = {}

    def spent(self, key: str, began: float) -> None:
        """Wall milliseconds spent in `key` since `began` (perf_counter), added up."""
        with self.lock:
            self.counts[f"ms {key}"] += (time.perf_counter() - began) * 1000  # type: ignore[assignment]

    def add(self, key: str, params: dict[str, Any] | None = None) -> None:
        with self.lock:
            self.counts[key] += 1
            if params is not None:
                self.params[key] = params

    def snapshot(self) -> Counts:
        with self.lock:
            return collections.Counter(self.counts)


@contextmanager
def counting(counted: Counted) -> Iterator[None]:
    """Database.read/write/write_transaction, Transaction.run and the driver's flushes, counted."""
    saved = {
        "read": database.Database.read,
        "_execute": database.Database._execute,
        "_transaction": database.Database._transaction,
        "run": database.Transaction.run,
        "_send_all": AsyncBolt._send_all,
        "_commit": AsyncTransactionBase._commit,
    }

    def wrap(kind: str, original: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        @functools.wraps(original)
        async def counted_call(self: Any, name: str, /, *args: Any, **kwargs: Any) -> Any:
            counted.add(f"{kind}:{name}", kwargs)
            began = time.perf_counter()
            try:
                return await original(self, name, *args, **kwargs)
            finally:
                counted.spent(f"{kind}:{name}", began)

        return counted_call

    async def transaction(self: Any, work: Any, **kwargs: Any) -> Any:
        counted.add("transactions" if kwargs.get("write") else "read transactions")
        began = time.perf_counter()
        try:
            return await saved["_transaction"](self, work, **kwargs)
        finally:
            counted.spent("transactions", began)

    async def commit(self: Any) -> None:
        began = time.perf_counter()
        try:
            await saved["_commit"](self)
        finally:
            counted.spent("commit", began)

    async def send_all(self: Any) -> None:
        if self.outbox._chunked_data:  # what flush() sends; an empty outbox sends nothing
            counted.add("round trips")
        await saved["_send_all"](self)

    database.Database.read = wrap("read", saved["read"])  # type: ignore[method-assign]
    database.Database._execute = wrap("write", saved["_execute"])  # type: ignore[method-assign]
    database.Database._transaction = transaction  # type: ignore[method-assign]
    database.Transaction.run = wrap("statement", saved["run"])  # type: ignore[method-assign]
    AsyncBolt._send_all = send_all  # type: ignore[method-assign]
    AsyncTransactionBase._commit = commit  # type: ignore[method-assign]
    try:
        yield
    finally:
        database.Database.read = saved["read"]  # type: ignore[method-assign]
        database.Database._execute = saved["_execute"]  # type: ignore[method-assign]
        database.Database._transaction = saved["_transaction"]  # type: ignore[method-assign]
        database.Transaction.run = saved["run"]  # type: ignore[method-assign]
        AsyncBolt._send_all = saved["_send_all"]  # type: ignore[method-assign]
        AsyncTransactionBase._commit = saved["_commit"]  # type: ignore[method-assign]


class CountedRounds(Rounds):
    """bench.mlflow_api's rounds, each call's counter moves recorded beside its time."""

    def __init__(self, url: str, counted: Counted) -> None:
        super().__init__(url)
        self.counted = counted
        self.moves: dict[str, list[Counts]] = collections.defaultdict(list)

    def _timed(self, index: int, name: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        before = self.counted.snapshot()
        result = super()._timed(index, name, call, *args, **kwargs)
        if index > 0:
            self.moves[name].append(self.counted.snapshot() - before)
        return result


def report(moves: dict[str, list[Counts]]) -> None:
    for call in CALLS:
        samples = moves.get(call, [])
        if not samples:
            continue
        keys = sorted({key for sample in samples for key in sample})
        median = {key: statistics.median(sample.get(key, 0) for sample in samples) for key in keys}
        summary = ", ".join(f"{key} {median[key]:g}" for key in ("transactions", "round trips") if key in median)
        print(f"{call}: {summary}")
        for key in keys:
            if key not in {"transactions", "round trips"}:
                print(f"    {key:52} {median[key]:.2f}" if key.startswith("ms ") else f"    {key:52} {median[key]:g}")


def _hits(step: dict[str, Any], operators: list[str]) -> int:
    """The db hits of a profiled plan, each operator that had some noted in `operators`."""
    hits = int(step.get("dbHits", 0))
    if hits:
        operators.append(f"{str(step.get('operatorType', '?')).split('@')[0]} {hits}")
    return hits + sum(_hits(child, operators) for child in step.get("children", []))


async def profile_statements(settings: Settings, counted: Counted, names: list[str]) -> None:
    """PROFILE of each statement named (as `statement:<name>` or `read:<name>`), with the parameters it
    last ran with, in a transaction rolled back: its db hits and the operators that touched the store."""
    uri, user, password = bootstrap.neo4j_credentials(settings)
    driver = neo4j.AsyncGraphDatabase.driver(uri, auth=(user, password))
    try:
        async with driver.session(database=settings.neo4j_database) as session:
            for key in names:
                name = key.partition(":")[2]
                params = dict(counted.params[key])
                if "entries" in params:  # audit entries have unique ids: fresh ones
                    params["entries"] = [dict(entry, id=uuid.uuid4().hex) for entry in params["entries"]]
                tx = await session.begin_transaction()
                try:
                    summary = await (await tx.run("PROFILE " + query(name), params)).consume()
                except neo4j.exceptions.Neo4jError as error:
                    print(f"PROFILE {name}: failed ({error.code})")
                    continue
                finally:
                    await tx.rollback()
                operators: list[str] = []
                total = _hits(summary.profile or {}, operators)
                print(f"PROFILE {name}: {total} db hits: {', '.join(operators)}")
    finally:
        await driver.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--profile", nargs="*", default=[], help="PROFILE these calls' statements and reads afterwards (rolled back)"
    )
    arguments = parser.parse_args()
    artifacts = Path(tempfile.mkdtemp(prefix="bench-mlflow-calls-"))
    settings = Settings(load_demo=False, artifacts_dir=artifacts, webhook_deliveries=False)
    counted = Counted()
    with counting(counted), LiveServer.serving(settings) as server:
        rounds = CountedRounds(server.url, counted)
        for index in range(arguments.rounds):
            rounds.round(index)
    report(rounds.moves)
    names = sorted(
        {key for call in arguments.profile for sample in rounds.moves.get(call, []) for key in sample if ":" in key}
    )
    profiled = [key for key in names if key in counted.params and not key.startswith("write:")]
    if profiled:
        asyncio.run(profile_statements(settings, counted, profiled))


if __name__ == "__main__":
    main()
