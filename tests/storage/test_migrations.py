"""Migrations: idempotent, safe to run twice or from two processes at once, edits refused."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from graph_registry.storage import migrations
from graph_registry.storage.database import Database
from tests.support.probes import Probes


async def _schema(database: Database) -> list[str]:
    return await Probes(database).index_names()


async def test_applying_again_changes_nothing(database: Database) -> None:
    before = await _schema(database)
    assert await migrations.apply(database) == []
    assert await _schema(database) == before
    applied = await database.read("list_migrations")
    assert [row["version"] for row in applied] == [m.version for m in migrations.load()]


async def test_concurrent_runs_of_a_new_migration_end_in_one_state(
    database: Database, tmp_path: Path, unique: str
) -> None:
    existing = migrations.load()
    index = f"concurrency_probe_{unique}"
    extra = migrations.Migration(
        version=10_000 + int(unique[:6], 16) % 10_000,
        description=f"probe {unique}",
        statements=(f"CREATE INDEX {index} IF NOT EXISTS FOR (p:Probe{unique}) ON (p.key)",),
        checksum=unique,
    )
    try:
        await asyncio.gather(*(migrations.apply(database, [*existing, extra]) for _ in range(4)))
        assert (await _schema(database)).count(index) == 1
        recorded = [row for row in await database.read("list_migrations") if row["version"] == extra.version]
        assert recorded == [{"version": extra.version, "checksum": unique}]
    finally:
        await database.run_schema(f"DROP INDEX {index} IF EXISTS")
        await Probes(database).forget_migration(extra.version)


async def test_an_edited_migration_is_refused(database: Database) -> None:
    first, *rest = migrations.load()
    edited = migrations.Migration(first.version, first.description, first.statements, checksum="edited")
    with pytest.raises(migrations.MigrationError, match="changed after it was applied"):
        await migrations.apply(database, [edited, *rest])


def _migration(directory: Path, name: str) -> None:
    (directory / name).write_text(f"CREATE INDEX {name[:5].lower()} IF NOT EXISTS FOR (n:A) ON (n.x);")


@pytest.mark.unit
def test_numbers_run_from_one_without_gaps(tmp_path: Path) -> None:
    _migration(tmp_path, "V0001__First.cypher")
    _migration(tmp_path, "V0002__Second.cypher")
    assert [m.version for m in migrations.load(tmp_path)] == [1, 2]
    _migration(tmp_path, "V0004__Fourth.cypher")
    with pytest.raises(migrations.MigrationError, match=r"1\.\.N without gaps"):
        migrations.load(tmp_path)


@pytest.mark.unit
def test_a_first_number_other_than_one_is_refused(tmp_path: Path) -> None:
    _migration(tmp_path, "V0002__Second.cypher")
    with pytest.raises(migrations.MigrationError, match="without gaps"):
        migrations.load(tmp_path)


@pytest.mark.unit
def test_two_files_of_one_number_are_refused(tmp_path: Path) -> None:
    _migration(tmp_path, "V0001__First.cypher")
    _migration(tmp_path, "V0002__Second.cypher")
    _migration(tmp_path, "V0002__Other.cypher")
    with pytest.raises(migrations.MigrationError, match="share a number: V0002"):
        migrations.load(tmp_path)


@pytest.mark.unit
def test_the_shipped_migrations_follow_the_rule() -> None:
    assert [m.version for m in migrations.load()] == list(range(1, len(migrations.load()) + 1))


@pytest.mark.unit
def test_misnamed_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "add_index.cypher").write_text("CREATE INDEX a IF NOT EXISTS FOR (n:A) ON (n.x);")
    with pytest.raises(migrations.MigrationError, match="V0001__Describe_change"):
        migrations.load(tmp_path)
