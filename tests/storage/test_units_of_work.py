"""Units of work on the real Database: a change and its audit entry commit together or not at all.

services/audit.write_audited runs the attempt's entry as one statement of the change's own write
transaction. These tests drive it against Neo4j directly: on success, on failure, from many
concurrent writes of one attempt, and when the caller is cancelled while the transaction runs.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest

from graph_registry.services.audit import PENDING, Attempt, AuditEntry, AuditService, write_audited
from graph_registry.storage.database import Transaction
from tests.support.probes import Probes


class Refused(Exception):
    pass


def _entry(probes: Probes, key: str) -> AuditEntry:
    attempt = Attempt(actor="unit-of-work-test", role="admin", operation="probe", request_id=key)
    return AuditService(probes.database).prepare(attempt)


async def test_the_change_and_its_entry_commit_together(probes: Probes) -> None:
    key = uuid.uuid4().hex
    entry = _entry(probes, key)

    async def change(tx: Transaction) -> str:
        await probes.create_probe(tx, key)
        return key

    assert await write_audited(probes.database, change, audit=entry) == key
    assert entry.committed
    assert await probes.probes(key) == 1
    assert await probes.audit_entries(entry.id) == (1, [PENDING])


async def test_a_failed_change_leaves_neither(probes: Probes) -> None:
    key = uuid.uuid4().hex
    entry = _entry(probes, key)

    async def change(tx: Transaction) -> None:
        await probes.create_probe(tx, key)
        raise Refused

    with pytest.raises(Refused):
        await write_audited(probes.database, change, audit=entry)
    assert not entry.committed
    assert await probes.probes(key) == 0
    assert await probes.audit_entries(entry.id) == (0, [])


async def test_a_later_transaction_of_the_attempt_carries_the_entry_once(probes: Probes) -> None:
    key = uuid.uuid4().hex
    entry = _entry(probes, key)

    async def failing(tx: Transaction) -> None:
        await probes.create_probe(tx, key)
        raise Refused

    async def change(tx: Transaction) -> None:
        await probes.create_probe(tx, key)

    with pytest.raises(Refused):
        await write_audited(probes.database, failing, audit=entry)
    await write_audited(probes.database, change, audit=entry)
    await write_audited(probes.database, change, audit=entry)
    assert await probes.probes(key) == 2
    assert await probes.audit_entries(entry.id) == (1, [PENDING])


async def test_concurrent_changes_of_one_attempt_write_one_entry(probes: Probes) -> None:
    key = uuid.uuid4().hex
    entry = _entry(probes, key)

    async def change(tx: Transaction) -> None:
        await probes.create_probe(tx, key)

    await asyncio.gather(*(write_audited(probes.database, change, audit=entry) for _ in range(12)))
    assert entry.committed
    assert await probes.probes(key) == 12
    assert await probes.audit_entries(entry.id) == (1, [PENDING])


@pytest.mark.parametrize("fails", [False, True])
async def test_a_cancelled_caller_changes_nothing_of_the_outcome(probes: Probes, fails: bool) -> None:
    """The transaction runs to its end after the caller is cancelled: both commit, or neither does,
    and the entry learns which (`settled`), so the attempt can still be concluded."""
    key = uuid.uuid4().hex
    entry = _entry(probes, key)
    inside, release = asyncio.Event(), asyncio.Event()

    async def change(tx: Transaction) -> None:
        await probes.create_probe(tx, key)
        inside.set()
        await release.wait()
        if fails:
            raise Refused

    caller = asyncio.ensure_future(write_audited(probes.database, change, audit=entry))
    await inside.wait()
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert entry.claimed and not entry.settled.is_set()
    release.set()
    await asyncio.wait_for(entry.settled.wait(), timeout=60)
    assert entry.committed is not fails
    expected = (0, (0, [])) if fails else (1, (1, [PENDING]))
    assert (await probes.probes(key), await probes.audit_entries(entry.id)) == expected


async def test_without_an_entry_the_change_commits_alone(probes: Probes) -> None:
    key = uuid.uuid4().hex

    async def change(tx: Transaction) -> None:
        await probes.create_probe(tx, key)

    await write_audited(probes.database, change, audit=None)
    assert await probes.probes(key) == 1
