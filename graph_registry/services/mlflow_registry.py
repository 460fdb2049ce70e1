"""The model registry as MLflow sees it, on the registry's own services.

Registered models are Models and model versions ModelVersions, created by ModelService (numbers
allocated under the model's lock: no duplicates, no gaps), moved by LifecycleService (one
PRODUCTION), deleted by DeletionService. What only MLflow has (a version's source, run and logged
model) is stored on the version in the transaction that creates it. A version made from a logged
model whose files were all measured is READY at once: its artifact is the files' manifest, and the
model's requirements.txt becomes the version's packages.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from graph_registry.domain import mlflow_limits as limits
from graph_registry.domain import validation
from graph_registry.domain.records import (
    Metric,
    Stage,
    VersionRecord,
    metrics_from_json,
)
from graph_registry.domain.refs import NewVersion, VersionLineage
from graph_registry.errors import InvalidInput, NotFound, PreconditionFailed
from graph_registry.services.audit import AuditEntry, write_one_audited
from graph_registry.services.deletion import DeletionService
from graph_registry.services.lifecycle import LifecycleService
from graph_registry.services.mlflow_artifacts import MlflowArtifactService, ModelFiles
from graph_registry.services.mlflow_models import MlflowModelService
from graph_registry.services.models import ModelService
from graph_registry.services.versions import VersionService
from graph_registry.storage.database import Database, Row, Transaction

STAGES = {"none": Stage.NONE, "staging": Stage.STAGING, "production": Stage.PRODUCTION, "archived": Stage.ARCHIVED}
MLFLOW_STAGE = {
    Stage.NONE: "None",
    Stage.STAGING: "Staging",
    Stage.PRODUCTION: "Production",
    Stage.ARCHIVED: "Archived",
}


def stage_of(name: str) -> Stage:
    found = STAGES.get(name.strip().lower())
    if found is None:
        raise InvalidInput(f"invalid stage {name[:40]!r}: use None, Staging, Production or Archived", field="stage")
    return found


@dataclass(frozen=True, slots=True)
class MlflowSource:
    """Where an MLflow version came from, written with the version (and only on its creation)."""

    source: str
    run_id: str | None
    model_id: str | None
    run_link: str | None
    files: ModelFiles | None


def describe(source: MlflowSource, described: list[Row]) -> Callable[[Transaction, VersionRecord], Awaitable[None]]:
    """The step that records MLflow's description of a version, in the transaction that creates it (and
    touches its model); the version as it then stands goes to `described`."""

    async def step(tx: Transaction, version: VersionRecord) -> None:
        files = source.files
        rows = await tx.run(
            "mlflow_describe_version",
            model=version.model,
            version=version.version,
            source=source.source,
            runId=source.run_id,
            modelId=source.model_id,
            runLink=source.run_link,
            ready=files is not None,
            artifactKey=files.key if files is not None else None,
        )
        described.extend(row["version"] for row in rows)

    return step


def _run_metrics(run: Row | None) -> list[Metric]:
    """The producing run's latest value per key, as the version's metrics (keys the registry accepts)."""
    if run is None:
        return []
    found = []
    for metric in metrics_from_json(run.get("metrics")):
        if validation.TAG_KEY.fullmatch(metric.key) and math.isfinite(metric.value):
            found.append(Metric(key=metric.key, value=metric.value, step=metric.step))
    return found


class MlflowRegistryService:
    def __init__(
        self,
        database: Database,
        *,
        models: ModelService,
        lifecycle: LifecycleService,
        deletion: DeletionService,
        logged_models: MlflowModelService,
        artifacts: MlflowArtifactService,
    ) -> None:
        self._db = database
        self._models = models
        self._versions = VersionService(database)
        self._lifecycle = lifecycle
        self._deletion = deletion
        self._logged_models = logged_models
        self._artifacts = artifacts

    async def create_version(
        self,
        *,
        model: str,
        source: str,
        run_id: str | None,
        model_id: str | None,
        tags: Sequence[tuple[str, str]],
        description: str | None,
        run_link: str | None,
        actor: str,
        audit: AuditEntry | None = None,
    ) -> Row:
        """A version of an existing registered model, READY at once, in one transaction (with the call's
        audit entry): the model and the run are checked and the run's metrics read by its first
        statement, so a missing one is NotFound before anything is written; the answer is the version
        as that transaction left it (a new version has no aliases)."""
        limits.model_name(model)
        limits.text(source, what="source", limit=4096)
        files = None
        if model_id:
            logged = await self._logged_models.get(model_id)
            files = await self._artifacts.model_files(logged["experimentId"], model_id)
            run_id = run_id or logged.get("sourceRunId")
        if run_id:
            limits.run_id(run_id)
        packages = files.packages if files is not None else ()
        lineage = VersionLineage(run_id=run_id or None, trained_on=(), commit=None, base_model=None, packages=packages)
        described: list[Row] = []
        manifest = files.manifest if files is not None else None
        new = NewVersion(
            model=model,
            description=description,
            tags=tags,
            artifact_sha256=manifest.sha256 if manifest else None,
            artifact_size=manifest.size if manifest else None,
        )

        async def prepare(tx: Transaction) -> NewVersion:
            described.clear()  # the driver may run the transaction again: only its last attempt commits
            context = (await tx.run("mlflow_version_context", model=model, runId=run_id or None))[0]
            if not context["modelExists"]:
                raise NotFound(f"registered model {model!r} does not exist", model=model)
            if run_id and not context["runExists"]:
                raise NotFound(f"run {run_id!r} does not exist", runId=run_id)
            return dataclasses.replace(new, metrics=_run_metrics(context["run"]))

        record = await self._versions.register(
            new,
            actor=actor,
            audit=audit,
            lineage=lineage,
            prepare=prepare,
            also=describe(
                MlflowSource(source=source, run_id=run_id, model_id=model_id, run_link=run_link, files=files), described
            ),
        )
        if not described:  # a replay: nothing was described, the version is read as it stands
            return await self.version(model, record.version)
        return {"version": described[0], "aliases": []}

    async def version(self, model: str, version: int) -> Row:
        limits.model_name(model)
        validation.version(version)
        rows = await self._db.read("get_versions", keys=[[model, version]])
        if not rows or rows[0]["version"].get("deleted"):
            raise NotFound(f"model {model!r} has no version {version}", model=model, version=version)
        aliases = (await self._lifecycle.aliases_of_versions([(model, version)])).get((model, version), [])
        return {"version": rows[0]["version"], "aliases": aliases}

    async def version_by_alias(self, model: str, alias: str) -> Row | None:
        """The version an alias points at, with its aliases, in one read (None when the alias points nowhere)."""
        limits.model_name(model)
        validation.alias(alias)
        rows = await self._db.read("mlflow_version_by_alias", model=model, alias=alias)
        return rows[0] if rows else None

    async def versions_of(self, models: Sequence[str]) -> list[Row]:
        return await self._db.read("mlflow_model_versions", models=list(models))

    async def search_versions(self, models: Sequence[str] | None) -> list[Row]:
        return await self._db.read("mlflow_search_versions", models=list(models) if models is not None else None)

    async def registered_models(self, names: Sequence[str]) -> list[Row]:
        """Registered models by name (those MLflow deleted left out), each with its latest version per
        stage (`latest`: {version, aliases} rows) and its (alias, version) pairs, in one read."""
        return await self._db.read("mlflow_registered_models", names=list(names))

    async def models_named(self, names: Sequence[str]) -> list[Row]:
        return [row["model"] for row in await self._db.read("mlflow_get_models", names=list(names))]

    async def delete_model(self, model: str, *, actor: str, audit: AuditEntry | None = None) -> None:
        """The registry's deletion rules for each version (refused while PRODUCTION or an alias holds one),
        checked for all versions before any is deleted; the versions are soft-deleted, the model hidden."""
        limits.model_name(model)
        if not await self.models_named([model]):
            raise NotFound(f"registered model {model!r} does not exist", model=model)
        versions = await self.versions_of([model])
        for item in versions:
            stored = item["version"]
            if stored.get("stage") == Stage.PRODUCTION.value or item["aliases"]:
                raise PreconditionFailed(
                    f"{model} v{stored['version']} is in PRODUCTION or holds an alias; move it out first",
                    model=model,
                    version=stored["version"],
                )
        for item in versions:
            await self._deletion.delete_version(
                model=model, version=item["version"]["version"], hard=False, actor=actor, audit=audit
            )
        await write_one_audited(self._db, "mlflow_delete_model", audit=audit, model=model)

    async def all_models(self) -> list[Row]:
        return [row["model"] for row in await self._db.read("mlflow_all_models")]

    async def set_model_tag(self, model: str, key: str, value: str | None, *, audit: AuditEntry | None = None) -> None:
        limits.model_name(model)
        if value is not None:
            validation.tags([(key, value)])
        rows = await write_one_audited(self._db, "mlflow_set_model_tag", audit=audit, model=model, key=key, value=value)
        if not rows:
            raise NotFound(f"registered model {model!r} does not exist", model=model)
        if value is None and not rows[0]["had"]:
            raise NotFound(f"registered model {model!r} has no tag {key!r}", model=model)

    async def set_version_tag(
        self, model: str, version: int, key: str, value: str | None, *, audit: AuditEntry | None = None
    ) -> None:
        limits.model_name(model)
        validation.version(version)
        if value is not None:
            validation.tags([(key, value)])
        rows = await write_one_audited(
            self._db, "mlflow_set_version_tag", audit=audit, model=model, version=version, key=key, value=value
        )
        if not rows:
            raise NotFound(f"model {model!r} has no version {version}", model=model, version=version)
        if value is None and not rows[0]["had"]:
            raise NotFound(f"{model} v{version} has no tag {key!r}", model=model, version=version)

    async def update_version(
        self, model: str, version: int, description: str | None, *, audit: AuditEntry | None = None
    ) -> Row:
        limits.model_name(model)
        validation.version(version)
        validation.text(description, what="description")
        rows = await write_one_audited(
            self._db, "mlflow_update_version", audit=audit, model=model, version=version, description=description
        )
        if not rows:
            raise NotFound(f"model {model!r} has no version {version}", model=model, version=version)
        return await self.version(model, version)

    async def download_uri(self, model: str, version: int) -> str:
        """Where MLflow downloads a version from: its logged model's artifacts, the run's artifacts under
        a `runs:/<run>/<path>` source, or the source itself; read at once (`mlflow_download_location`)."""
        limits.model_name(model)
        validation.version(version)
        rows = await self._db.read("mlflow_download_location", model=model, version=version)
        if not rows:
            raise NotFound(f"model {model!r} has no version {version}", model=model, version=version)
        found = rows[0]
        model_id, source = found["modelId"], found["source"]
        if model_id:
            if found["loggedModel"] is None or found["loggedModel"].get("status") == "DELETED":
                raise NotFound(f"logged model {model_id!r} does not exist", modelId=model_id)
            return str(found["loggedModel"]["artifactUri"])
        if source and str(source).startswith("runs:/"):
            path = str(source).removeprefix("runs:/").partition("/")[2]
            if found["runArtifactUri"]:
                return f"{found['runArtifactUri']}/{path}".rstrip("/")
        if source:
            return str(source)
        raise NotFound(f"{model} v{version} has no MLflow artifact location", model=model, version=version)
