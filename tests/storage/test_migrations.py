"""Migrations: idempotent, safe to run twice or from two processes at once, edits refused."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from graph_registry.storage import migrations
from graph_registry.storage.database import Database


async def _schema(database: Database) -> list[str]:
    rows = await database.read("list_schema")
    return sorted(row["name"] for row in rows)


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
        await database.write("delete_migration_record", version=extra.version)


async def test_an_edited_migration_is_refused(database: Database) -> None:
    first, *rest = migrations.load()
    edited = migrations.Migration(first.version, first.description, first.statements, checksum="edited")
    with pytest.raises(migrations.MigrationError, match="changed after it was applied"):
        await migrations.apply(database, [edited, *rest])


def test_numbers_must_be_unique(tmp_path: Path) -> None:
    (tmp_path / "V0001__First.cypher").write_text("CREATE INDEX a IF NOT EXISTS FOR (n:A) ON (n.x);")
    (tmp_path / "V0003__Third.cypher").write_text("CREATE INDEX b IF NOT EXISTS FOR (n:B) ON (n.x);")
    assert [migration.version for migration in migrations.load(tmp_path)] == [1, 3]  # gaps: branches land apart
    (tmp_path / "V0003__Other_third.cypher").write_text("CREATE INDEX c IF NOT EXISTS FOR (n:C) ON (n.x);")
    with pytest.raises(migrations.MigrationError, match="unique"):
        migrations.load(tmp_path)


def test_misnamed_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "add_index.cypher").write_text("CREATE INDEX a IF NOT EXISTS FOR (n:A) ON (n.x);")
    with pytest.raises(migrations.MigrationError, match="V0001__Describe_change"):
        migrations.load(tmp_path)
