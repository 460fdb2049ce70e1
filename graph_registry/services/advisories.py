"""Advisories: importing OSV records, the matches they make, and the questions asked of them.

An import runs in batches, one write transaction each: the stored modified times decide
which records are new, newer (replaced) or skipped; each stored record's AFFECTS edges are
recomputed in code (domain/advisories.py) against the Package nodes of its packages; the
model versions that gain a match are reported, and those in STAGING or PRODUCTION get a
VULNERABILITY_FOUND event in the same transaction. New package versions (a new model
version's requirements) are matched against the stored advisories where they are created.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from packaging.utils import canonicalize_name

from graph_registry.domain import validation
from graph_registry.domain.advisories import Advisory, AffectedPackage, parse_record
from graph_registry.domain.groups import grouped
from graph_registry.domain.records import PackageRecord, Stage, VersionRecord
from graph_registry.domain.severity import Severity
from graph_registry.errors import InvalidInput
from graph_registry.services.audit import AuditEntry, write_audited
from graph_registry.storage.database import Database, Row, Transaction

BATCH = 200
MAX_RECORDS = 5000
# OSV ids and aliases: letters, digits and -._: (GHSA-xxxx-xxxx-xxxx, PYSEC-2021-142, CVE-2020-1747).
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$")
_ALERTED = {Stage.STAGING.value, Stage.PRODUCTION.value}


@dataclass(frozen=True, slots=True)
class StoredAdvisory:
    advisory: Advisory

    @classmethod
    def from_row(cls, row: Row) -> StoredAdvisory:
        affected = tuple(AffectedPackage.from_json(item) for item in orjson.loads(row["affected"]))
        severity = row.get("severity")
        return cls(
            Advisory(
                osv_id=row["osvId"],
                aliases=tuple(row.get("aliases") or ()),
                summary=row.get("summary"),
                severity=Severity(severity) if severity else None,
                affected=affected,
                published=row.get("publishedAt"),
                modified=row["modifiedAt"],
                withdrawn=row.get("withdrawnAt"),
                references=tuple(row.get("references") or ()),
            )
        )


@dataclass(frozen=True, slots=True)
class Vulnerability:
    package: PackageRecord
    advisory: Advisory


@dataclass(frozen=True, slots=True)
class VulnerableVersion:
    version: VersionRecord
    vulnerabilities: tuple[Vulnerability, ...]


@dataclass(frozen=True, slots=True)
class BlockingAdvisory:
    osv_id: str
    severity: Severity
    package: str
    package_version: str

    def describe(self) -> str:
        return f"{self.osv_id} ({self.severity.value}, {self.package}=={self.package_version})"


@dataclass(slots=True)
class ImportResult:
    imported: int = 0
    updated: int = 0
    skipped: int = 0
    newly_affected: list[VersionRecord] = field(default_factory=list)

    def add(self, other: ImportResult) -> None:
        self.imported += other.imported
        self.updated += other.updated
        self.skipped += other.skipped
        known = {record.key for record in self.newly_affected}
        self.newly_affected.extend(record for record in other.newly_affected if record.key not in known)


def _properties(advisory: Advisory) -> dict[str, Any]:
    return {
        "aliases": list(advisory.aliases),
        "aliasNames": "|" + "|".join(advisory.aliases) + "|",
        "summary": advisory.summary,
        "severity": advisory.severity.value if advisory.severity else None,
        "severityRank": advisory.severity.rank if advisory.severity else None,
        "publishedAt": advisory.published,
        "modifiedAt": advisory.modified,
        "withdrawnAt": advisory.withdrawn,
        "references": list(advisory.references),
        "packages": advisory.packages,
        "packageNames": "|" + "|".join(advisory.packages) + "|",
        "affected": orjson.dumps([entry.to_json() for entry in advisory.affected]).decode(),
    }


def records_of(osv: object) -> list[object]:
    """One OSV record or a list of them, as a list; refuses anything else."""
    records = osv if isinstance(osv, list) else [osv]
    if len(records) > MAX_RECORDS:
        raise InvalidInput(f"at most {MAX_RECORDS} records per import; send more in several", field="osv")
    return records


def validated_id(osv_id: str) -> str:
    if not _ID.fullmatch(osv_id):
        raise InvalidInput(f"{osv_id[:80]!r} is not an OSV id or alias", field="osvId")
    return osv_id


def severity_rank(minimum: Severity | None) -> int | None:
    return minimum.rank if minimum is not None else None


class AdvisoryService:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def import_records(self, osv: object, *, actor: str, audit: AuditEntry | None = None) -> ImportResult:
        """Store the PyPI records among `osv`; every record is parsed before anything is written."""
        parsed: list[Advisory] = []
        result = ImportResult()
        for record in records_of(osv):
            advisory = parse_record(record)
            if advisory is None:
                result.skipped += 1
            else:
                parsed.append(advisory)
        latest: dict[str, Advisory] = {}
        for advisory in parsed:  # the same id twice in one import: the newer counts, the other is skipped
            kept = latest.get(advisory.osv_id)
            if kept is not None:
                result.skipped += 1
            if kept is None or advisory.modified > kept.modified:
                latest[advisory.osv_id] = advisory
        ordered = list(latest.values())
        for start in range(0, len(ordered), BATCH):
            batch = ordered[start : start + BATCH]

            async def work(tx: Transaction, batch: Sequence[Advisory] = batch) -> ImportResult:
                return await _import_batch(tx, batch, actor)

            result.add(await write_audited(self._db, work, audit=audit))
        return result

    async def get(self, osv_id: str) -> Advisory | None:
        rows = await self._db.read("get_advisory", id=validated_id(osv_id))
        return StoredAdvisory.from_row(rows[0]["advisory"]).advisory if rows else None

    async def by_ids(self, ids: Sequence[str]) -> dict[str, Advisory]:
        rows = await self._db.read("get_advisories", ids=list(ids))
        found = (StoredAdvisory.from_row(row["advisory"]).advisory for row in rows)
        return {advisory.osv_id: advisory for advisory in found}

    async def vulnerabilities_of(
        self, keys: Sequence[tuple[str, int]], minimum: Severity | None
    ) -> dict[tuple[str, int], list[Vulnerability]]:
        rows = await self._db.read(
            "get_version_vulnerabilities", keys=[list(key) for key in keys], minRank=severity_rank(minimum)
        )
        return grouped(((row["model"], row["version"]), _vulnerability(row)) for row in rows)

    async def vulnerable_versions(
        self, *, stage: Stage | None, alias: str | None, minimum: Severity | None
    ) -> list[VulnerableVersion]:
        if alias is not None:
            validation.alias(alias)
        rows = await self._db.read(
            "find_vulnerable_versions",
            stage=stage.value if stage else None,
            alias=alias,
            minRank=severity_rank(minimum),
        )
        return [
            VulnerableVersion(
                version=VersionRecord.from_row(row["version"]),
                vulnerabilities=tuple(
                    sorted(
                        (_vulnerability(hit) for hit in row["hits"]),
                        key=lambda v: (-(v.advisory.severity.rank if v.advisory.severity else 0), v.advisory.osv_id),
                    )
                ),
            )
            for row in rows
        ]


def _vulnerability(row: Row) -> Vulnerability:
    return Vulnerability(
        package=PackageRecord.from_row(row["package"]), advisory=StoredAdvisory.from_row(row["advisory"]).advisory
    )


async def blocking_advisories(
    tx: Transaction, *, model: str, version: int, minimum: Severity
) -> list[BlockingAdvisory]:
    """The known vulnerabilities of a version at or above `minimum`, read in the caller's transaction.

    Promotion checks (the GRAPH_REGISTRY_BLOCKING_SEVERITY setting, a policy's blockingSeverity)
    call it inside the transaction that moves the version. A null severity never blocks.
    """
    rows = await tx.run("find_blocking_advisories", model=model, version=version, minRank=minimum.rank)
    return [
        BlockingAdvisory(
            osv_id=row["osvId"],
            severity=Severity(row["severity"]),
            package=row["package"],
            package_version=row["packageVersion"],
        )
        for row in rows
    ]


async def match_new_packages(tx: Transaction, packages: Iterable[PackageRecord]) -> None:
    """AFFECTS edges from the stored advisories to packages a new version declares, in its transaction."""
    wanted = {(canonicalize_name(p.name), p.version) for p in packages}
    if not wanted:
        return
    rows = await tx.run("find_advisories_for_packages", names=sorted({name for name, _ in wanted}))
    matches = []
    for row in rows:
        entries = [AffectedPackage.from_json(item) for item in orjson.loads(row["affected"])]
        for name, version in wanted:
            if any(entry.package == name and entry.affects(version) for entry in entries):
                matches.append({"osvId": row["osvId"], "name": name, "version": version})
    if matches:
        await tx.run("link_package_advisories", matches=matches)


async def _import_batch(tx: Transaction, batch: Sequence[Advisory], actor: str) -> ImportResult:
    result = ImportResult()
    ids = [advisory.osv_id for advisory in batch]
    stored = {row["osvId"]: row["modifiedAt"] for row in await tx.run("get_advisory_states", ids=ids)}
    chosen: list[Advisory] = []
    for advisory in batch:
        modified = stored.get(advisory.osv_id)
        if modified is None:
            if advisory.withdrawn is not None:
                result.skipped += 1  # withdrawn before we ever knew it: nothing to stop matching
                continue
            result.imported += 1
        elif advisory.modified > modified:
            result.updated += 1
        else:
            result.skipped += 1
            continue
        chosen.append(advisory)
    if not chosen:
        return result
    names = sorted({name for advisory in chosen for name in advisory.packages})
    versions = {row["name"]: row["versions"] for row in await tx.run("get_package_versions", names=names)}
    before = {
        (row["osvId"], row["name"], row["version"])
        for row in await tx.run("get_advisory_matches", ids=[a.osv_id for a in chosen])
    }
    rows: list[dict[str, Any]] = []
    after: set[tuple[str, str, str]] = set()
    for advisory in chosen:
        matches = [
            {"name": name, "version": version}
            for name in advisory.packages
            for version in advisory.affected_versions(name, versions.get(name, ()))
        ]
        after.update((advisory.osv_id, m["name"], m["version"]) for m in matches)
        rows.append({"osvId": advisory.osv_id, "properties": _properties(advisory), "matches": matches})
    await tx.run("store_advisories", advisories=rows)
    added = [{"osvId": osv_id, "name": name, "version": version} for osv_id, name, version in sorted(after - before)]
    if not added:
        return result
    hits = await tx.run("find_versions_requiring", pairs=added)
    result.newly_affected = [VersionRecord.from_row(row["version"]) for row in hits]
    alerts: dict[str, list[dict[str, Any]]] = {}
    for row in hits:
        if row["version"]["stage"] in _ALERTED:
            detail = ", ".join(sorted(row["osvIds"]))
            alerts.setdefault(row["version"]["model"], []).append(
                {"version": row["version"]["version"], "detail": detail[:500]}
            )
    if alerts:
        await tx.run(
            "record_vulnerability_events",
            actor=actor,
            models=[{"model": model, "versions": hits} for model, hits in sorted(alerts.items())],
        )
    return result
