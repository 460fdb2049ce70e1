"""The Neo4j side of the registry: one async driver, named queries, errors translated.

Reads and writes say which they are, so a cluster (neo4j:// URIs) routes reads
to followers. Transaction functions may be retried by the driver: they must
only touch the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from typing import Any, TypeVar

import neo4j
import neo4j.graph
import neo4j.time
from neo4j import AsyncGraphDatabase, RoutingControl
from neo4j.exceptions import (
    AuthError,
    ConstraintError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from graph_registry import metrics
from graph_registry.errors import Conflict, Unavailable
from graph_registry.storage.queries import query

T = TypeVar("T")
Row = dict[str, Any]
_JITTER = random.SystemRandom()


def _native(value: Any) -> Any:
    if isinstance(value, neo4j.time.DateTime | neo4j.time.Date):
        return value.to_native()
    if isinstance(value, dict):
        return {key: _native(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_native(item) for item in value]
    return value


_SCALARS = frozenset({str, int, float, bool, type(None)})
_GRAPH_TYPES = (neo4j.graph.Node, neo4j.graph.Relationship, neo4j.graph.Path)


class _GraphValue(Exception):
    """A node, relationship or path in a row: the driver's own export (Record.data) turns it into data."""


def _plain(value: Any) -> Any:
    """A returned value with the driver's times made native, in one walk (maps and lists, as queries return)."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict:
        return {key: _plain(item) for key, item in value.items()}
    if kind is list:
        return [_plain(item) for item in value]
    if isinstance(value, neo4j.time.DateTime | neo4j.time.Date):
        return value.to_native()
    if isinstance(value, _GRAPH_TYPES):
        raise _GraphValue
    return value


def _row(keys: tuple[str, ...], record: neo4j.Record) -> Row:
    try:
        return {key: _plain(value) for key, value in zip(keys, record, strict=True)}
    except _GraphValue:
        row: Row = _native(record.data())
        return row


async def _rows(result: neo4j.AsyncResult) -> list[Row]:
    # Not result.data(): it walks every value once to export graph types, and _native walked it again.
    keys = tuple(result.keys())
    return [_row(keys, record) async for record in result]


@contextlib.contextmanager
def translated_errors() -> Any:
    """Turn driver failures into registry errors; everything else passes through."""
    try:
        yield
    except ConstraintError as error:
        raise Conflict("the write conflicts with data already stored") from error
    except AuthError as error:
        raise Unavailable("the graph database refused the registry's credentials") from error
    except (ServiceUnavailable, SessionExpired, TransientError, OSError) as error:
        raise Unavailable("the graph database is unavailable; retry shortly") from error
    except DriverError as error:
        raise Unavailable("the graph database connection failed; retry shortly") from error


async def _finish_even_if_cancelled(work: Coroutine[Any, Any, T]) -> T:
    """Run a driver call to its end even when the request awaiting it is cancelled.

    graphql-core cancels sibling fields when one fails, and the driver leaks its socket when it
    is cancelled while opening a connection; shielded, the call finishes and returns its
    connection to the pool. An outcome nobody awaits any more is retrieved here, not left to warn.
    """
    task = asyncio.ensure_future(work)
    task.add_done_callback(lambda done: done.cancelled() or done.exception())
    return await asyncio.shield(task)


def _pipelined_begin(session: neo4j.AsyncSession) -> contextlib.AbstractContextManager[Any]:
    """The transactions of `session` send their BEGIN with their first statement, not on its own.

    A managed transaction otherwise waits for BEGIN's answer before its first statement: one more
    round trip to Neo4j per transaction. The driver's own `execute_query` pipelines BEGIN so (a
    failed BEGIN then fails the first statement, and is retried like it); its sessions keep that
    switch private (`_pipelined_begin`): without it (another driver version) BEGIN goes alone.
    """
    switch = getattr(session, "_pipelined_begin", None)
    return switch if isinstance(switch, contextlib.AbstractContextManager) else contextlib.nullcontext()


class Transaction:
    """A unit of work handed to transaction functions: run named queries, get plain rows."""

    def __init__(self, tx: neo4j.AsyncManagedTransaction, queries: Callable[[str], str] = query) -> None:
        self._tx = tx
        self._queries = queries

    async def run(self, query_name: str, /, **params: Any) -> list[Row]:
        return await _rows(await self._tx.run(self._queries(query_name), params))


class Database:
    """Named-query access to one Neo4j database."""

    def __init__(
        self,
        driver: neo4j.AsyncDriver,
        database: str,
        *,
        queries: Callable[[str], str] = query,
        retry_time: float = 10.0,
    ) -> None:
        self._driver = driver
        self._database = database
        self._queries = queries
        self._retry_time = retry_time

    def with_queries(self, extra: Mapping[str, str]) -> Database:
        """The same connection, also knowing the named queries `extra` (name -> text), e.g. a test suite's own.

        Closing it closes the connection it shares.
        """
        known = self._queries
        return Database(
            self._driver,
            self._database,
            queries=lambda name: extra[name] if name in extra else known(name),
            retry_time=self._retry_time,
        )

    @classmethod
    def connect(
        cls,
        *,
        uri: str,
        user: str,
        password: str,
        database: str,
        pool_size: int = 50,
        connect_timeout: float = 5.0,
        retry_time: float = 10.0,
    ) -> Database:
        driver = AsyncGraphDatabase.driver(
            uri,
            auth=(user, password),
            max_connection_pool_size=pool_size,
            connection_timeout=connect_timeout,
            connection_acquisition_timeout=connect_timeout * 2,
            max_transaction_retry_time=retry_time,
            liveness_check_timeout=30.0,
            notifications_min_severity="OFF",
        )
        return cls(driver, database, retry_time=retry_time)

    async def close(self) -> None:
        await self._driver.close()

    async def read(self, query_name: str, /, **params: Any) -> list[Row]:
        """One read statement, as an auto-commit transaction (retried here while the error is retryable).

        A managed transaction (`execute_query`) costs a BEGIN and a COMMIT round trip more than the
        statement itself; a read has nothing to commit. The session shares the driver's bookmark
        manager with every write, so a read still sees every write committed before it.
        """
        with translated_errors(), metrics.neo4j_call(query_name):
            rows: list[Row] = await _finish_even_if_cancelled(
                self._auto_commit(self._queries(query_name), params, neo4j.READ_ACCESS)
            )
            return rows

    async def _auto_commit(self, text: str, params: dict[str, Any], access: str) -> list[Row]:
        """One statement in an implicit transaction, sent again while the error is retryable (reads
        are idempotent; writes sent through here must be): where the driver would retry its own
        transactions, for at most its retry time, backing off with jitter (two statements that
        deadlocked each other, retried in step, would meet again)."""
        deadline = asyncio.get_running_loop().time() + self._retry_time
        delay = 0.01
        while True:
            try:
                async with self._session(access=access) as session:
                    return await _rows(await session.run(text, params))
            except (Neo4jError, DriverError) as error:
                if not error.is_retryable() or asyncio.get_running_loop().time() + delay > deadline:
                    raise
            await asyncio.sleep(delay * _JITTER.uniform(0.5, 1.5))
            delay = min(delay * 2, 1.0)

    async def write(self, query_name: str, /, **params: Any) -> list[Row]:
        """One statement in its own transaction (use write_transaction for a unit of several)."""
        return await self._execute(query_name, params, RoutingControl.WRITE)

    async def write_auto_commit(
        self,
        query_name: str,
        /,
        *,
        settled: Callable[[list[Row] | None], None] | None = None,
        **params: Any,
    ) -> list[Row]:
        """One write statement as an auto-commit transaction: the statement's own round trip commits it.

        `write` (a managed transaction) sends a BEGIN and a COMMIT besides the statement, and holds the
        statement's locks until the COMMIT arrives. The driver never retries an auto-commit statement: it
        is retried here while the error is retryable (a deadlock, a lost connection), so the statement
        must be idempotent: a retry may follow an attempt that did commit (the connection broke before
        its answer). `settled` is told the rows once the statement committed, or None when it did not
        (also when the caller was cancelled meanwhile; storage runs it to its end all the same). An
        answer that never came settles as None even though the statement may have committed.
        """

        async def in_session() -> list[Row]:
            try:
                rows = await self._auto_commit(self._queries(query_name), params, neo4j.WRITE_ACCESS)
            except BaseException:
                if settled is not None:
                    settled(None)
                raise
            if settled is not None:
                settled(rows)
            return rows

        with translated_errors(), metrics.neo4j_call(query_name):
            return await _finish_even_if_cancelled(in_session())

    async def _execute(self, query_name: str, params: dict[str, Any], routing: RoutingControl) -> list[Row]:
        with translated_errors(), metrics.neo4j_call(query_name):
            rows: list[Row] = await _finish_even_if_cancelled(
                self._driver.execute_query(
                    self._queries(query_name),
                    params,
                    database_=self._database,
                    routing_=routing,
                    result_transformer_=_rows,
                )
            )
            return rows

    async def read_transaction(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        return await self._transaction(work, write=False)

    async def write_transaction(
        self, work: Callable[[Transaction], Awaitable[T]], *, settled: Callable[[bool], None] | None = None
    ) -> T:
        """Runs `work` as one unit of work: every statement it runs commits together, or none does.

        `settled` is told whether the transaction committed, once it has ended: also when the caller
        was cancelled meanwhile (the transaction runs to its end all the same, see below).
        """
        return await self._transaction(work, write=True, settled=settled)

    async def _transaction(
        self, work: Callable[[Transaction], Awaitable[T]], *, write: bool, settled: Callable[[bool], None] | None = None
    ) -> T:
        async def run(tx: neo4j.AsyncManagedTransaction) -> T:
            return await work(Transaction(tx, self._queries))

        async def in_session() -> T:
            try:
                async with self._session() as session:
                    with _pipelined_begin(session):
                        result = await (session.execute_write(run) if write else session.execute_read(run))
            except BaseException:
                if settled is not None:
                    settled(False)
                raise
            if settled is not None:
                settled(True)
            return result

        with translated_errors(), metrics.neo4j_call("transaction"):
            return await _finish_even_if_cancelled(in_session())

    @contextlib.asynccontextmanager
    async def _session(self, access: str = neo4j.WRITE_ACCESS) -> AsyncIterator[neo4j.AsyncSession]:
        async with self._driver.session(
            database=self._database,
            bookmark_manager=self._driver.execute_query_bookmark_manager,
            default_access_mode=access,
        ) as session:
            yield session

    async def run_schema(self, statement: str) -> None:
        """Run one schema statement (migrations) in its own auto-commit transaction."""
        with translated_errors():
            async with self._session() as session:
                result = await session.run(statement)
                await result.consume()

    async def ping(self, *, within: float = 2.0) -> bool:
        """Whether Neo4j answers one statement now: tried once (no retry, which would hold a
        readiness probe for the whole retry time and then, if Neo4j came back meanwhile, answer yes
        for the gap), and False after `within` seconds."""
        try:
            async with asyncio.timeout(within), self._session(access=neo4j.READ_ACCESS) as session:
                await _rows(await session.run("RETURN 1"))
        except (Neo4jError, DriverError, OSError, TimeoutError):
            return False
        return True


__all__ = ["Database", "Row", "Transaction", "translated_errors"]
