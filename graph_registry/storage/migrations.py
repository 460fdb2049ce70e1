"""Numbered, idempotent schema migrations from `cypher/migrations/V0001__Describe_change.cypher`.

Applied at start-up in order and recorded as `(:Migration)` nodes with a
checksum, so an edited migration that was already applied is refused. Every
statement is idempotent (`IF NOT EXISTS`), so two API processes starting at
once end in the same state.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from neo4j.exceptions import ClientError

from graph_registry.resources import cypher_dir
from graph_registry.storage.database import Database

log = logging.getLogger(__name__)

_FILE_NAME = re.compile(r"^V(?P<version>\d{4})__(?P<description>\w+)\.cypher$")
# Two processes creating the same index at once: the loser is told it already exists.
_ALREADY_EXISTS = {
    "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists",
    "Neo.ClientError.Schema.IndexAlreadyExists",
    "Neo.ClientError.Schema.ConstraintAlreadyExists",
}


class MigrationError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]
    checksum: str


def load(directory: Path | None = None) -> list[Migration]:
    directory = directory or cypher_dir() / "migrations"
    migrations = []
    for path in sorted(directory.glob("*.cypher")):
        match = _FILE_NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migrations are named V0001__Describe_change.cypher")
        text = path.read_text(encoding="utf-8")
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
        statements = tuple(part.strip() for part in code.split(";") if part.strip())
        migrations.append(
            Migration(
                version=int(match["version"]),
                description=match["description"].replace("_", " "),
                statements=statements,
                checksum=hashlib.sha256(text.encode()).hexdigest(),
            )
        )
    versions = [migration.version for migration in migrations]
    twice = sorted({version for version in versions if versions.count(version) > 1})
    if twice:
        raise MigrationError(f"two migrations share a number: {', '.join(f'V{v:04d}' for v in twice)}")
    # Sorted by name, so by number: they must run 1..N, each applied after all below it.
    if versions != list(range(1, len(versions) + 1)):
        raise MigrationError(f"migration numbers must run 1..N without gaps, found {versions}")
    return migrations


async def apply(database: Database, migrations: list[Migration] | None = None) -> list[int]:
    """Apply the migrations not yet recorded; returns the versions applied now."""
    migrations = load() if migrations is None else migrations
    applied = {row["version"]: row["checksum"] for row in await database.read("list_migrations")}
    done = []
    for migration in migrations:
        recorded = applied.get(migration.version)
        if recorded is not None:
            if recorded != migration.checksum:
                raise MigrationError(
                    f"migration V{migration.version:04d} was changed after it was applied; add a new one instead"
                )
            continue
        for statement in migration.statements:
            try:
                await database.run_schema(statement)
            except ClientError as error:
                if error.code not in _ALREADY_EXISTS:
                    raise
        await database.write(
            "record_migration",
            version=migration.version,
            description=migration.description,
            checksum=migration.checksum,
        )
        log.info("applied migration V%04d %s", migration.version, migration.description)
        done.append(migration.version)
    return done
