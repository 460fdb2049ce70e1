"""Experiments, runs and commits: record them (commits idempotently), finish runs, find and list them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from graph_registry.domain import paging, validation
from graph_registry.domain.paging import Page
from graph_registry.domain.records import (
    CommitRecord,
    DatasetVersionRecord,
    ExperimentRecord,
    Metric,
    PackageRecord,
    RunLinks,
    RunRecord,
    RunStatus,
    metrics_to_json,
    pairs_to_strings,
)
from graph_registry.domain.refs import NewCommit, NewRun, RunInput
from graph_registry.errors import Conflict, InvalidInput, NotFound
from graph_registry.services.audit import AuditEntry, write_audited, write_one_audited
from graph_registry.services.datasets import resolve_refs
from graph_registry.storage.database import Database, Transaction


async def record_run(
    tx: Transaction,
    new: NewRun,
    *,
    status: RunStatus = RunStatus.RUNNING,
    metrics: Sequence[Metric] = (),
    resolved: Sequence[DatasetVersionRecord] | None = None,
) -> RunRecord:
    """Inside a write transaction: resolve the inputs (NotFound writes nothing), then create the run.

    `resolved`: the inputs' dataset versions, when this transaction resolved them already.
    """
    validation.name(new.experiment, what="experiment")
    validation.text(new.name, what="name", limit=256)
    params = pairs_to_strings(validation.tags(new.params, what="param"))
    commit = new.commit.params() if new.commit else None
    validation.ref_count(len(new.inputs), what="inputs")
    refs = [item.dataset_version.validated() for item in new.inputs]
    roles = [validation.role(item.role) for item in new.inputs]
    inputs = list(resolved) if resolved is not None else await resolve_refs(tx, refs)
    rows = await tx.run(
        "start_run",
        runId=str(uuid.uuid4()),
        experiment=new.experiment,
        name=new.name,
        params=params,
        status=status.value,
        metrics=metrics_to_json(validation.metrics(metrics)),
        commit=commit,
        inputs=[
            {"dataset": record.dataset, "version": record.version, "role": role}
            for record, role in zip(inputs, roles, strict=True)
        ],
    )
    return RunRecord.from_row(rows[0]["run"])


class RunService:
    def __init__(self, database: Database, *, max_page_size: int = 100) -> None:
        self._db = database
        self._max_page_size = max_page_size

    async def record_commit(self, new: NewCommit, *, audit: AuditEntry | None = None) -> CommitRecord:
        """Same (repo, sha) -> same node: a repeat returns what was stored first."""
        rows = await write_one_audited(self._db, "merge_commit", audit=audit, **new.params())
        return CommitRecord.from_row(rows[0]["commit"])

    async def start_run(self, new: NewRun, *, audit: AuditEntry | None = None) -> RunRecord:
        async def work(tx: Transaction) -> RunRecord:
            return await record_run(tx, new)

        return await write_audited(self._db, work, audit=audit)

    async def log_inputs(
        self, *, run_id: str, inputs: Sequence[RunInput], audit: AuditEntry | None = None
    ) -> RunRecord:
        """Add dataset versions a RUNNING run used; an input already recorded with its role is kept once.

        A finished run's inputs are fixed (CONFLICT): the models it produced were judged on them.
        """
        validation.run_id(run_id)
        validation.ref_count(len(inputs), what="inputs")
        refs = [item.dataset_version.validated() for item in inputs]
        roles = [validation.role(item.role) for item in inputs]

        async def work(tx: Transaction) -> RunRecord:
            await self._running(tx, run_id, "inputs")
            found = await resolve_refs(tx, refs)
            rows = await tx.run(
                "add_run_inputs",
                runId=run_id,
                inputs=[
                    {"dataset": record.dataset, "version": record.version, "role": role}
                    for record, role in zip(found, roles, strict=True)
                ],
            )
            return RunRecord.from_row(rows[0]["run"])

        return await write_audited(self._db, work, audit=audit)

    async def log_params(
        self, *, run_id: str, params: Sequence[tuple[str, str]], audit: AuditEntry | None = None
    ) -> RunRecord:
        """Add params to a RUNNING run. A param is set once: the same value again is a no-op, another CONFLICT."""
        validation.run_id(run_id)
        added = validation.tags(params, what="param")

        async def work(tx: Transaction) -> RunRecord:
            run = await self._running(tx, run_id, "params")
            merged = dict(run.params)
            for key, value in added:
                if merged.get(key, value) != value:
                    raise Conflict(f"param {key!r} of run {run_id!r} is already {merged[key]!r}", runId=run_id, key=key)
                merged[key] = value
            pairs = validation.tags(list(merged.items()), what="param")
            rows = await tx.run("set_run_params", runId=run_id, params=pairs_to_strings(pairs))
            return RunRecord.from_row(rows[0]["run"])

        return await write_audited(self._db, work, audit=audit)

    @staticmethod
    async def _running(tx: Transaction, run_id: str, what: str) -> RunRecord:
        rows = await tx.run("lock_run", runId=run_id)
        if not rows:
            raise NotFound(f"run {run_id!r} does not exist", runId=run_id)
        run = RunRecord.from_row(rows[0]["run"])
        if run.status is not RunStatus.RUNNING:
            raise Conflict(f"run {run_id!r} already ended as {run.status.value}: its {what} are fixed", runId=run_id)
        return run

    async def finish_run(
        self, *, run_id: str, status: RunStatus, metrics: Sequence[Metric], audit: AuditEntry | None = None
    ) -> RunRecord:
        if status is RunStatus.RUNNING:
            raise InvalidInput("a run finishes as FINISHED or FAILED", field="status")
        validation.run_id(run_id)
        rows = await write_one_audited(
            self._db,
            "finish_run",
            audit=audit,
            runId=run_id,
            status=status.value,
            metrics=metrics_to_json(validation.metrics(metrics)),
        )
        if not rows:
            raise NotFound(f"run {run_id!r} does not exist", runId=run_id)
        if rows[0]["before"] != RunStatus.RUNNING.value:
            raise Conflict(f"run {run_id!r} already ended as {rows[0]['before']}", runId=run_id)
        return RunRecord.from_row(rows[0]["run"])

    async def runs_by_id(self, run_ids: Sequence[str]) -> dict[str, RunRecord]:
        rows = await self._db.read("get_runs", runIds=list(run_ids))
        return {row["run"]["runId"]: RunRecord.from_row(row["run"]) for row in rows}

    async def get_run(self, run_id: str) -> RunRecord | None:
        validation.run_id(run_id)
        return (await self.runs_by_id([run_id])).get(run_id)

    async def experiments_by_name(self, names: Sequence[str]) -> dict[str, ExperimentRecord]:
        rows = await self._db.read("get_experiments", names=list(names))
        return {row["experiment"]["name"]: ExperimentRecord.from_row(row["experiment"]) for row in rows}

    async def get_experiment(self, name: str) -> ExperimentRecord | None:
        validation.name(name, what="experiment")
        return (await self.experiments_by_name([name])).get(name)

    async def commits_by_key(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], CommitRecord]:
        rows = await self._db.read("get_commits", keys=[list(key) for key in keys])
        found = (CommitRecord.from_row(row["commit"]) for row in rows)
        return {record.key: record for record in found}

    async def get_commit(self, *, repo: str, sha: str) -> CommitRecord | None:
        key = (validation.repo(repo), validation.sha(sha))
        return (await self.commits_by_key([key])).get(key)

    async def packages_by_key(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], PackageRecord]:
        rows = await self._db.read("get_packages", keys=[list(key) for key in keys])
        found = (PackageRecord.from_row(row["package"]) for row in rows)
        return {record.key: record for record in found}

    async def links(self, run_ids: Sequence[str]) -> dict[str, RunLinks]:
        rows = await self._db.read("get_run_links", runIds=list(run_ids))
        return {row["runId"]: RunLinks.from_row(row) for row in rows}

    async def list_runs(self, *, experiment: str, first: int, after: str | None) -> Page[RunRecord]:
        return (await self.list_runs_of([experiment], first=first, after=after))[experiment]

    async def list_runs_of(
        self, experiments: Sequence[str], *, first: int, after: str | None
    ) -> dict[str, Page[RunRecord]]:
        """The same page of several experiments' runs, in one query (the `Experiment.runs` loader)."""
        paging.page_size(first, limit=self._max_page_size)
        after_started, after_run = run_cursor(after)
        rows = await self._db.read(
            "list_runs",
            experiments=list(experiments),
            after=after_run,
            afterStartedAt=after_started,
            limit=first + 1,
        )
        return {row["experiment"]: run_page(row, first) for row in rows}


def run_cursor(after: str | None) -> tuple[datetime | None, str | None]:
    """The (startedAt, runId) a page of runs (newest first) continues after."""
    return paging.after_moment(after)


def run_page(row: dict[str, Any], first: int) -> Page[RunRecord]:
    """A page from a `{total, runs}` row of a query that read `first + 1` runs."""
    runs = [RunRecord.from_row(run) for run in row["runs"]]
    return paging.page(
        runs, first, lambda run: paging.moment_position(run.started_at, run.run_id), total_count=row["total"]
    )
