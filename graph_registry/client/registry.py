"""`Registry`: record and ask provenance from Python, without writing GraphQL.

from graph_registry.client import Registry

registry = Registry()                      # GRAPH_REGISTRY_URL / GRAPH_REGISTRY_TOKEN
prod = registry.version("fraud", stage="production")
registry.download("fraud@champion", to="model/")
"""

from __future__ import annotations

import sys
import uuid
import warnings
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from graph_registry.client import artifacts, calls, digests, git
from graph_registry.client import operations as ops
from graph_registry.client import requirements as requirements_module
from graph_registry.client.calls import Call
from graph_registry.client.errors import ArtifactError, NotFoundError, PreconditionFailedError
from graph_registry.client.events import Limits, follow
from graph_registry.client.refs import VersionSelector, dataset_ref, selector
from graph_registry.client.runs import ActiveRun
from graph_registry.client.transport import Transport
from graph_registry.client.types import (
    Commit,
    Dataset,
    DatasetVersion,
    ImpactHit,
    LineageGraph,
    Model,
    ModelEvent,
    ModelVersion,
    ProvenanceDiff,
    Run,
    Stage,
    VersionKey,
)

T = TypeVar("T")
VersionTarget = str | ModelVersion | VersionKey | VersionSelector
DatasetTarget = str | DatasetVersion | tuple[str, int]
AUTO = "auto"
PAGE = 100


def _stage(value: Stage | str | None) -> Stage | None:
    return None if value is None else Stage(value.upper()) if isinstance(value, str) else value


class NoGitWarning(UserWarning):
    """A run or version was recorded without a commit: no git repository where the code runs."""


def _no_git_hint(path: str | Path) -> str:
    return (
        f"start_run found no git repository at {Path(path).resolve()} (or no git command), so the run "
        "recorded no commit; run the code inside its git repository, or pass commit= to start_run"
    )


class Registry:
    """A connection to one registry. Thread-compatible, not thread-safe: one per thread."""

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        timeout: float = 60.0,
        retries: int = 3,
        progress: bool | None = None,
    ) -> None:
        self._token = token
        self._transport = Transport(url, token, timeout=timeout, retries=retries)
        self.url = self._transport.url
        # Progress bars only where someone watches.
        self.progress = sys.stderr.isatty() if progress is None else progress
        # Versions registered from runs that found no git repository: why a promotion is refused.
        self._without_git: dict[VersionKey, str] = {}

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def execute(self, document: str, variables: Mapping[str, Any], *, idempotent: bool = False) -> dict[str, Any]:
        """Run any GraphQL document; the `data`, or the typed error of the first GraphQL error."""
        return self._transport.execute(document, variables, idempotent=idempotent)

    def _call(self, call: Call[T]) -> T:
        return call.read(self.execute(call.document, call.variables, idempotent=call.idempotent))

    # Asking

    def model(self, name: str) -> Model:
        return self._call(calls.model(name))

    def models(self, name_contains: str | None = None) -> list[Model]:
        found: list[Model] = []
        after = None
        while True:
            page = self._call(calls.models_page(first=PAGE, after=after, name_contains=name_contains))
            found += [Model.from_json(edge["node"]) for edge in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                return found
            after = page["pageInfo"]["endCursor"]

    def versions(self, name: str, stage: Stage | str | None = None) -> list[ModelVersion]:
        """A model's versions that are not deleted, newest first."""
        found: list[ModelVersion] = []
        after = None
        while True:
            page = self._call(calls.versions_page(name, first=PAGE, after=after, stage=_stage(stage)))
            found += [ModelVersion.from_json(edge["node"]) for edge in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                return found
            after = page["pageInfo"]["endCursor"]

    def version(
        self,
        target: VersionTarget,
        *,
        version: int | None = None,
        alias: str | None = None,
        stage: Stage | str | None = None,
        at: datetime | None = None,
    ) -> ModelVersion:
        """One version: `version("fraud", stage="production")`, `version("fraud:3")`, `version("fraud@champion")`.

        With `at`, aliases and stages resolve as they stood at that moment. NotFoundError when there is none.
        """
        chosen = selector(target, version=version, alias=alias, stage=stage)
        return self._call(calls.model_version(chosen, at=at))

    def trained_on(self, target: VersionTarget, **which: Any) -> list[DatasetVersion]:
        """The dataset versions the version's run used, directly."""
        return self._call(calls.trained_on(selector(target, **which)))

    def lineage(
        self,
        target: VersionTarget | DatasetVersion | Run,
        *,
        direction: str = "upstream",
        depth: int = 5,
        kinds: Sequence[str] | None = None,
        **which: Any,
    ) -> LineageGraph:
        """The graph around a model version (or a dataset version or run object), up to `depth` hops."""
        if isinstance(target, DatasetVersion | Run):
            return self._call(calls.node_lineage(target.id, direction=direction, depth=depth, kinds=kinds))
        chosen = selector(target, **which)
        return self._call(calls.version_lineage(chosen, direction=direction, depth=depth, kinds=kinds))

    def impact(
        self,
        dataset_version: DatasetTarget,
        *,
        stage: Stage | str | None = None,
        alias: str | None = None,
        depth: int = 10,
    ) -> list[ImpactHit]:
        """Model versions downstream of a dataset version, each with the chain that explains it."""
        return self._call(calls.impact(dataset_ref(dataset_version), stage=_stage(stage), alias=alias, depth=depth))

    def diff(self, a: VersionTarget, b: VersionTarget) -> ProvenanceDiff:
        """What changed in provenance from version a to version b."""
        return self._call(calls.provenance_diff(selector(a), selector(b)))

    def dataset_version(self, target: DatasetTarget) -> DatasetVersion:
        return self._call(calls.dataset_version(dataset_ref(target)))

    def dataset_by_source(self, namespace: str, name: str) -> Dataset:
        """The dataset recorded under an OpenLineage identity, e.g. ("s3://lake", "features/orders");
        its `latest_version` can be passed as `trained_on` or a run input."""
        return self._call(calls.dataset_by_source(namespace, name))

    def run(self, run_id: str) -> Run:
        return self._call(calls.run(run_id))

    def events(
        self,
        model: str | None = None,
        *,
        since: datetime | None = None,
        reconnect: bool = True,
        timeout: float | None = None,
        stop_after: int | None = None,
    ) -> Iterator[ModelEvent]:
        """Registry events as they happen (for one model or all), reconnecting without loss.

        Forever, unless `timeout` (seconds from now) or `stop_after` (a number of events) ends it.
        """
        return follow(
            self.url,
            self._token,
            model=model,
            since=since,
            reconnect=reconnect,
            limits=Limits.of(timeout=timeout, stop_after=stop_after),
        )

    # Lifecycle

    def _number(self, target: VersionTarget, version: int | None) -> VersionKey:
        chosen = selector(target, version=version)
        if chosen.version is not None:
            return VersionKey(chosen.model, chosen.version)
        return self.version(chosen).key

    def promote(
        self,
        target: VersionTarget,
        stage: Stage | str = Stage.PRODUCTION,
        *,
        version: int | None = None,
        archive_existing: bool = True,
        comment: str | None = None,
    ) -> ModelVersion:
        """Move a version to a stage (default PRODUCTION); the previous holder is archived."""
        key = self._number(target, version)
        chosen = _stage(stage)
        assert chosen is not None
        try:
            return self._call(
                calls.transition_stage(
                    key.model, key.version, chosen, archive_existing=archive_existing, comment=comment
                )
            )
        except PreconditionFailedError as error:
            hint = self._without_git.get(key)
            if hint is None or "commit" not in error.message:
                raise
            raise PreconditionFailedError(f"{error.message}; {hint}", **error.fields) from error

    def set_alias(self, target: VersionTarget, alias: str, *, version: int | None = None) -> ModelVersion:
        """Point an alias at a version: `set_alias("fraud:4", "champion")`."""
        key = self._number(target, version)
        return self._call(calls.set_alias(key.model, alias, key.version))

    def delete_alias(self, model: str, alias: str) -> bool:
        return self._call(calls.delete_alias(model, alias))

    # Recording

    def log_dataset(
        self,
        name: str,
        data: str | Path | Any,
        *,
        uri: str | None = None,
        derived_from: Sequence[DatasetTarget] = (),
        row_count: float | None = None,
        produced_by: ActiveRun | str | None = None,
        description: str | None = None,
    ) -> DatasetVersion:
        """Register a dataset version by content digest (a file, folder, DataFrame or `sha256:` digest).

        The same content returns the same version, so calling this on every training run is safe.
        """
        if row_count is None and digests.is_dataframe(data):
            frame: Any = data
            row_count = float(len(frame))
        if uri is None and isinstance(data, str | Path) and Path(data).exists():
            uri = Path(data).resolve().as_uri()
        dataset_input = {
            "dataset": name,
            "digest": digests.digest_of(data),
            "uri": uri,
            "rowCount": row_count,
            "derivedFrom": [dataset_ref(item) for item in derived_from] or None,
            "producedBy": produced_by.run_id if isinstance(produced_by, ActiveRun) else produced_by,
        }
        if description is not None:
            dataset_input["description"] = description
        data_out = self.execute(ops.REGISTER_DATASET_VERSION, {"input": dataset_input}, idempotent=True)
        return DatasetVersion.from_json(data_out["registerDatasetVersion"])

    def start_run(
        self,
        experiment: str,
        *,
        name: str | None = None,
        params: Mapping[str, Any] | None = None,
        inputs: Sequence[DatasetTarget] = (),
        commit: Commit | str | None = AUTO,
        code_path: str | Path = ".",
    ) -> ActiveRun:
        """A run to use as `with registry.start_run(...) as run:`; the git commit is detected from `code_path`."""
        state = git.detect(code_path) if commit == AUTO else None
        if isinstance(commit, Commit):
            state = git.GitState(commit=commit, dirty=False)
        if commit == AUTO and state is None:
            warnings.warn(
                _no_git_hint(code_path) + ": versions it produces cannot go to PRODUCTION",
                NoGitWarning,
                stacklevel=2,
            )
        run = ActiveRun(
            self._transport,
            experiment,
            name=name,
            params=params,
            inputs=[(item, "training") for item in inputs],
            git=state,
        )
        if commit == AUTO and state is None:
            run.no_git_hint = _no_git_hint(code_path)
        return run

    def register_model(
        self,
        name: str,
        *,
        artifact: str | Path | None = None,
        run: ActiveRun | str | None = None,
        requirements: str | Path | Sequence[str] | None = AUTO,
        base_model: VersionTarget | None = None,
        trained_on: Sequence[DatasetTarget] = (),
        commit: Commit | str | None = AUTO,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        metrics: Mapping[str, float] | None = None,
    ) -> ModelVersion:
        """Register a new version: its lineage, packages and artifact (uploaded, then verified READY).

        `run` is an ActiveRun or a runId; without one, `trained_on` and the commit (detected from the
        working directory) are recorded through an implicit run. `requirements` is "auto" (this
        environment), a requirements file, pinned lines, or None. Safe to retry: one requestId per call.
        """
        all_tags = dict(tags or {})
        if isinstance(run, ActiveRun) and run.dirty:
            all_tags.setdefault("git.dirty", "true")
        values = dict(metrics) if metrics is not None else run.metric_values if isinstance(run, ActiveRun) else {}
        version_input: dict[str, Any] = {
            "model": name,
            "description": description,
            "metrics": [{"key": key, "value": value} for key, value in values.items()],
            "requirements": requirements_module.resolve(requirements),
            "requestId": uuid.uuid4().hex,
            "runId": run.run_id if isinstance(run, ActiveRun) else run,
            "trainedOn": [dataset_ref(item) for item in trained_on] or None,
            "baseModel": selector(base_model).variables() if base_model is not None else None,
        }
        if run is None:
            state = git.detect() if commit == AUTO else None
            found = commit if isinstance(commit, Commit) else state.commit if state else None
            version_input["commit"] = found.to_input() if found else None
            if commit == AUTO and state is None and trained_on:
                warnings.warn(_no_git_hint(".").replace("start_run", "register_model"), NoGitWarning, stacklevel=2)
        if artifact is None:
            version_input["tags"] = _tag_list(all_tags)
            created = self._create_version(version_input)
            self._remember_git(created, run)
            return created
        with artifacts.prepared(artifact, progress=self.progress) as prepared:
            version_input["tags"] = _tag_list({**prepared.tags, **all_tags})
            version_input["artifact"] = {"sha256": prepared.sha256, "sizeBytes": prepared.size}
            created = self._create_version(version_input)
            self._remember_git(created, run)
            artifacts.upload(self._write, created, prepared.path, progress=self.progress)
        return self.version(created.key)

    def _remember_git(self, created: ModelVersion, run: ActiveRun | str | None) -> None:
        if isinstance(run, ActiveRun) and run.no_git_hint is not None:
            self._without_git[created.key] = run.no_git_hint

    def upload_artifact(self, target: VersionTarget, path: str | Path, *, version: int | None = None) -> ModelVersion:
        """Send the bytes a version declared (e.g. after an interrupted register_model) and verify them."""
        current = self.version(target, version=version)
        if current.artifact is None:
            raise NotFoundError(f"{current} declares no artifact")
        with artifacts.prepared(path, progress=self.progress) as prepared:
            if prepared.sha256 != current.artifact.sha256:
                raise ArtifactError(
                    f"{path} has sha256 {prepared.sha256}, but {current} declared {current.artifact.sha256}"
                )
            artifacts.upload(self._write, current, prepared.path, progress=self.progress)
        return self.version(current.key)

    def download(self, target: VersionTarget, *, to: str | Path = ".", **which: Any) -> Path:
        """Fetch a version's verified artifact into `to`; the file (or unpacked folder) written."""
        chosen = selector(target, **which)
        data = self.execute(ops.DOWNLOAD, chosen.variables(), idempotent=True)["modelVersion"]
        if data is None:
            raise NotFoundError(f"model version {chosen} does not exist")
        found = ModelVersion.from_json(data)
        url = (data.get("artifact") or {}).get("downloadUrl")
        if found.artifact is None or url is None:
            raise NotFoundError(f"{found} has no verified artifact to download")
        return artifacts.download(found, url, Path(to), progress=self.progress)

    def _write(self, document: str, variables: dict[str, Any]) -> dict[str, Any]:
        # The artifact calls are safe to repeat: an upload URL is re-issued, verification is idempotent.
        return self.execute(document, variables, idempotent=True)

    def _create_version(self, version_input: dict[str, Any]) -> ModelVersion:
        data = self.execute(ops.CREATE_MODEL_VERSION, {"input": version_input}, idempotent=True)
        return ModelVersion.from_json(data["createModelVersion"])


def _tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"key": key, "value": value} for key, value in tags.items()]
