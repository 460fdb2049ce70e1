"""Backups of the whole graph as JSON Lines, and their restore into an empty database.

One JSON object per line, nodes before relationships:

    {"format": "graph-registry-backup", "formatVersion": 1, "exportedAt": "..."}
    {"node": "<id in this file>", "labels": ["Model"], "properties": {...}}
    {"relationship": "USED", "source": "<node id>", "target": "<node id>", "properties": {...}}
    {"end": {"nodes": N, "relationships": M}}

Property values are plain JSON, except temporal values and non-finite floats, which are tagged:
`{"$type": "ZONED DATETIME", "value": "2024-05-01T10:00:00.123456789+02:00[Europe/Paris]"}`.
Node ids (element ids) only link relationships inside the file. Cypher cannot take labels as
parameters, so the import has one static query per known label and relationship type, and refuses
a file that holds any other before writing anything.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from graph_registry.errors import InvalidInput, PreconditionFailed
from graph_registry.storage import migrations
from graph_registry.storage.database import Database, Transaction

FORMAT = "graph-registry-backup"
FORMAT_VERSION = 1
NODE_QUERIES = {
    "Model": "import_model_nodes",
    "ModelVersion": "import_model_version_nodes",
    "Event": "import_event_nodes",
    "Alias": "import_alias_nodes",
    "AliasAssignment": "import_alias_assignment_nodes",
    "Dataset": "import_dataset_nodes",
    "DatasetVersion": "import_dataset_version_nodes",
    "Experiment": "import_experiment_nodes",
    "Run": "import_run_nodes",
    "Commit": "import_commit_nodes",
    "Package": "import_package_nodes",
    "ApiToken": "import_api_token_nodes",
    "AuditEntry": "import_audit_entry_nodes",
    "Migration": "import_migration_nodes",
    "Job": "import_job_nodes",
    # Governance (cypher/queries/backup_governance.cypher).
    "Team": "import_team_nodes",
    "PromotionPolicy": "import_promotion_policy_nodes",
    "StageTransitionRequest": "import_stage_transition_request_nodes",
    "ApprovalDecision": "import_approval_decision_nodes",
    "Advisory": "import_advisory_nodes",
}
RELATIONSHIP_QUERIES = {
    name: f"import_{name.lower()}_relationships"
    for name in (
        "VERSION_OF",
        "POINTS_TO",
        "USED",
        "RAN",
        "IN",
        "PRODUCED_BY",
        "DERIVED_FROM",
        "FINE_TUNED_FROM",
        "REQUIRES",
        "RUN_OF",
        "CHILD_OF",
        # Governance: model -> team, token -> team, request -> version, decision -> request.
        "OWNED_BY",
        "MEMBER_OF",
        "FOR",
        "ON",
        "AFFECTS",
    )
}
_TEMPORAL = ("DATE", "LOCAL TIME", "ZONED TIME", "LOCAL DATETIME", "ZONED DATETIME", "DURATION")
TAGGED_TYPES = frozenset([*_TEMPORAL, *(f"LIST<{kind}>" for kind in _TEMPORAL), "FLOAT"])
_PLAIN = ("STRING", "INTEGER", "FLOAT", "BOOLEAN")
PLAIN_TYPES = frozenset([*_PLAIN, *(f"LIST<{kind}>" for kind in _PLAIN), "LIST<NOTHING>"])
# Bookkeeping property of an import in progress; a file may not use it.
IMPORT_ID = "_backupImportId"
MAX_INTEGER = 2**63 - 1

Progress = Callable[[int], None]


def _no_progress(advance: int) -> None:
    return None


def encode_properties(properties: list[dict[str, Any]], where: str) -> dict[str, Any]:
    """Rows of {key, type, value} from the export queries, as the file's property object."""
    encoded: dict[str, Any] = {}
    for prop in properties:
        kind = prop["type"].replace(" NOT NULL", "")
        value = prop["value"]
        if kind in TAGGED_TYPES and kind != "FLOAT":
            encoded[prop["key"]] = {"$type": kind, "value": value}
        elif kind == "FLOAT" and not math.isfinite(value):
            text = "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"
            encoded[prop["key"]] = {"$type": "FLOAT", "value": text}
        elif kind in PLAIN_TYPES and not (kind == "LIST<FLOAT>" and not all(map(math.isfinite, value))):
            encoded[prop["key"]] = value
        else:
            raise InvalidInput(f"{where}: property {prop['key']!r} has a type backups do not carry: {kind}")
    return encoded


def _plain(value: Any) -> bool:
    if isinstance(value, bool | str | float):
        return True
    return isinstance(value, int) and -MAX_INTEGER - 1 <= value <= MAX_INTEGER


def split_properties(properties: Any, where: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A file's property object as (plain values, tagged values to parse in Cypher), validated."""
    if not isinstance(properties, dict):
        raise InvalidInput(f"{where}: properties must be an object")
    plain: dict[str, Any] = {}
    tagged: list[dict[str, Any]] = []
    for key, value in properties.items():
        if not key or key.startswith("_backup"):
            raise InvalidInput(f"{where}: property name {key!r} is not allowed")
        if isinstance(value, dict):
            kind, text = value.get("$type"), value.get("value")
            listed = kind is not None and kind.startswith("LIST<")
            valid_text = (
                isinstance(text, list) and all(isinstance(x, str) for x in text) if listed else isinstance(text, str)
            )
            valid_text = valid_text and (kind != "FLOAT" or text in {"NaN", "Infinity", "-Infinity"})
            if kind not in TAGGED_TYPES or set(value) != {"$type", "value"} or not valid_text:
                raise InvalidInput(f"{where}: property {key!r} has an unknown tagged value")
            tagged.append({"key": key, "type": kind, "value": text})
        elif _plain(value) or (
            isinstance(value, list) and all(_plain(x) for x in value) and len({type(x) for x in value}) <= 1
        ):
            plain[key] = value
        else:
            raise InvalidInput(f"{where}: property {key!r} is not a value a graph property can hold")
    return plain, tagged


@dataclass
class BackupFile:
    """What a backup file holds, learnt by reading it through once (nothing is written yet)."""

    path: Path
    digest: str
    records: int
    nodes: Counter[str] = field(default_factory=Counter)
    relationships: Counter[str] = field(default_factory=Counter)
    migrations: dict[int, str] = field(default_factory=dict)


def _lines(path: Path) -> Iterator[tuple[int, Any]]:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                yield number, orjson.loads(line)
            except orjson.JSONDecodeError as error:
                raise InvalidInput(f"line {number}: not valid JSON (UTF-8): {error}", line=number) from error


def inspect_backup(path: Path) -> BackupFile:
    """Validate a whole file (format, allowed labels and types, properties, links) and describe it."""
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            sha.update(chunk)
    found = BackupFile(path=path, digest=sha.hexdigest(), records=0)
    node_ids: set[str] = set()
    lines = _lines(path)
    header = next(lines, (1, None))[1]
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise InvalidInput(f"{path.name} is not a graph-registry backup (no header line)")
    if header.get("formatVersion") != FORMAT_VERSION:
        raise InvalidInput(f"backup format version {header.get('formatVersion')} is not supported")
    end = None
    for number, record in lines:
        where = f"line {number}"
        if end is not None or not isinstance(record, dict):
            raise InvalidInput(f"{where}: unexpected line", line=number)
        if "node" in record:
            labels = record.get("labels")
            if found.relationships or not isinstance(record["node"], str) or record["node"] in node_ids:
                raise InvalidInput(f"{where}: node out of order or repeated", line=number)
            if not isinstance(labels, list) or len(labels) != 1 or labels[0] not in NODE_QUERIES:
                raise InvalidInput(
                    f"{where}: labels {labels!r} are not ones this registry stores; known: {', '.join(NODE_QUERIES)}",
                    line=number,
                )
            plain, _ = split_properties(record.get("properties"), where)
            if labels[0] == "Migration":
                found.migrations[plain.get("version", -1)] = plain.get("checksum", "")
            node_ids.add(record["node"])
            found.nodes[labels[0]] += 1
        elif "relationship" in record:
            kind = record["relationship"]
            if kind not in RELATIONSHIP_QUERIES:
                raise InvalidInput(f"{where}: relationship type {kind!r} is not one this registry stores", line=number)
            if record.get("source") not in node_ids or record.get("target") not in node_ids:
                raise InvalidInput(f"{where}: relationship to a node not in the file", line=number)
            split_properties(record.get("properties"), where)
            found.relationships[kind] += 1
        elif "end" in record:
            end = record["end"]
            continue
        else:
            raise InvalidInput(f"{where}: neither a node nor a relationship", line=number)
        found.records += 1
    counted = {"nodes": found.nodes.total(), "relationships": found.relationships.total()}
    if end != counted:
        raise InvalidInput(f"{path.name} is truncated or altered: its end line says {end}, it holds {counted}")
    return found


class BackupService:
    def __init__(self, database: Database, *, page_size: int = 2000, batch_size: int = 1000) -> None:
        self._db = database
        self._page_size = page_size
        self._batch_size = batch_size

    async def size(self) -> tuple[int, int]:
        """(nodes, relationships) in the graph now."""
        row = (await self._db.read("count_graph"))[0]
        return row["nodes"], row["relationships"]

    async def records(self, on_progress: Progress = _no_progress) -> AsyncIterator[dict[str, Any]]:
        """Every line of a backup of the graph as it is now, streamed page by page."""
        yield {"format": FORMAT, "formatVersion": FORMAT_VERSION, "exportedAt": datetime.now(UTC).isoformat()}
        bounds = (await self._db.read("get_id_bounds"))[0]
        nodes = relationships = 0
        for start in range(0, bounds["maxNodeId"] + 1, self._page_size):
            rows = await self._db.read("export_nodes", **{"from": start, "to": start + self._page_size})
            for row in rows:
                where = f"node {row['id']}"
                yield {
                    "node": row["id"],
                    "labels": row["labels"],
                    "properties": encode_properties(row["properties"], where),
                }
            nodes += len(rows)
            on_progress(len(rows))
        for start in range(0, bounds["maxRelationshipId"] + 1, self._page_size):
            rows = await self._db.read("export_relationships", **{"from": start, "to": start + self._page_size})
            for row in rows:
                yield {
                    "relationship": row["type"],
                    "source": row["source"],
                    "target": row["target"],
                    "properties": encode_properties(row["properties"], f"a {row['type']} relationship"),
                }
            relationships += len(rows)
            on_progress(len(rows))
        yield {"end": {"nodes": nodes, "relationships": relationships}}

    async def export(self, sink: BinaryIO, on_progress: Progress = _no_progress) -> dict[str, int]:
        """Write a backup to `sink`; returns how many nodes and relationships it holds."""
        last: dict[str, Any] = {}
        async for record in self.records(on_progress):
            sink.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))
            last = record
        counts: dict[str, int] = last["end"]
        return counts

    async def prepare_restore(self, backup: BackupFile) -> int:
        """Check the database may take the backup and record the import; returns the records already
        imported by an interrupted run of the same file (0 for a new import)."""
        known = {migration.version: migration.checksum for migration in migrations.load()}
        for version, checksum in sorted(backup.migrations.items()):
            if known.get(version) != checksum:
                raise PreconditionFailed(
                    f"the backup was made with schema migration V{version:04d}, which this graph-registry "
                    "does not have as recorded; restore it with the version that made it"
                )
        await migrations.apply(self._db)
        state = (await self._db.read("get_import_state"))[0]
        others = [item for item in state["imports"] if item["digest"] != backup.digest]
        resuming = [item for item in state["imports"] if item["digest"] == backup.digest]
        if others:
            raise PreconditionFailed(
                "an import of another backup file was interrupted in this database; "
                "finish it (import that file again) or start from an empty database"
            )
        # Once every record is in, finishing strips the import's labels: those nodes then count as data.
        finishing = bool(resuming) and resuming[0]["done"] >= resuming[0]["records"]
        if state["occupied"] and not finishing:
            held = ", ".join(f"{item['label']} {item['nodes']}" for item in state["occupied"])
            raise PreconditionFailed(
                f"the database is not empty ({held}); import restores into an empty database only: "
                "point NEO4J_URI (or GRAPH_REGISTRY_HOME) at a new one"
            )
        done: int = (await self._db.write("start_import", digest=backup.digest, records=backup.records))[0]["done"]
        await self._db.write("create_import_index")
        await self._db.read("await_import_index")
        return done

    async def restore(
        self, backup: BackupFile, on_progress: Progress = _no_progress, *, done: int | None = None
    ) -> None:
        """Import an inspected backup into an empty database; run again, it resumes where it stopped."""
        if done is None:
            done = await self.prepare_restore(backup)
        await self._import_records(backup, done, on_progress)
        while (await self._db.write("finish_imported_nodes", limit=self._batch_size * 5))[0]["finished"]:
            pass
        await self._db.write("drop_import_index")
        await self._db.write("end_import", digest=backup.digest)

    async def _import_records(self, backup: BackupFile, done: int, on_progress: Progress) -> None:
        records = (record for number, record in _lines(backup.path) if number > 1 and "end" not in record)
        batch: list[dict[str, Any]] = []
        start = done
        for index, record in enumerate(records):
            if index < done:
                continue
            batch.append(record)
            if len(batch) == self._batch_size:
                await self._write_batch(backup.digest, start, batch)
                on_progress(len(batch))
                start, batch = start + len(batch), []
        if batch:
            await self._write_batch(backup.digest, start, batch)
            on_progress(len(batch))

    async def _write_batch(self, digest: str, start: int, batch: list[dict[str, Any]]) -> None:
        nodes: dict[str, list[dict[str, Any]]] = defaultdict(list)
        relationships: dict[str, list[dict[str, Any]]] = defaultdict(list)
        node_temporals: list[dict[str, Any]] = []
        relationship_temporals: list[dict[str, Any]] = []
        for offset, record in enumerate(batch):
            if "node" in record:
                plain, tagged = split_properties(record["properties"], f"node {record['node']}")
                nodes[record["labels"][0]].append({"properties": {**plain, IMPORT_ID: record["node"]}})
                if tagged:
                    node_temporals.append({"id": record["node"], "temporals": tagged})
            else:
                plain, tagged = split_properties(record["properties"], "relationship")
                row = {"source": record["source"], "target": record["target"], "properties": plain}
                if tagged:
                    row["properties"] = {**plain, IMPORT_ID: f"r{start + offset}"}
                    relationship_temporals.append(
                        {"source": record["source"], "id": f"r{start + offset}", "temporals": tagged}
                    )
                relationships[record["relationship"]].append(row)

        async def work(tx: Transaction) -> None:
            if not await tx.run("claim_import_batch", digest=digest, start=start, end=start + len(batch)):
                return  # committed before: the driver retried after a lost acknowledgement
            for label, rows in nodes.items():
                await _expect(tx, NODE_QUERIES[label], rows)
            if node_temporals:
                await tx.run("set_imported_node_temporals", rows=node_temporals)
            for kind, rows in relationships.items():
                await _expect(tx, RELATIONSHIP_QUERIES[kind], rows)
            if relationship_temporals:
                await tx.run("set_imported_relationship_temporals", rows=relationship_temporals)

        await self._db.write_transaction(work)


async def _expect(tx: Transaction, query_name: str, rows: list[dict[str, Any]]) -> None:
    created = (await tx.run(query_name, rows=rows))[0]["created"]
    if created != len(rows):
        raise PreconditionFailed(f"{query_name} wrote {created} of {len(rows)} records; the import was rolled back")
