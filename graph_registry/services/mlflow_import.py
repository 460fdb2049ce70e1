"""`import-mlflow`: copy an MLflow server's history into the graph, resumably and idempotently.

Read through the server's REST API (experiments, runs with metric histories and dataset inputs,
registered models, versions with their original numbers, current stages, aliases, tags and
descriptions); written through the MLflow adapter's services, each entity whole in one transaction
with its audit entry (`import.mlflow.<kind>`, actor `import-mlflow`). An entity already there is
skipped, so a second import copies only what is new and an interrupted one resumes where it
stopped. What cannot be mapped is reported with the reason, never dropped silently.

Artifacts the source serves through its proxied artifact API (`mlflow-artifacts:` URIs, `mlflow
server` with artifact serving) are copied file by file into the registry's store (sha256 measured
on arrival, then verified against the stored bytes); a file already copied (same path and size,
its stored bytes verified again) is skipped, so an interrupted copy resumes at the first file it had
not finished. A version registered from a logged model whose files all verified takes them as the
MLflow API's version creation does (MlflowArtifactService.model_files): their manifest as its READY
artifact, requirements.txt as its packages.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from graph_registry.domain import mlflow_limits as limits
from graph_registry.domain import validation
from graph_registry.domain.records import Stage, VersionRecord, metrics_to_json, pairs_to_strings
from graph_registry.domain.refs import VersionLineage
from graph_registry.errors import InvalidInput, NotFound, RegistryError
from graph_registry.services import provenance
from graph_registry.services.audit import OK, Attempt, AuditEntry, AuditService, write_audited
from graph_registry.services.lifecycle import LifecycleService
from graph_registry.services.mlflow_artifacts import MlflowArtifactService, ModelFiles
from graph_registry.services.mlflow_models import MlflowModelService
from graph_registry.services.mlflow_registry import stage_of
from graph_registry.services.mlflow_tracking import DatasetInput, ImportedRun, MetricPoint, MlflowTrackingService
from graph_registry.services.models import ModelService
from graph_registry.services.provenance import ResolvedLineage
from graph_registry.storage.database import Database, Row, Transaction

ACTOR = "import-mlflow"
API = "/api/2.0/mlflow"
ARTIFACTS_API = "/api/2.0/mlflow-artifacts/artifacts"
PROXIED = "mlflow-artifacts:"


class Interrupted(Exception):
    """Raised by `stop_after` (tests of resumption): the import ends as if the process died."""


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)
    # Artifact bytes copied, and the seconds spent copying them (for the MB/s the summary prints).
    artifact_bytes: int = 0
    artifact_seconds: float = 0.0

    @property
    def megabytes_per_second(self) -> float | None:
        if not self.artifact_bytes or self.artifact_seconds <= 0:
            return None
        return self.artifact_bytes / 1e6 / self.artifact_seconds

    def count(self, kind: str, created: bool) -> None:
        target = self.created if created else self.skipped
        target[kind] = target.get(kind, 0) + 1


class MlflowSource:
    """An MLflow server's REST API, read page by page."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def _call(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if method == "GET":
            response = await self._http.get(f"{API}/{path}", params=body)
        else:
            response = await self._http.post(f"{API}/{path}", json=body)
        if response.status_code != 200:
            raise InvalidInput(f"the MLflow server answered {response.status_code} to {path}: {response.text[:200]}")
        parsed: dict[str, Any] = response.json()
        return parsed

    async def _pages(self, method: str, path: str, body: dict[str, Any], key: str) -> AsyncIterator[dict[str, Any]]:
        token: str | None = None
        while True:
            page = await self._call(method, path, {**body, **({"page_token": token} if token else {})})
            for item in page.get(key, []):
                yield item
            token = page.get("next_page_token")
            if not token:
                return

    def experiments(self) -> AsyncIterator[dict[str, Any]]:
        return self._pages("POST", "experiments/search", {"max_results": 1000, "view_type": "ALL"}, "experiments")

    def runs(self, experiment_id: str) -> AsyncIterator[dict[str, Any]]:
        body = {"experiment_ids": [experiment_id], "max_results": 1000, "run_view_type": "ALL"}
        return self._pages("POST", "runs/search", body, "runs")

    async def history(self, run_id: str, key: str) -> list[dict[str, Any]]:
        return [
            item
            async for item in self._pages(
                "GET", "metrics/get-history", {"run_id": run_id, "metric_key": key, "max_results": 25000}, "metrics"
            )
        ]

    def models(self) -> AsyncIterator[dict[str, Any]]:
        return self._pages("GET", "registered-models/search", {"max_results": 1000}, "registered_models")

    async def artifact_files(self, root: str, folder: str = "") -> AsyncIterator[tuple[str, int]]:
        """Every file under a proxied artifact root, as (path relative to the root, size), depth first."""
        path = f"{root}/{folder}" if folder else root
        listed = await self._http.get(ARTIFACTS_API, params={"path": path})
        if listed.status_code != 200:
            raise InvalidInput(f"the MLflow server answered {listed.status_code} listing {path}: {listed.text[:200]}")
        for item in sorted(listed.json().get("files", []), key=lambda item: str(item["path"])):
            name = str(item["path"]).rpartition("/")[2]
            relative = f"{folder}/{name}" if folder else name
            if item.get("is_dir"):
                async for found in self.artifact_files(root, relative):
                    yield found
            else:
                yield relative, int(item.get("file_size") or 0)

    @contextlib.asynccontextmanager
    async def artifact(self, path: str) -> AsyncIterator[AsyncIterator[bytes]]:
        """The bytes of one proxied artifact, streamed."""
        async with self._http.stream("GET", f"{ARTIFACTS_API}/{path}") as response:
            if response.status_code != 200:
                raise InvalidInput(f"the MLflow server answered {response.status_code} to artifact {path}")
            yield response.aiter_bytes(1024 * 1024)

    async def logged_model(self, model_id: str) -> dict[str, Any]:
        found: dict[str, Any] = (await self._call("GET", f"logged-models/{model_id}", {}))["model"]
        return found

    async def versions(self, model: str) -> list[dict[str, Any]]:
        escaped = model.replace("'", "\\'")
        body = {"filter": f"name = '{escaped}'", "max_results": 10000}
        return [item async for item in self._pages("GET", "model-versions/search", body, "model_versions")]


def _pairs(items: Sequence[dict[str, Any]] | None) -> list[tuple[str, str]]:
    return [(str(item["key"]), str(item.get("value", ""))) for item in items or ()]


def _value(raw: Any) -> float:
    return limits.metric_value(raw)


class MlflowImport:
    def __init__(
        self,
        database: Database,
        *,
        tracking: MlflowTrackingService,
        models: ModelService,
        lifecycle: LifecycleService,
        audit: AuditService,
        origin: str,
        on_progress: Callable[[str, bool], None] | None = None,
        stop_after: int | None = None,
        artifacts: MlflowArtifactService | None = None,
    ) -> None:
        self._db = database
        self._tracking = tracking
        self._models = models
        self._lifecycle = lifecycle
        self._audit = audit
        self._origin = origin
        self._on_progress = on_progress
        self._stop_after = stop_after
        self._artifacts = artifacts
        self._logged_models = MlflowModelService(database)
        # The source's experiment ids -> this registry's (they differ when names were already here).
        self._experiment_ids: dict[str, str] = {}
        # Logged models whose files were all copied and verified: what their versions take of them.
        self._model_files: dict[str, ModelFiles | None] = {}
        self._written = 0
        self.report = ImportReport()

    def _counted(self, kind: str, created: bool) -> None:
        self.report.count(kind, created)
        if self._on_progress is not None:
            self._on_progress(kind, created)
        if created:
            self._written += 1
            if self._stop_after is not None and self._written >= self._stop_after:
                raise Interrupted(f"stopped after {self._written} writes")

    async def _audited(self, kind: str, what: dict[str, Any], write: Callable[[AuditEntry], Any]) -> Any:
        attempt = Attempt(
            actor=ACTOR,
            role="admin",
            operation=f"import.mlflow.{kind}",
            request_id=uuid.uuid4().hex,
            arguments=orjson.dumps({**what, "from": self._origin}).decode()[:4000],
            model=what.get("model"),
            version=what.get("version"),
        )
        # The entry is handed to the write (`audit=`), whose transaction carries it where the use case takes it.
        entry = self._audit.prepare(attempt)
        result = await write(entry)
        await self._audit.conclude(entry, outcome=OK)
        return result

    async def run(
        self, source: MlflowSource, *, experiments: Sequence[str] = (), models: Sequence[str] = ()
    ) -> ImportReport:
        async for experiment in source.experiments():
            if experiments and experiment["name"] not in experiments:
                continue
            target = await self._experiment(experiment)
            if target is None:
                continue
            self._experiment_ids[str(experiment["experiment_id"])] = target
            async for run in source.runs(experiment["experiment_id"]):
                await self._run(source, run, target)
        async for model in source.models():
            if models and model["name"] not in models:
                continue
            await self._model(source, model)
        if self._artifacts is None:
            self.report.unmapped.append("artifacts: not copied (no artifact store given; runs keep their URIs)")
        return self.report

    async def _experiment(self, experiment: dict[str, Any]) -> str | None:
        name = experiment["name"]
        if name == "Default":
            found = await self._tracking.default_experiment()
            self._counted("experiment", False)
            return str(found["mlflowId"])
        try:
            found = await self._tracking.experiment_by_name(name)
            self._counted("experiment", False)
            return str(found["mlflowId"])
        except NotFound:
            pass
        try:
            created = await self._audited(
                "experiment",
                {"experiment": name},
                lambda entry: self._tracking.create_experiment(
                    name=name, tags=_pairs(experiment.get("tags")), artifact_location=None, audit=entry
                ),
            )
        except RegistryError as error:
            self.report.unmapped.append(f"experiment {name!r}: {error.message}")
            return None
        if experiment.get("lifecycle_stage") == "deleted":
            await self._tracking.update_experiment(created["mlflowId"], lifecycle_stage="deleted")
        self._counted("experiment", True)
        return str(created["mlflowId"])

    async def _run(self, source: MlflowSource, run: dict[str, Any], experiment_id: str) -> None:
        info, data = run["info"], run.get("data", {})
        run_id = info["run_id"]
        try:
            limits.run_id(run_id)
        except InvalidInput as error:
            self.report.unmapped.append(f"run {run_id!r}: {error.message}")
            return
        source_uri = str(info.get("artifact_uri") or "")
        copies = self._artifacts is not None and source_uri.startswith(PROXIED)
        if await self._tracking.runs([run_id]):
            self._counted("run", False)
            if copies:
                await self._run_artifacts(source, run_id, experiment_id, source_uri)
            return
        points: list[MetricPoint] = []
        for key in sorted({metric["key"] for metric in data.get("metrics", [])}):
            for item in await source.history(run_id, key):
                points.append(
                    MetricPoint(
                        key=key,
                        value=_value(item.get("value")),
                        timestamp=int(item.get("timestamp") or 0),
                        step=int(item.get("step") or 0),
                    )
                )
        inputs = []
        for item in (run.get("inputs") or {}).get("dataset_inputs", []):
            dataset = item.get("dataset", {})
            try:
                validation.name(dataset.get("name", ""), what="dataset")
            except InvalidInput as error:
                self.report.unmapped.append(f"dataset input {dataset.get('name')!r} of run {run_id}: {error.message}")
                continue
            inputs.append(
                DatasetInput(
                    name=dataset["name"],
                    digest=dataset["digest"],
                    source_type=dataset.get("source_type"),
                    source=dataset.get("source"),
                    schema=dataset.get("schema"),
                    profile=dataset.get("profile"),
                    tags=tuple(_pairs(item.get("tags"))),
                )
            )
        imported = ImportedRun(
            run_id=run_id,
            experiment_id=experiment_id,
            name=info.get("run_name"),
            status=info.get("status", "FINISHED"),
            user=info.get("user_id"),
            start_time=int(info.get("start_time") or 0),
            end_time=int(info["end_time"]) if info.get("end_time") else None,
            lifecycle_stage=info.get("lifecycle_stage", "active"),
            # Copied artifacts are served from here, under this registry's experiment id.
            artifact_uri=f"{PROXIED}/{experiment_id}/{run_id}/artifacts" if copies else info.get("artifact_uri"),
            origin=self._origin,
            params=_pairs(data.get("params")),
            tags=_pairs(data.get("tags")),
            metrics=points,
            inputs=inputs,
        )
        try:
            created = await self._audited(
                "run", {"runId": run_id}, lambda entry: self._tracking.import_run(imported, audit=entry)
            )
        except RegistryError as error:
            self.report.unmapped.append(f"run {run_id}: {error.message}")
            return
        self._counted("run", bool(created))
        if copies:
            await self._run_artifacts(source, run_id, experiment_id, source_uri)
        elif self._artifacts is not None and source_uri:
            self.report.unmapped.append(
                f"artifacts of run {run_id} at {source_uri[:200]}: not served by the source's proxied artifact API, "
                "not copied (the run keeps the URI)"
            )

    async def _run_artifacts(self, source: MlflowSource, run_id: str, experiment_id: str, uri: str) -> None:
        await self._copy_artifacts(source, uri, f"{experiment_id}/{run_id}/artifacts", f"run {run_id}")

    async def _logged_model(self, source: MlflowSource, model_id: str, model: str) -> None:
        """A version's MLflow 3 logged model and its files (what `models:/name/N` loads), once per import."""
        if model_id in self._model_files:
            return
        try:
            limits.logged_model_id(model_id)
            found = (await self._logged_models.models([model_id])).get(model_id)
            info = found or (await source.logged_model(model_id))["info"]
        except RegistryError as error:
            self.report.unmapped.append(f"logged model {model_id!r} of {model}: {error.message}")
            return
        experiment_id = found["experimentId"] if found else self._experiment_ids.get(str(info.get("experiment_id")))
        if experiment_id is None:
            self.report.unmapped.append(
                f"logged model {model_id} of {model}: its experiment was not imported; its files are not copied"
            )
            return
        if found is None:
            run_id = info.get("source_run_id") or None
            await self._audited(
                "logged_model",
                {"modelId": model_id, "model": model},
                lambda entry: self._logged_models.import_model(
                    model_id=model_id,
                    experiment_id=experiment_id,
                    name=info.get("name"),
                    model_type=info.get("model_type") or None,
                    source_run_id=run_id if run_id and limits.RUN_ID.fullmatch(run_id) else None,
                    status=str(info.get("status") or "LOGGED_MODEL_READY"),
                    tags=_pairs(info.get("tags")),
                    params=_pairs(info.get("params")),
                    artifact_root=PROXIED,
                    audit=entry,
                ),
            )
        self._counted("logged_model", found is None)
        uri = str(info.get("artifact_uri") or info.get("artifactUri") or "")
        if found is not None:
            # Resuming: the source's own location of the files.
            uri = str((await source.logged_model(model_id))["info"].get("artifact_uri") or "")
        if not uri.startswith(PROXIED):
            self.report.unmapped.append(f"files of logged model {model_id} at {uri[:200]}: not proxied, not copied")
            return
        owner = f"logged model {model_id}"
        artifacts = self._artifacts
        assert artifacts is not None
        self._model_files[model_id] = None
        if await self._copy_artifacts(source, uri, f"{experiment_id}/models/{model_id}/artifacts", owner):
            self._model_files[model_id] = await artifacts.model_files(experiment_id, model_id)
        else:
            self.report.unmapped.append(
                f"versions of {model} from {owner}: imported without an artifact (not all its files verified)"
            )

    async def _copy_artifacts(self, source: MlflowSource, uri: str, prefix: str, owner: str) -> bool:
        """Copies the files under `uri` not copied yet; True when every one of them is verified here."""
        artifacts = self._artifacts
        assert artifacts is not None
        root = uri.removeprefix(PROXIED).strip("/")
        verified = True
        async for relative, size in source.artifact_files(root):
            target = f"{prefix}/{relative}"
            try:
                done = await artifacts.stored(target)
            except InvalidInput as error:
                self.report.unmapped.append(f"artifact {relative!r} of {owner}: {error.message}")
                verified = False
                continue
            if done is not None and done["size"] == size and await artifacts.verify(done):
                self._counted("artifact", False)
                continue
            started = time.monotonic()
            async with source.artifact(f"{root}/{relative}") as chunks:
                stored = await self._audited(
                    "artifact", {"owner": owner, "path": relative[:500]}, _uploading(artifacts, target, chunks, size)
                )
            if not await artifacts.verify(stored):
                self.report.unmapped.append(f"artifact {relative!r} of {owner}: the stored bytes did not verify")
                verified = False
                continue
            self.report.artifact_seconds += time.monotonic() - started
            self.report.artifact_bytes += size
            self._counted("artifact", True)
        return verified

    async def _model(self, source: MlflowSource, model: dict[str, Any]) -> None:
        name = model["name"]
        try:
            validation.name(name)
        except InvalidInput as error:
            self.report.unmapped.append(f"registered model {name!r}: {error.message}")
            return
        tags = _pairs(model.get("tags"))
        if await self._models.get_model(name) is None:
            await self._audited(
                "model",
                {"model": name},
                lambda entry: self._models.create_model(
                    name=name, description=model.get("description") or None, tags=tags, audit=entry
                ),
            )
            self._counted("model", True)
        else:
            self._counted("model", False)
        versions = sorted(await source.versions(name), key=lambda v: int(v["version"]))
        producing = [v for v in versions if (v.get("current_stage") or "").lower() == "production"]
        newest_production = int(producing[-1]["version"]) if producing else None
        for version in versions:
            await self._version(source, name, version, newest_production)
        for alias in model.get("aliases", []):
            await self._alias(name, alias["alias"], int(alias["version"]))

    async def _version(
        self, source: MlflowSource, model: str, version: dict[str, Any], newest_production: int | None
    ) -> None:
        number = int(version["version"])
        model_id = _logged_model_of(version)
        if model_id and self._artifacts is not None:
            await self._logged_model(source, model_id, model)
        if await self._db.read("get_versions", keys=[[model, number]]):
            self._counted("version", False)
            return
        stage = stage_of(version.get("current_stage") or "None")
        if stage is Stage.PRODUCTION and number != newest_production:
            self.report.unmapped.append(
                f"{model} v{number}: also in Production at the source; imported as ARCHIVED (at most one PRODUCTION)"
            )
            stage = Stage.ARCHIVED
        run_id = version.get("run_id") or None
        if run_id and not await self._tracking.runs([run_id]):
            run_id = None
        tags = _pairs(version.get("tags"))
        try:
            validation.tags(tags)
        except InvalidInput as error:
            self.report.unmapped.append(f"{model} v{number} tags: {error.message}; imported without them")
            tags = []
        metrics = []
        if run_id:
            found = await self._tracking.run(run_id)
            metrics = [m for m in found.get("metrics", []) if validation.TAG_KEY.fullmatch(m["key"])]
        params = {
            "model": model,
            "version": number,
            "stage": stage.value,
            "description": version.get("description") or None,
            "tags": pairs_to_strings(tags),
            "metrics": metrics_to_json([])
            if not metrics
            else orjson.dumps(
                [{"key": m["key"], "value": m["value"], "step": m.get("step")} for m in metrics]
            ).decode(),
            "createdAt": int(version.get("creation_timestamp") or 0),
            "updatedAt": int(version.get("last_updated_timestamp") or version.get("creation_timestamp") or 0),
            "source": version.get("source"),
            "runId": run_id,
            "modelId": model_id,
            "origin": self._origin,
            "actor": ACTOR,
        }
        # As a version the MLflow API creates from a logged model: its files' manifest is the artifact
        # (READY: every file verified), its requirements.txt the packages.
        files = self._model_files.get(model_id) if model_id else None
        params["artifactSha256"] = files.manifest.sha256 if files else None
        params["artifactSize"] = files.manifest.size if files else None
        params["artifactKey"] = files.key if files else None
        lineage = VersionLineage(
            run_id=run_id, trained_on=(), commit=None, base_model=None, packages=files.packages if files else ()
        )

        async def work(tx: Transaction) -> bool:
            rows = await tx.run("mlflow_import_model_version", **params)
            if rows[0]["existed"]:
                return False
            await provenance.link(
                tx, lineage, ResolvedLineage(trained_on=(), base_model=None), VersionRecord.from_row(rows[0]["version"])
            )
            return True

        created = await self._audited(
            "version", {"model": model, "version": number}, lambda entry: write_audited(self._db, work, audit=entry)
        )
        self._counted("version", created)

    async def _alias(self, model: str, alias: str, version: int) -> None:
        try:
            validation.alias(alias)
        except InvalidInput as error:
            self.report.unmapped.append(f"alias {alias!r} of {model}: {error.message}")
            return
        current = await self._lifecycle.aliases_of_versions([(model, version)])
        if alias in current.get((model, version), []):
            self._counted("alias", False)
            return
        await self._audited(
            "alias",
            {"model": model, "version": version},
            lambda entry: self._lifecycle.set_alias(
                model=model, alias=alias, version=version, actor=ACTOR, audit=entry
            ),
        )
        self._counted("alias", True)


def _uploading(
    artifacts: MlflowArtifactService, path: str, chunks: AsyncIterator[bytes], size: int
) -> Callable[[AuditEntry], Awaitable[Row]]:
    def upload(entry: AuditEntry) -> Awaitable[Row]:
        return artifacts.upload(path, chunks, size=size, audit=entry)

    return upload


def _logged_model_of(version: dict[str, Any]) -> str | None:
    """The logged model a version was registered from: its `model_id`, or a `models:/m-...` source
    (searches of some MLflow servers leave `model_id` out)."""
    given = version.get("model_id")
    if given:
        return str(given)
    source = str(version.get("source") or "")
    candidate = source.removeprefix("models:/").split("/")[0]
    return candidate if source.startswith("models:/") and limits.LOGGED_MODEL_ID.fullmatch(candidate) else None
