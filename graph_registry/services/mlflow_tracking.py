"""MLflow tracking as the graph records it: experiments, runs, params, metric histories, tags, inputs.

The MLflow adapter (api/mlflow/) calls these use cases. An MLflow experiment is an `Experiment`
with an `mlflowId`; a run is a `Run` (params and the latest metrics as GraphQL reads them, the
MLflow status and tags beside), each logged metric point a `MetricPoint`; the git tags MLflow sets
become the run's `Commit`, `log_input` datasets its `USED` dataset versions (digest `mlflow:<digest>`).
Every change of a run is one write transaction under the run's lock.
"""

from __future__ import annotations

import dataclasses
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from graph_registry.domain import mlflow_filter, validation
from graph_registry.domain import mlflow_limits as limits
from graph_registry.domain.records import pairs_from_strings, pairs_to_strings
from graph_registry.errors import Conflict, Forbidden, InvalidInput, NotFound, PreconditionFailed
from graph_registry.services.audit import AuditEntry, write_audited, write_one_audited
from graph_registry.services.mlflow_metric_writes import MetricWrites
from graph_registry.storage.database import Database, Row, Transaction

# MLflow statuses as the registry's run statuses (the MLflow one is kept beside).
STATUSES = {
    "RUNNING": "RUNNING",
    "SCHEDULED": "RUNNING",
    "FINISHED": "FINISHED",
    "FAILED": "FAILED",
    "KILLED": "FAILED",
}
GIT_COMMIT = "mlflow.source.git.commit"
GIT_REPO = "mlflow.source.git.repoURL"
GIT_BRANCH = "mlflow.source.git.branch"
CONTEXT_TAG = "mlflow.data.context"


@dataclass(frozen=True, slots=True)
class MetricPoint:
    key: str
    value: float
    timestamp: int
    step: int = 0
    model_id: str | None = None


@dataclass(frozen=True, slots=True)
class DatasetInput:
    """One `log_inputs` dataset: MLflow's description of it and the input's tags."""

    name: str
    digest: str
    source_type: str | None = None
    source: str | None = None
    schema: str | None = None
    profile: str | None = None
    tags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ImportedRun:
    """A run as an MLflow server holds it, for import-mlflow."""

    run_id: str
    experiment_id: str
    name: str | None
    status: str
    user: str | None
    start_time: int
    end_time: int | None
    lifecycle_stage: str
    artifact_uri: str | None
    origin: str
    params: Sequence[tuple[str, str]] = ()
    tags: Sequence[tuple[str, str]] = ()
    metrics: Sequence[MetricPoint] = ()
    inputs: Sequence[DatasetInput] = ()


@dataclass(frozen=True, slots=True)
class RunChanges:
    """What log-batch, set-tag, update-run and friends change of one run."""

    metrics: Sequence[MetricPoint] = ()
    params: Sequence[tuple[str, str]] = ()
    tags: Sequence[tuple[str, str]] = ()
    deleted_tags: Sequence[str] = ()
    status: str | None = None
    end_time: int | None = None
    name: str | None = None
    lifecycle_stage: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def mlflow_digest(digest: str) -> str:
    """MLflow's dataset digest as the registry keeps it: `mlflow:<digest>` (adapters only)."""
    if not digest or len(digest) > 128 or not digest.isprintable() or " " in digest:
        raise InvalidInput(f"invalid dataset digest {digest[:80]!r}", field="digest")
    return f"mlflow:{digest}"


def _source_uri(source: str | None) -> str | None:
    """MLflow sources are JSON like {"url": ...} or {"uri": ...}; the registry keeps the location."""
    if not source:
        return None
    try:
        parsed = orjson.loads(source)
    except orjson.JSONDecodeError:
        return source[:2048]
    if isinstance(parsed, dict):
        for name in ("uri", "url", "path", "table_name"):
            if isinstance(parsed.get(name), str):
                return str(parsed[name])[:2048]
    return source[:2048]


def _merge_tags(stored: Sequence[str] | None, set_: Sequence[tuple[str, str]], removed: Sequence[str]) -> list[str]:
    merged = dict(pairs_from_strings(stored))
    for key in removed:
        merged.pop(key, None)
    merged.update(set_)
    return pairs_to_strings(list(merged.items()))


def _summary(stored: str | None, points: Sequence[MetricPoint]) -> str:
    """The run's latest value per key as GraphQL reads it (non-finite values left out: GraphQL's Float)."""
    latest: dict[str, dict[str, Any]] = {item["key"]: item for item in orjson.loads(stored or "[]")}
    for point in points:
        if not math.isfinite(point.value):
            continue
        prior = latest.get(point.key)
        order = (point.step, point.timestamp)
        if prior is None or order >= (prior.get("step") or 0, prior.get("timestamp") or 0):
            latest[point.key] = {
                "key": point.key,
                "value": point.value,
                "step": point.step,
                "timestamp": point.timestamp,
            }
    return orjson.dumps(list(latest.values())).decode()


class MlflowTrackingService:
    def __init__(self, database: Database) -> None:
        self._db = database
        self._metric_writes = MetricWrites(database, _summary)

    # Experiments

    async def default_experiment(self) -> Row:
        rows = await self._db.write("mlflow_ensure_default_experiment")
        return dict(rows[0]["experiment"])

    async def create_experiment(
        self,
        *,
        name: str,
        tags: Sequence[tuple[str, str]],
        artifact_location: str | None,
        audit: AuditEntry | None = None,
    ) -> Row:
        name = limits.experiment_name(name)
        pairs = limits.pairs(tags, what="tag", limit=limits.MAX_TAG_VALUE, most=limits.MAX_BATCH_TAGS)
        await self.default_experiment()
        rows = await write_one_audited(
            self._db,
            "mlflow_create_experiment",
            audit=audit,
            name=name,
            tags=pairs_to_strings(pairs),
            artifactLocation=artifact_location,
        )
        if rows[0]["existed"]:
            raise Conflict(f"experiment {name!r} already exists", experiment=name)
        return dict(rows[0]["experiment"])

    async def experiments(self, ids: Sequence[str]) -> dict[str, Row]:
        rows = await self._db.read("mlflow_get_experiments", ids=list(ids))
        return {row["experiment"]["mlflowId"]: row["experiment"] for row in rows}

    async def experiment(self, experiment_id: str) -> Row:
        if experiment_id == "0":
            await self.default_experiment()
        found = (await self.experiments([experiment_id])).get(experiment_id)
        if found is None:
            raise NotFound(f"no experiment with id {experiment_id[:40]!r}", experiment=experiment_id)
        return found

    async def experiment_by_name(self, name: str) -> Row:
        if name == "Default":
            return await self.default_experiment()
        rows = await self._db.read("mlflow_get_experiment_by_name", name=limits.experiment_name(name))
        if not rows:
            raise NotFound(f"no experiment named {name[:80]!r}", experiment=name)
        return dict(rows[0]["experiment"])

    async def all_experiments(self) -> list[Row]:
        await self.default_experiment()
        return [row["experiment"] for row in await self._db.read("mlflow_list_experiments")]

    async def update_experiment(
        self,
        experiment_id: str,
        *,
        name: str | None = None,
        lifecycle_stage: str | None = None,
        tags: Sequence[tuple[str, str]] = (),
        deleted_tags: Sequence[str] = (),
        audit: AuditEntry | None = None,
    ) -> Row:
        pairs = limits.pairs(tags, what="tag", limit=limits.MAX_TAG_VALUE, most=limits.MAX_BATCH_TAGS)
        if name is not None:
            name = limits.experiment_name(name)

        async def work(tx: Transaction) -> Row:
            rows = await tx.run("mlflow_lock_experiment", id=experiment_id)
            if not rows:
                raise NotFound(f"no experiment with id {experiment_id[:40]!r}", experiment=experiment_id)
            stored = rows[0]["experiment"]
            changes: dict[str, Any] = {}
            if name is not None and name != stored["name"]:
                if experiment_id == "0":
                    raise InvalidInput("the Default experiment cannot be renamed", field="new_name")
                changes["name"] = name
            if lifecycle_stage is not None:
                if experiment_id == "0" and lifecycle_stage == "deleted":
                    raise InvalidInput("the Default experiment cannot be deleted", field="experiment_id")
                changes["lifecycleStage"] = lifecycle_stage
            if pairs or deleted_tags:
                changes["mlflowTags"] = _merge_tags(stored.get("mlflowTags"), pairs, deleted_tags)
            updated = await tx.run("mlflow_update_experiment", id=experiment_id, changes=changes)
            return dict(updated[0]["experiment"])

        return await write_audited(self._db, work, audit=audit)

    # Runs

    async def create_run(
        self,
        *,
        experiment_id: str,
        name: str | None,
        user: str | None,
        start_time: int,
        tags: Sequence[tuple[str, str]],
        artifact_root: str,
        audit: AuditEntry | None = None,
    ) -> Row:
        pairs = limits.pairs(tags, what="tag", limit=limits.MAX_TAG_VALUE, most=limits.MAX_BATCH_TAGS)
        experiment = await self.experiment(experiment_id)
        if experiment.get("lifecycleStage") == "deleted":
            raise PreconditionFailed(f"experiment {experiment_id} is deleted", experiment=experiment_id)
        run_id = uuid.uuid4().hex
        run_name = name or dict(pairs).get("mlflow.runName") or f"run-{run_id[:8]}"
        limits.text(run_name, what="run_name", limit=limits.MAX_NAME)
        pairs = [(k, v) for k, v in pairs if k != "mlflow.runName"] + [("mlflow.runName", run_name)]

        async def work(tx: Transaction) -> Row:
            rows = await tx.run(
                "mlflow_create_run",
                experimentId=experiment_id,
                runId=run_id,
                name=run_name,
                status="RUNNING",
                mlflowStatus="RUNNING",
                tags=pairs_to_strings(pairs),
                user=limits.text(user or "unknown", what="user_id", limit=256),
                startTime=limits.int64(start_time, what="start_time"),
                artifactUri=f"{artifact_root}/{experiment_id}/{run_id}/artifacts",
            )
            if not rows:
                raise NotFound(f"no experiment with id {experiment_id[:40]!r}", experiment=experiment_id)
            await _link_commit(tx, run_id, pairs)
            return dict(rows[0]["run"])

        created = await write_audited(self._db, work, audit=audit)
        # As `run` reads it, from what the transaction wrote: a new run has no metrics, inputs or outputs.
        return {"run": created, "experimentId": experiment_id, "metrics": [], "inputs": [], "outputs": []}

    async def runs(self, run_ids: Sequence[str]) -> dict[str, Row]:
        rows = await self._db.read("mlflow_runs", runIds=list(run_ids))
        return {row["run"]["runId"]: row for row in rows}

    async def run(self, run_id: str) -> Row:
        limits.run_id(run_id)
        found = (await self.runs([run_id])).get(run_id)
        if found is None:
            raise NotFound(f"run {run_id!r} does not exist", runId=run_id)
        return found

    async def change_run(self, run_id: str, changes: RunChanges, *, audit: AuditEntry | None = None) -> Row | None:
        """Log metrics, params and tags, and update status, name or times of a run, all or nothing; the
        run's fields and experiment id as the change left them when it updated any (None otherwise).

        A param is set once (the same value again is fine), as MLflow has it. MLflow may log to a
        finished run: so may this.
        """
        limits.run_id(run_id)
        params = limits.pairs(changes.params, what="param", limit=limits.MAX_PARAM_VALUE, most=limits.MAX_BATCH_PARAMS)
        tags = limits.pairs(changes.tags, what="tag", limit=limits.MAX_TAG_VALUE, most=limits.MAX_BATCH_TAGS)
        if len(changes.metrics) > limits.MAX_BATCH_METRICS:
            raise InvalidInput(
                f"at most {limits.MAX_BATCH_METRICS} metrics are allowed in one request", field="metrics"
            )
        points = [_point_row(p) for p in changes.metrics]
        if changes.status is not None and changes.status not in STATUSES:
            raise InvalidInput(f"invalid run status {changes.status[:40]!r}", field="status")
        # What the change holds besides metrics, params and tags (a log-batch sends its empty lists too).
        others = dataclasses.replace(changes, metrics=(), params=(), tags=()) != RunChanges()
        if points and not (others or params or tags):
            # Metrics alone (log-metric, a log-batch of metrics): coalesced with the calls logging at once.
            await self._metric_writes.log(run_id, changes.metrics, points, audit=audit)
            return None
        if (params or tags) and not (others or points):
            # Params and tags alone (log-parameter, set-tag): merged by one statement under the run's lock.
            await self._set_values(run_id, params, tags, audit=audit)
            return None

        async def work(tx: Transaction) -> Row | None:
            rows = await tx.run("mlflow_lock_run", runId=run_id)
            if not rows:
                raise NotFound(f"run {run_id!r} does not exist", runId=run_id)
            stored = rows[0]["run"]
            update: dict[str, Any] = dict(changes.extra)
            if params:
                merged = dict(pairs_from_strings(stored.get("params")))
                for key, value in params:
                    if merged.get(key, value) != value:
                        raise _param_conflict(run_id, key, merged[key])
                    merged[key] = value
                update["params"] = pairs_to_strings(list(merged.items()))
            if tags or changes.deleted_tags:
                stored_tags = dict(pairs_from_strings(stored.get("mlflowTags")))
                missing = [key for key in changes.deleted_tags if key not in stored_tags]
                if missing:
                    raise NotFound(f"no tag {missing[0]!r} on run {run_id}", runId=run_id)
                update["mlflowTags"] = _merge_tags(stored.get("mlflowTags"), tags, changes.deleted_tags)
            numbers, nans = _split_nan(points)
            if points:
                update["metrics"] = _summary(stored.get("metrics"), changes.metrics)
            if nans:
                await tx.run("mlflow_log_nan_metric_points", runId=run_id, points=nans)
            if changes.status is not None:
                update["mlflowStatus"] = changes.status
                update["status"] = STATUSES[changes.status]
            if changes.name is not None:
                update["name"] = limits.text(changes.name, what="run_name", limit=limits.MAX_NAME)
                update["mlflowTags"] = _merge_tags(
                    update.get("mlflowTags", stored.get("mlflowTags")), [("mlflow.runName", changes.name)], ()
                )
            if changes.lifecycle_stage is not None:
                update["lifecycleStage"] = changes.lifecycle_stage
            end_time = None if changes.end_time is None else limits.int64(changes.end_time, what="end_time")
            updated = None
            if update or end_time is not None:
                rows = await tx.run("mlflow_update_run", runId=run_id, changes=update, endTime=end_time, points=numbers)
                updated = rows[0]
            if tags:
                await _link_commit(tx, run_id, tags)
            return updated

        return await write_audited(self._db, work, audit=audit)

    async def _set_values(
        self,
        run_id: str,
        params: Sequence[tuple[str, str]],
        tags: Sequence[tuple[str, str]],
        *,
        audit: AuditEntry | None,
    ) -> None:
        """change_run's params and tags, as `mlflow_set_run_values` merges them (a param set twice in
        one request with two values conflicts as it would across requests; a tag given twice, the last)."""
        merged: dict[str, str] = {}
        for key, value in params:
            if merged.setdefault(key, value) != value:
                raise _param_conflict(run_id, key, merged[key])

        async def work(tx: Transaction) -> None:
            rows = await tx.run(
                "mlflow_set_run_values",
                runId=run_id,
                params=[{"key": key, "value": value} for key, value in merged.items()],
                tags=[{"key": key, "value": value} for key, value in dict(tags).items()],
            )
            if not rows:
                raise NotFound(f"run {run_id!r} does not exist", runId=run_id)
            if rows[0]["conflicts"]:
                conflict = rows[0]["conflicts"][0]
                raise _param_conflict(run_id, conflict["key"], conflict["stored"])
            if tags:
                await _link_commit(tx, run_id, tags)

        await write_audited(self._db, work, audit=audit)

    async def metric_history(self, run_id: str, key: str) -> list[Row]:
        limits.run_id(run_id)
        await self.run(run_id)
        return await self._db.read("mlflow_metric_history", runId=run_id, key=limits.key(key, what="metric"))

    async def log_inputs(
        self, run_id: str, datasets: Sequence[DatasetInput], *, audit: AuditEntry | None = None
    ) -> None:
        """Each dataset becomes a DatasetVersion (same digest, same version) the run USED in its context."""
        limits.run_id(run_id)
        prepared = _prepare_inputs(datasets)

        async def work(tx: Transaction) -> None:
            if not await tx.run("mlflow_lock_run", runId=run_id):
                raise NotFound(f"run {run_id!r} does not exist", runId=run_id)
            await _record_inputs(tx, run_id, prepared)

        await write_audited(self._db, work, audit=audit)

    async def import_run(self, imported: ImportedRun, *, audit: AuditEntry | None = None) -> bool:
        """A run copied from an MLflow server, whole in one transaction; False when it was there already."""
        limits.run_id(imported.run_id)
        params = limits.pairs(imported.params, what="param", limit=limits.MAX_PARAM_VALUE, most=10_000)
        tags = limits.pairs(imported.tags, what="tag", limit=limits.MAX_TAG_VALUE, most=10_000)
        prepared = _prepare_inputs(imported.inputs)
        points = [_point_row(point) for point in imported.metrics]

        async def work(tx: Transaction) -> bool:
            created = await tx.run(
                "mlflow_import_run",
                experimentId=imported.experiment_id,
                runId=imported.run_id,
                name=imported.name,
                status=STATUSES.get(imported.status, "FAILED"),
                mlflowStatus=imported.status,
                params=pairs_to_strings(params),
                metrics=_summary(None, imported.metrics),
                tags=pairs_to_strings(tags),
                user=imported.user,
                lifecycleStage=imported.lifecycle_stage,
                startTime=imported.start_time,
                endTime=imported.end_time,
                artifactUri=imported.artifact_uri,
                origin=imported.origin,
            )
            if not created:
                return False
            await _log_points(tx, imported.run_id, points)
            await _record_inputs(tx, imported.run_id, prepared)
            await _link_commit(tx, imported.run_id, tags)
            return True

        return await write_audited(self._db, work, audit=audit)

    async def log_outputs(
        self, run_id: str, outputs: Sequence[tuple[str, int]], *, audit: AuditEntry | None = None
    ) -> None:
        limits.run_id(run_id)
        await self.run(run_id)
        rows = await write_one_audited(
            self._db,
            "mlflow_add_run_outputs",
            audit=audit,
            runId=run_id,
            outputs=[{"modelId": limits.logged_model_id(model), "step": step} for model, step in outputs],
        )
        if rows and rows[0]["linked"] < len(outputs):
            raise NotFound(f"a logged model of run {run_id} does not exist", runId=run_id)

    async def search_runs(
        self,
        experiment_ids: Sequence[str],
        *,
        lifecycle: Sequence[str] | None,
        comparisons: Sequence[mlflow_filter.Comparison],
        orderings: Sequence[mlflow_filter.Ordering],
        offset: int,
        size: int,
    ) -> tuple[list[Row], bool]:
        """One page of the runs that match, in order (filtered and sorted in the database); True when
        more follow."""
        rows = await self._db.read(
            "mlflow_search_runs",
            experimentIds=list(experiment_ids),
            lifecycle=list(lifecycle) if lifecycle is not None else None,
            **mlflow_filter.query_parameters(comparisons, orderings),
            offset=offset,
            limit=size + 1,
        )
        run_ids = [row["runId"] for row in rows[:size]]
        found = await self.runs(run_ids)
        return [found[run_id] for run_id in run_ids if run_id in found], len(rows) > size


def _param_conflict(run_id: str, key: str, stored: str) -> InvalidInput:
    """As MLflow: a param is set once (the same value again is fine)."""
    return InvalidInput(
        f"changing param values is not allowed: param {key!r} of run {run_id} is already {stored[:80]!r}",
        runId=run_id,
        key=key,
    )


def _point_row(point: MetricPoint) -> dict[str, Any]:
    return {
        "key": limits.key(point.key, what="metric"),
        "value": point.value,
        "timestamp": point.timestamp,
        "step": point.step,
        "modelId": point.model_id,
    }


def _split_nan(points: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The points MERGE can match, and the NaN ones it cannot (created as they come)."""
    return [p for p in points if not math.isnan(p["value"])], [p for p in points if math.isnan(p["value"])]


async def _log_points(tx: Transaction, run_id: str, points: Sequence[dict[str, Any]]) -> None:
    numbers, nans = _split_nan(points)
    if numbers:
        await tx.run("mlflow_log_metric_points", runId=run_id, points=numbers)
    if nans:  # MERGE cannot match NaN: such points are created as they come
        await tx.run("mlflow_log_nan_metric_points", runId=run_id, points=nans)


Prepared = tuple[DatasetInput, str, str, list[tuple[str, str]]]


def _prepare_inputs(datasets: Sequence[DatasetInput]) -> list[Prepared]:
    validation.ref_count(len(datasets), what="datasets")
    prepared = []
    for dataset in datasets:
        validation.name(dataset.name, what="dataset")
        tags = limits.pairs(dataset.tags, what="tag", limit=limits.MAX_TAG_VALUE, most=limits.MAX_BATCH_TAGS)
        role = dict(tags).get(CONTEXT_TAG) or "input"
        prepared.append((dataset, mlflow_digest(dataset.digest), validation.role(role), tags))
    return prepared


async def _record_inputs(tx: Transaction, run_id: str, prepared: Sequence[Prepared]) -> None:
    """Each dataset registered (same digest, same version), then all of them described and linked to
    the run by one statement."""
    inputs = []
    for dataset, digest, role, tags in prepared:
        registered = await tx.run(
            "register_dataset_version",
            dataset=dataset.name,
            digest=digest,
            uri=_source_uri(dataset.source),
            rowCount=None,
            description=None,
            mayRestore=False,
        )
        version = registered[0]["datasetVersion"]["version"]
        if registered[0]["wasDeleted"]:
            # As for registerDatasetVersion: bringing a deleted version back needs the role deleting needs.
            raise Forbidden(
                f"{dataset.name} v{version} (digest {digest}) was deleted; logging it as an input would restore it",
                dataset=dataset.name,
                version=version,
            )
        inputs.append(
            {
                "dataset": dataset.name,
                "version": version,
                "sourceType": dataset.source_type,
                "source": dataset.source,
                "schema": dataset.schema,
                "profile": dataset.profile,
                "mlflowDigest": dataset.digest,
                "role": role,
                "tags": pairs_to_strings(tags),
            }
        )
    if inputs:
        await tx.run("mlflow_record_run_inputs", runId=run_id, inputs=inputs)


async def _link_commit(tx: Transaction, run_id: str, tags: Sequence[tuple[str, str]]) -> None:
    """MLflow's git tags name the commit a run ran: it joins the lineage graph as a Commit."""
    found = dict(tags)
    sha = found.get(GIT_COMMIT)
    if not sha:
        return
    try:
        sha = validation.sha(sha)
        repo = validation.repo(found.get(GIT_REPO) or "unknown")
    except InvalidInput:
        return  # a tag that names no full commit stays a tag
    await tx.run("mlflow_link_commit", runId=run_id, repo=repo, sha=sha, branch=found.get(GIT_BRANCH))
