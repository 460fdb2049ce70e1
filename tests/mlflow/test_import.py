"""import-mlflow from a real `mlflow server` (SQLite backend, on loopback), filled by the stock client.

The server needs the full `mlflow` package, whose graphene pins an older graphql-core than
Strawberry's: it lives in its own virtualenv (`.ci/run` makes `.venv-mlflow-server`). Without it the
test is skipped, unless GRAPH_REGISTRY_REQUIRE_MLFLOW_SERVER=1 (as in CI) makes that a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mlflow import MlflowClient
from typer.testing import CliRunner

from graph_registry import bootstrap
from graph_registry.cli.main import app
from graph_registry.services.audit import AuditService
from graph_registry.services.lifecycle import LifecycleService
from graph_registry.services.mlflow_import import Interrupted, MlflowImport, MlflowSource
from graph_registry.services.mlflow_tracking import MlflowTrackingService
from graph_registry.services.models import ModelService
from graph_registry.storage.database import Database
from tests.live_server import LiveServer, free_port

ROOT = Path(__file__).resolve().parents[2]
SERVER = Path(os.environ.get("GRAPH_REGISTRY_TEST_MLFLOW_SERVER", ROOT / ".venv-mlflow-server" / "bin" / "mlflow"))
SHA = "89abcdef0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not SERVER.is_file():
        message = f"no MLflow server at {SERVER} (python3 -m venv .venv-mlflow-server && .venv-mlflow-server/bin/pip install mlflow)"
        if os.environ.get("GRAPH_REGISTRY_REQUIRE_MLFLOW_SERVER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    home = tmp_path_factory.mktemp("mlflow-server")
    port = free_port()
    env = dict(os.environ, MLFLOW_DISABLE_TELEMETRY="true", DO_NOT_TRACK="true")
    log = (home / "server.log").open("w")
    process = subprocess.Popen(
        [
            str(SERVER),
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--backend-store-uri",
            f"sqlite:///{home / 'mlflow.db'}",
            "--artifacts-destination",
            str(home / "artifacts"),
            "--workers",
            "1",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # the server's workers are its children: stopped as one group
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            _stop(process)
            log.close()
            raise RuntimeError(f"mlflow server did not start: {(home / 'server.log').read_text()[-2000:]}")
        time.sleep(0.5)
    try:
        yield url
    finally:
        _stop(process)
        log.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def _fill(url: str, unique: str) -> dict[str, Any]:
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
    return {"experiment": f"imported/{unique} runs", "runs": runs, "model": name}


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
    filled = _fill(source, unique)
    report = await _import(database, source, filled, services=services)
    created = {"experiment": 1, "run": 2, "artifact": 4, "model": 1, "version": 2, "alias": 1}
    assert report.created == created, report
    assert report.artifact_bytes == 2 * 300_000 + len("run with C=0.5\n") + len("run with C=1.5\n")
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

    # New versions continue after the highest imported number.
    client = MlflowClient(tracking_uri=api.url, registry_uri=api.url)
    assert client.create_model_version(filled["model"], source="s3://x/m").version == "4"

    arguments = ["import-mlflow", "--from", source, "--experiment", filled["experiment"], "--model", filled["model"]]
    result = await asyncio.to_thread(CliRunner().invoke, app, arguments)
    assert result.exit_code == 0, result.output
    assert "runs: 0 copied, 2 already there" in result.output


async def test_an_interrupted_import_resumes_to_the_same_end(
    source: str,
    database: Database,
    api: LiveServer,
    services: bootstrap.Services,
    unique: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_TOKEN", raising=False)
    filled = _fill(source, unique)
    with pytest.raises(Interrupted):
        # The experiment, the first run and its first file (data/sub/weights.bin), then the "process dies".
        await _import(database, source, filled, stop_after=3, services=services)
    resumed = await _import(database, source, filled, services=services)
    assert resumed.created == {"run": 1, "artifact": 3, "model": 1, "version": 2, "alias": 1}, resumed
    assert resumed.skipped["artifact"] == 1
    assert _picture(api.url, filled) == _picture(source, filled)
