"""Test-only reads and writes of the graph, from the suite's own named queries (tests/support/probes.cypher).

They look where the registry never looks (every node holding a string, the index names) or undo what
only tests do (forget a probe migration), so they ship with the tests, never with the package.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graph_registry.storage.database import Database, Transaction
from graph_registry.storage.queries import parse

QUERIES = {query.name: query.text for query in parse(Path(__file__).with_name("probes.cypher"))}


class Probes:
    def __init__(self, database: Database) -> None:
        self._db = database.with_queries(QUERIES)

    @property
    def database(self) -> Database:
        """The suite's database, also knowing the probe queries (its transactions too)."""
        return self._db

    async def nodes_holding(self, text: str) -> list[dict[str, Any]]:
        """Where a string is stored (labels, properties, values), audit entries aside."""
        return await self._db.read("find_nodes_holding", text=text)

    async def index_names(self) -> list[str]:
        rows = await self._db.read("list_schema")
        return sorted(row["name"] for row in rows)

    async def forget_migration(self, version: int) -> None:
        await self._db.write("delete_migration_record", version=version)

    async def create_probe(self, tx: Transaction, key: str) -> None:
        """A change inside the unit of work `tx` (a :UnitProbe node)."""
        await tx.run("create_probe", key=key)

    async def probes(self, key: str) -> int:
        return int((await self._db.read("count_probes", key=key))[0]["count"])

    async def audit_entries(self, entry_id: str) -> tuple[int, list[str]]:
        """How many audit entries have this id, and their outcomes."""
        row = (await self._db.read("count_audit_entries_with_id", id=entry_id))[0]
        return int(row["count"]), list(row["outcomes"])
