"""import-mlflow from a real `mlflow server` (the `source` fixture, tests/mlflow/conftest.py), filled
by the stock client."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import httpx
import mlflow
import mlflow.sklearn
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from packaging.utils import canonicalize_name
from sklearn.linear_model import LogisticRegression
from typer.testing import CliRunner

from graph_registry import bootstrap
from graph_registry.cli.main import app
from graph_registry.services.audit import AuditService
from graph_registry.services.lifecycle import LifecycleService
from graph_registry.services.mlflow_import import Interrupted, MlflowImport, MlflowSource
from graph_registry.services.mlflow_tracking import MlflowTrackingService
from graph_registry.services.models import ModelService
from graph_registry.storage.database import Database
from tests.live_server import LiveServer

SHA = "89abcdef0123456789abcdef0123456789abcdef"


def _fill(url: str, unique: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    client = MlflowClient(tracking_uri=url, registry_uri=url)
    experiment = client.create_experiment(f"imported/{unique} runs", tags={"team": "fraud"})
    runs = []
    for c in ("0.5", "1.5"):
        run = client.create_run(
            experiment, tags={"mlflow.source.git.commit": SHA, "mlflow.source.git.repoURL": "https://git.example/x.git"}
        )
        run_id = run.info.run_id
        client.log_param(run_id, "C", c)
        with tempfile.TemporaryDirectory() as folder:
            notes, weights = Path(folder, "notes.txt"), Path(folder, "weights.bin")
            notes.write_text(f"run with C={c}\n")
            weights.write_bytes(os.urandom(300_000))
            client.log_artifact(run_id, str(notes))
            client.log_artifact(run_id, str(weights), artifact_path="data/sub")
        for step in range(4):
            client.log_metric(run_id, "loss", 1.0 / (step + 1), step=step)
        client.set_terminated(run_id, "FINISHED")
        runs.append(run_id)
    name = f"imported-{unique}"
    client.create_registered_model(name, tags={"owner": "risk"}, description="Imported model")
    for run_id in (*runs, runs[1]):
        client.create_model_version(name, source=f"runs:/{run_id}/model", run_id=run_id)
    client.delete_model_version(name, "2")  # a gap the import keeps
    client.transition_model_version_stage(name, "1", "Staging")
    client.transition_model_version_stage(name, "3", "Production")
    client.set_registered_model_alias(name, "champion", "3")
    client.set_model_version_tag(name, "3", "validated", "yes")
    # An MLflow 3 logged model registered as v4: its files live under the logged model, not the run.
    rng = np.random.default_rng(3)
    features = pd.DataFrame(rng.normal(size=(40, 3)), columns=["a", "b", "c"])
    trained = LogisticRegression().fit(features, (features["a"] > 0).astype(int).to_numpy())
    monkeypatch.setenv("MLFLOW_TRACKING_URI", url)
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", url)
    mlflow.set_tracking_uri(url)
    mlflow.set_registry_uri(url)
    mlflow.set_experiment(experiment_id=experiment)
    with mlflow.start_run():
        mlflow.sklearn.log_model(trained, name="model", registered_model_name=name, input_example=features.head(2))
    mlflow.set_tracking_uri(None)
    mlflow.set_registry_uri(None)
    return {
        "experiment": f"imported/{unique} runs",
        "runs": runs,
        "model": name,
        "trained": trained,
        "features": features,
    }


def _importer(
    database: Database, url: str, stop_after: int | None = None, services: bootstrap.Services | None = None
) -> MlflowImport:
    return MlflowImport(
        database,
        tracking=MlflowTrackingService(database),
        models=ModelService(database),
        lifecycle=LifecycleService(database, require_provenance=False),
        audit=AuditService(database),
        origin=url,
        stop_after=stop_after,
        artifacts=services.mlflow.artifacts if services is not None else None,
    )


async def _import(
    database: Database,
    url: str,
    filled: dict[str, Any],
    stop_after: int | None = None,
    services: bootstrap.Services | None = None,
) -> Any:
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        return await _importer(database, url, stop_after, services).run(
            MlflowSource(http), experiments=[filled["experiment"]], models=[filled["model"]]
        )


def _files(client: MlflowClient, run_id: str, folder: str | None = None) -> dict[str, str]:
    """Every artifact of a run, listed and downloaded: path -> sha256 of its bytes."""
    found = {}
    for item in client.list_artifacts(run_id, folder):
        if item.is_dir:
            found.update(_files(client, run_id, item.path))
        else:
            with tempfile.TemporaryDirectory() as into:
                local = client.download_artifacts(run_id, item.path, into)
                found[item.path] = hashlib.sha256(Path(local).read_bytes()).hexdigest()
    return found


VERSION_FILES = """
query($model: String!, $version: Int!) {
  modelVersion(model: $model, version: $version) { artifact { sha256 sizeBytes status } packages { name version } }
}
"""


def _graphql(api: LiveServer, query: str, **variables: Any) -> dict[str, Any]:
    body = httpx.post(f"{api.url}/graphql", json={"query": query, "variables": variables}, timeout=60).json()
    assert not body.get("errors"), body
    found: dict[str, Any] = body["data"]["modelVersion"]
    return found


def _downloaded(source: str, model_id: str, into: str) -> Path:
    location = MlflowClient(tracking_uri=source).get_logged_model(model_id).artifact_location
    return Path(mlflow.artifacts.download_artifacts(artifact_uri=location, dst_path=into, tracking_uri=source))


def _source_manifest(source: str, model_id: str) -> dict[str, Any]:
    """The sha256 and size of the manifest of the logged model's files as the source serves them."""
    with tempfile.TemporaryDirectory() as into:
        folder = _downloaded(source, model_id, into)
        files = sorted(path for path in folder.rglob("*") if path.is_file())
        listing = [
            {
                "path": path.relative_to(folder).as_posix(),
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                "size": path.stat().st_size,
            }
            for path in files
        ]
    document = json.dumps(listing, sort_keys=True, separators=(",", ":")).encode()
    return {"sha256": hashlib.sha256(document).hexdigest(), "sizeBytes": float(sum(f["size"] for f in listing))}


def _source_packages(source: str, model_id: str) -> list[dict[str, str]]:
    """The pinned lines of the source's requirements.txt of the logged model, by PEP 503 name."""
    with tempfile.TemporaryDirectory() as into:
        lines = (_downloaded(source, model_id, into) / "requirements.txt").read_text().splitlines()
    pinned = [line.split("==", 1) for line in lines if "==" in line and not line.startswith("#")]
    return sorted(
        ({"name": canonicalize_name(n.strip()), "version": v.strip()} for n, v in pinned), key=lambda p: p["name"]
    )


def _picture(url: str, filled: dict[str, Any]) -> dict[str, Any]:
    """What a user sees of the filled entities through the MLflow API at `url`."""
    client = MlflowClient(tracking_uri=url, registry_uri=url)
    runs = {}
    for run_id in filled["runs"]:
        run = client.get_run(run_id)
        history = [(m.step, m.value) for m in client.get_metric_history(run_id, "loss")]
        tags = {k: v for k, v in run.data.tags.items() if k.startswith("mlflow.source.git")}
        runs[run_id] = (run.info.status, run.data.params, tags, history, run.info.start_time, _files(client, run_id))
    model = client.get_registered_model(filled["model"])
    versions = sorted(
        (v.version, v.current_stage, v.run_id, v.source, v.tags)
        for v in client.search_model_versions(f"name = '{filled['model']}'")
    )
    experiment = client.get_experiment_by_name(filled["experiment"])
    return {
        "experiment": experiment.tags,
        "runs": runs,
        "model": (model.description, model.tags, model.aliases),
        "versions": versions,
    }


async def test_import_copies_everything_once(
    source: str,
    database: Database,
    api: LiveServer,
    services: bootstrap.Services,
    unique: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_TOKEN", raising=False)
    filled = _fill(source, unique, monkeypatch)
    report = await _import(database, source, filled, services=services)
    files = report.created.pop("artifact")
    created = {"experiment": 1, "run": 3, "logged_model": 1, "model": 1, "version": 3, "alias": 1}
    assert report.created == created, report
    assert files > 4  # the runs' four, and the logged model's (MLmodel, the pickle, requirements.txt, ...)
    assert report.artifact_bytes > 2 * 300_000 + len("run with C=0.5\n") + len("run with C=1.5\n")
    assert report.megabytes_per_second is not None and report.megabytes_per_second > 0
    assert _picture(api.url, filled) == _picture(source, filled)
    # Each file's sha256, measured on arrival, is that of the source's bytes.
    run_id = filled["runs"][0]
    downloaded = _files(MlflowClient(tracking_uri=source, registry_uri=source), run_id)
    recorded = await database.read("mlflow_artifact_file", owner=f"run:{run_id}", path="data/sub/weights.bin")
    assert recorded[0]["file"]["sha256"] == downloaded["data/sub/weights.bin"]

    again = await _import(database, source, filled, services=services)
    assert again.created == {}, again
    assert _picture(api.url, filled) == _picture(source, filled)

    # The logged model's files were copied: the registry serves the version it was registered as.
    monkeypatch.setenv("MLFLOW_TRACKING_URI", api.url)
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", api.url)
    mlflow.set_tracking_uri(api.url)
    mlflow.set_registry_uri(api.url)
    try:
        loaded = mlflow.pyfunc.load_model(f"models:/{filled['model']}/4")
        assert list(loaded.predict(filled["features"])) == list(filled["trained"].predict(filled["features"]))
    finally:
        mlflow.set_tracking_uri(None)
        mlflow.set_registry_uri(None)

    # New versions continue after the highest imported number.
    client = MlflowClient(tracking_uri=api.url, registry_uri=api.url)
    assert client.create_model_version(filled["model"], source="s3://x/m").version == "5"

    # The imported v4 carries its logged model's files as the version the MLflow API creates from the
    # same logged model does: the files' manifest as its READY artifact, requirements.txt as packages.
    registered = MlflowClient(tracking_uri=source, registry_uri=source).get_model_version(filled["model"], "4")
    model_id = registered.source.removeprefix("models:/")
    assert client.create_model_version(filled["model"], source=f"models:/{model_id}", model_id=model_id).version == "6"
    imported, created = (_graphql(api, VERSION_FILES, model=filled["model"], version=v) for v in (4, 6))
    assert imported == created
    assert imported["artifact"] == {**_source_manifest(source, model_id), "status": "READY"}
    assert imported["packages"] == _source_packages(source, model_id) != []

    arguments = ["import-mlflow", "--from", source, "--experiment", filled["experiment"], "--model", filled["model"]]
    result = await asyncio.to_thread(CliRunner().invoke, app, arguments)
    assert result.exit_code == 0, result.output
    assert "runs: 0 copied, 3 already there" in result.output


async def test_an_interrupted_import_resumes_to_the_same_end(
    source: str,
    database: Database,
    api: LiveServer,
    services: bootstrap.Services,
    unique: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_TOKEN", raising=False)
    filled = _fill(source, unique, monkeypatch)
    with pytest.raises(Interrupted):
        # The experiment, the first run and its first file (data/sub/weights.bin), then the "process dies".
        await _import(database, source, filled, stop_after=3, services=services)
    resumed = await _import(database, source, filled, services=services)
    assert {"model": 1, "version": 3, "alias": 1, "logged_model": 1}.items() <= resumed.created.items(), resumed
    assert (await _import(database, source, filled, services=services)).created == {}
    assert _picture(api.url, filled) == _picture(source, filled)
