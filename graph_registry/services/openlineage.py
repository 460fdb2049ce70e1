"""Pipeline lineage from OpenLineage events: each event is applied in one write transaction.

What an event becomes (domain/openlineage.py reads it):
- job (namespace, name) -> Job; run (runId) -> a Run of that job, `(Run)-[:RUN_OF]->(Job)`, in the
  Experiment named after the job's namespace; the parent run facet -> `(Run)-[:CHILD_OF]->(Run)`;
  the job's sourceCodeLocation (git, full commit id) -> `(Run)-[:RAN]->(Commit)`.
- each input -> the version of its dataset that the run used (`USED {role: 'input', at}`): the one
  its `version` facet names, else the newest one observed before the event's time, else the
  dataset's implicit first-seen version, numbered 0 (a version created later for an earlier time
  takes over the reads it should have served; a first-seen version left unread goes); each output of a COMPLETE event -> a version produced by
  the run (`PRODUCED_BY`), derived from every version the run used (`DERIVED_FROM {run}`).
- datasets are found by (namespace, name) (`Dataset.sourceNamespace/sourceName`), created with a
  derived registry name; facets are kept as JSON text on the dataset, the version, the job, the run.

Every rule depends on the events' times, never on their arrival order, and the run is locked first,
so replays change nothing, reordered events converge and concurrent events of one run serialize.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from graph_registry.domain import paging
from graph_registry.domain.openlineage import (
    FIRST_SEEN,
    DatasetEvent,
    DatasetSource,
    Event,
    EventDataset,
    JobEvent,
    RunEvent,
    facets_json,
)
from graph_registry.domain.paging import Page
from graph_registry.domain.records import DatasetRecord, JobRecord, RunRecord
from graph_registry.errors import Conflict
from graph_registry.services.audit import AuditEntry, write_audited, write_one_concluded
from graph_registry.services.runs import run_cursor, run_page
from graph_registry.storage.database import Database, Transaction

INPUT_ROLE = "input"


class OpenLineageService:
    def __init__(self, database: Database, *, max_page_size: int = 100, concurrency: int | None = None) -> None:
        self._db = database
        self._max_page_size = max_page_size
        # At most `concurrency` events in Neo4j at once (settings.openlineage_concurrency); None: no limit.
        self._gate = asyncio.Semaphore(concurrency) if concurrency is not None else None

    async def ingest(self, event: Event, *, audit: AuditEntry | None = None) -> None:
        """Apply one event with the attempt's `audit` entry (prepared with concludes_at_commit): a run
        event is one auto-commit statement that writes the entry OK with the change (the events come
        one per request, and most are run events); a dataset or job event one transaction whose last
        statement writes it. Events beyond the service's concurrency wait for their turn here."""
        if self._gate is None:
            await self._apply(event, audit)
            return
        async with self._gate:
            await self._apply(event, audit)

    async def _apply(self, event: Event, audit: AuditEntry | None) -> None:
        if isinstance(event, RunEvent):
            await _apply_run_event(self._db, event, audit)
            return

        async def work(tx: Transaction) -> None:
            match event:
                case DatasetEvent():
                    await _merge_datasets(tx, [event.dataset], event.event_time)
                case JobEvent():
                    await _merge_datasets(tx, [*event.inputs, *event.outputs], event.event_time)
                    await tx.run(
                        "merge_lineage_job",
                        job={"namespace": event.job.namespace, "name": event.job.name},
                        jobFacets=facets_json(event.job.facets),
                        eventTime=event.event_time,
                    )

        await write_audited(self._db, work, audit=audit)

    async def jobs_by_key(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], JobRecord]:
        rows = await self._db.read("get_jobs", keys=[list(key) for key in keys])
        found = (JobRecord.from_row(row["job"]) for row in rows)
        return {record.key: record for record in found}

    async def get_job(self, *, namespace: str, name: str) -> JobRecord | None:
        return (await self.jobs_by_key([(namespace, name)])).get((namespace, name))

    async def dataset_by_source(self, *, namespace: str, name: str) -> DatasetRecord | None:
        rows = await self._db.read("find_dataset_by_source", namespace=namespace, name=name)
        return DatasetRecord.from_row(rows[0]["dataset"]) if rows else None

    async def list_runs(self, *, namespace: str, name: str, first: int, after: str | None) -> Page[RunRecord]:
        """One page of a job's runs, newest first."""
        paging.page_size(first, limit=self._max_page_size)
        after_started, after_run = run_cursor(after)
        rows = await self._db.read(
            "list_job_runs",
            namespace=namespace,
            name=name,
            after=after_run,
            afterStartedAt=after_started,
            limit=first + 1,
        )
        return run_page(rows[0], first)


async def _apply_run_event(database: Database, event: RunEvent, audit: AuditEntry | None) -> None:
    """The event as one statement (idempotent: replays change nothing, so retrying it is safe)."""
    parent, commit = event.parent, event.commit
    outputs = event.outputs if event.event_type is not None and event.event_type.value == "COMPLETE" else ()
    # Inputs first, then outputs: a dataset both read and written is two items, the read first.
    read = [
        _version(d.source, d.read_digest(), read_facets=facets_json(d.all_facets()), role=INPUT_ROLE)
        for d in event.inputs
    ]
    written = [
        _version(d.source, d.written_digest(event.run_id), facets=facets_json(d.all_facets()), produced=True)
        for d in outputs
    ]
    rows = await write_one_concluded(
        database,
        "apply_lineage_run",
        audit=audit,
        job={"namespace": event.job.namespace, "name": event.job.name},
        experiment=event.job.experiment,
        runId=event.run_id,
        eventTime=event.event_time,
        terminal=event.terminal,
        status=event.status.value if event.status else None,
        errorMessage=event.error_message,
        runFacets=facets_json(event.run_facets),
        jobFacets=facets_json(event.job.facets),
        parent=None
        if parent is None
        else {
            "runId": parent.run_id,
            "namespace": parent.job.namespace,
            "name": parent.job.name,
            "experiment": parent.job.experiment,
        },
        commit=None if commit is None else {"repo": commit.repo, "sha": commit.sha, "branch": commit.branch},
        datasets=_datasets([*event.inputs, *outputs]),
        versions=[*read, *written],
        firstSeen=FIRST_SEEN,
    )
    owner = (rows[0]["jobNamespace"], rows[0]["jobName"])
    if owner != (event.job.namespace, event.job.name):
        described = "no job" if owner[0] is None else f"job {owner[0]}/{owner[1]}"
        raise Conflict(f"run {event.run_id} is a run of {described}, not {event.job.namespace}/{event.job.name}")


def _version(
    source: DatasetSource,
    digest: str | None,
    *,
    facets: str | None = None,
    read_facets: str | None = None,
    role: str | None = None,
    produced: bool = False,
) -> dict[str, Any]:
    """One item of apply_lineage_run's $versions."""
    return {
        "namespace": source.namespace,
        "name": source.name,
        "digest": digest,
        "facets": facets,
        "readFacets": read_facets,
        "role": role,
        "produced": produced,
    }


def _datasets(datasets: Sequence[EventDataset]) -> list[dict[str, Any]]:
    """The distinct datasets an event names, sorted (concurrent events lock them in one order)."""
    by_source = {
        dataset.source: {
            "namespace": dataset.source.namespace,
            "name": dataset.source.name,
            "registryName": dataset.source.registry_name,
            "facets": facets_json(dataset.facets),
        }
        for dataset in datasets
    }
    return [by_source[source] for source in sorted(by_source, key=lambda s: (s.namespace, s.name))]


async def _merge_datasets(tx: Transaction, datasets: Sequence[EventDataset], event_time: datetime) -> None:
    """A DatasetEvent's or JobEvent's datasets (created on first use; facets the newest ones)."""
    if datasets:
        await tx.run("merge_lineage_datasets", datasets=_datasets(datasets), eventTime=event_time)
