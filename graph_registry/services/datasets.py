"""Datasets and their versions: register (idempotent by digest), find, list, link, delete."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from graph_registry.domain import paging, validation
from graph_registry.domain.paging import Page
from graph_registry.domain.records import DatasetRecord, DatasetVersionLinks, DatasetVersionRecord
from graph_registry.domain.refs import DatasetVersionRef, NewDatasetVersion
from graph_registry.errors import Conflict, Forbidden, InvalidInput, NotFound, PreconditionFailed
from graph_registry.services.audit import AuditEntry, write_audited, write_one_audited
from graph_registry.storage.database import Database, Transaction


async def resolve_refs(tx: Transaction, refs: Sequence[DatasetVersionRef]) -> list[DatasetVersionRecord]:
    """The dataset versions refs name, in order; NotFound (before anything is written) for a missing one."""
    if not refs:
        return []
    rows = await tx.run(
        "resolve_dataset_refs",
        refs=[{"dataset": ref.dataset, "version": ref.version, "digest": ref.digest} for ref in refs],
    )
    found = {row["index"]: DatasetVersionRecord.from_row(row["datasetVersion"]) for row in rows}
    for index, ref in enumerate(refs):
        if index not in found:
            raise NotFound(f"dataset version {ref.describe()} does not exist", dataset=ref.dataset)
    return [found[index] for index in range(len(refs))]


async def require_run(tx: Transaction, run_id: str) -> None:
    validation.run_id(run_id)
    if not await tx.run("get_runs", runIds=[run_id]):
        raise NotFound(f"run {run_id!r} does not exist", runId=run_id)


async def _set_source(tx: Transaction, dataset: str, source: tuple[str, str]) -> None:
    """Gives a dataset its OpenLineage identity; CONFLICT when it has another (or another dataset has it)."""
    namespace, name = source
    for value, what in ((namespace, "source.namespace"), (name, "source.name")):
        if not (0 < len(value) <= 2048 and value.isprintable() and value.strip()):
            raise InvalidInput(f"{what} must be 1-2048 printable characters", field=what)
    rows = await tx.run("set_dataset_source", dataset=dataset, namespace=namespace, name=name)
    if (rows[0]["namespace"], rows[0]["name"]) != source:
        raise Conflict(f"dataset {dataset!r} is recorded as {rows[0]['namespace']}/{rows[0]['name']}", dataset=dataset)


class DatasetService:
    def __init__(self, database: Database, *, max_page_size: int = 100) -> None:
        self._db = database
        self._max_page_size = max_page_size

    async def register_version(
        self, new: NewDatasetVersion, *, may_restore: bool = False, audit: AuditEntry | None = None
    ) -> DatasetVersionRecord:
        """Same (dataset, digest) -> same version; links given again are added, unless they close a cycle.

        The digest of a soft-deleted version brings it back (`restored` on the record) only with
        `may_restore`, which callers grant to the role deleting needs; without it, FORBIDDEN and nothing
        is written: re-registering must not undo a maintainer's deletion.
        """
        validation.name(new.dataset, what="dataset")
        digest = validation.digest(new.digest)
        validation.text(new.uri, what="uri", limit=2048)
        validation.text(new.description, what="description")
        if new.row_count is not None and not 0 <= new.row_count < 2**63:
            raise InvalidInput("rowCount must be a non-negative number", field="rowCount")
        validation.ref_count(len(new.derived_from), what="derivedFrom")
        refs = [ref.validated() for ref in new.derived_from]

        async def work(tx: Transaction) -> DatasetVersionRecord:
            parents = await resolve_refs(tx, refs)
            if new.produced_by is not None:
                await require_run(tx, new.produced_by)
            rows = await tx.run(
                "register_dataset_version",
                dataset=new.dataset,
                digest=digest,
                uri=new.uri,
                rowCount=new.row_count,
                description=new.description,
                mayRestore=may_restore,
            )
            row = rows[0]
            record = DatasetVersionRecord.from_row(row["datasetVersion"])
            if row["wasDeleted"]:
                if not may_restore:
                    raise Forbidden(
                        f"{record.dataset} v{record.version} (digest {digest}) was deleted; registering it again "
                        "restores it, which needs the role that deleteDatasetVersion needs",
                        dataset=record.dataset,
                        version=record.version,
                        operation="restoreDatasetVersion",
                    )
                record = dataclasses.replace(record, restored=True)
            if new.source is not None:
                await _set_source(tx, record.dataset, new.source)
            if not parents and new.produced_by is None:
                return record
            if row["producedBy"] is not None and new.produced_by not in (None, row["producedBy"]):
                raise Conflict(
                    f"{record.dataset} v{record.version} (digest {digest}) was produced by run {row['producedBy']}",
                    dataset=record.dataset,
                    version=record.version,
                )
            params: dict[str, Any] = {
                "dataset": record.dataset,
                "version": record.version,
                "parents": [list(parent.key) for parent in parents],
                "runId": new.produced_by,
            }
            if row["replayed"]:
                cycles = await tx.run("find_lineage_cycles", **params)
                if cycles:
                    raise Conflict(
                        f"linking {record.dataset} v{record.version} to {cycles[0]['parent']} would make a "
                        "derivation cycle",
                        dataset=record.dataset,
                        version=record.version,
                    )
            await tx.run("link_dataset_version", **params)
            return record

        return await write_audited(self._db, work, audit=audit)

    async def delete_version(self, *, dataset: str, version: int, audit: AuditEntry | None = None) -> bool:
        """Soft delete (leaves listings, stays in lineage); refused while a PRODUCTION model depends on it."""
        validation.name(dataset, what="dataset")
        validation.dataset_version(version)
        rows = await write_one_audited(
            self._db, "delete_dataset_version", audit=audit, dataset=dataset, version=version
        )
        if not rows:
            raise NotFound(f"dataset version {dataset}:{version} does not exist", dataset=dataset, version=version)
        if rows[0]["blockingModel"] is not None:
            blocker = f"{rows[0]['blockingModel']} v{rows[0]['blockingVersion']}"
            raise PreconditionFailed(
                f"{dataset} v{version} is in the lineage of {blocker}, which is in PRODUCTION",
                dataset=dataset,
                version=version,
            )
        return True

    async def datasets_by_name(self, names: Sequence[str]) -> dict[str, DatasetRecord]:
        rows = await self._db.read("get_datasets", names=list(names))
        return {row["dataset"]["name"]: DatasetRecord.from_row(row["dataset"]) for row in rows}

    async def get_dataset(self, name: str) -> DatasetRecord | None:
        validation.name(name, what="dataset")
        return (await self.datasets_by_name([name])).get(name)

    async def versions_by_key(self, keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], DatasetVersionRecord]:
        rows = await self._db.read("get_dataset_versions", keys=[list(key) for key in keys])
        found = (DatasetVersionRecord.from_row(row["datasetVersion"]) for row in rows)
        return {record.key: record for record in found}

    async def latest_versions(self, names: Sequence[str]) -> dict[str, DatasetVersionRecord]:
        rows = await self._db.read("get_latest_dataset_versions", names=list(names))
        found = (DatasetVersionRecord.from_row(row["datasetVersion"]) for row in rows)
        return {record.dataset: record for record in found}

    async def find_version(
        self, *, dataset: str, version: int | None = None, digest: str | None = None
    ) -> DatasetVersionRecord | None:
        """By number, by digest, or (neither) the latest."""
        validation.name(dataset, what="dataset")
        if version is not None and digest is not None:
            raise InvalidInput("give at most one of version or digest", dataset=dataset)
        if version is not None:
            validation.dataset_version(version)
            return (await self.versions_by_key([(dataset, version)])).get((dataset, version))
        if digest is not None:
            rows = await self._db.read(
                "find_dataset_version_by_digest", dataset=dataset, digest=validation.known_digest(digest)
            )
            return DatasetVersionRecord.from_row(rows[0]["datasetVersion"]) if rows else None
        return (await self.latest_versions([dataset])).get(dataset)

    async def require_version(self, ref: DatasetVersionRef) -> DatasetVersionRecord:
        ref = ref.validated()
        record = await self.find_version(dataset=ref.dataset, version=ref.version, digest=ref.digest)
        if record is None:
            raise NotFound(f"dataset version {ref.describe()} does not exist", dataset=ref.dataset)
        return record

    async def list_versions(self, *, dataset: str, first: int, after: str | None) -> Page[DatasetVersionRecord]:
        return (await self.list_versions_of([dataset], first=first, after=after))[dataset]

    async def list_versions_of(
        self, datasets: Sequence[str], *, first: int, after: str | None
    ) -> dict[str, Page[DatasetVersionRecord]]:
        """The same page of several datasets' versions, in one query (the `Dataset.versions` loader)."""
        paging.page_size(first, limit=self._max_page_size)
        after_version = paging.after(after, int)
        rows = await self._db.read(
            "list_dataset_versions", datasets=list(datasets), after=after_version, limit=first + 1
        )
        return {
            row["dataset"]: paging.page(
                [DatasetVersionRecord.from_row(version) for version in row["versions"]],
                first,
                lambda version: version.version,
                total_count=row["total"],
            )
            for row in rows
        }

    async def links(self, keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], DatasetVersionLinks]:
        rows = await self._db.read("get_dataset_version_links", keys=[list(key) for key in keys])
        return {(row["dataset"], row["version"]): DatasetVersionLinks.from_row(row) for row in rows}
