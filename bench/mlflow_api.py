"""The same MLflow-client workload against MLflow's own server and graph-registry's MLflow API.

Run by hand (both systems in one run; prints the ratios):

    .venv/bin/python -m bench.mlflow_api --iterations 30

Needs `.venv-mlflow-server` (the full mlflow package, see .ci/run) and a local Neo4j of
GRAPH_REGISTRY_HOME (`graph-registry neo4j start`). Per call: p50 latency of each client call
over `--iterations` rounds of log a run (params, stepped metrics, a dataset), register a version,
set an alias, resolve it, search; then the write rate of 8 concurrent clients logging metrics;
then the import's rate from the MLflow server into graph-registry (entities/s, and MB/s of the run
artifacts it copies: `--artifact-mb` of random bytes logged to one MLflow run first).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.update(MLFLOW_DISABLE_TELEMETRY="true", DO_NOT_TRACK="true", MLFLOW_HTTP_REQUEST_MAX_RETRIES="0")

import httpx
import mlflow
import numpy as np
from mlflow import MlflowClient

from bench.processes import free_port, stop_group, wait_http
from graph_registry import bootstrap
from graph_registry.services.audit import AuditService
from graph_registry.services.lifecycle import LifecycleService
from graph_registry.services.mlflow_import import MlflowImport, MlflowSource
from graph_registry.services.mlflow_tracking import MlflowTrackingService
from graph_registry.services.models import ModelService
from graph_registry.settings import Settings
from tests.support import mlflow_server

ROOT = Path(__file__).resolve().parents[1]
CALLS = [
    "create_run",
    "log_batch",
    "log_metric",
    "log_input",
    "create_model_version",
    "set_alias",
    "get_by_alias",
    "download_uri",
    "search_runs",
    "search_versions",
    "end_run",
]


def _start(command: list[str], env: dict[str, str], health: str, log: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True
    )
    wait_http(health, process, timeout=300, log=log)
    return process


def workload(url: str, iterations: int) -> dict[str, list[float]]:
    client = MlflowClient(tracking_uri=url, registry_uri=url)
    timings: dict[str, list[float]] = {name: [] for name in CALLS}

    def timed(name: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        result = call(*args, **kwargs)
        timings[name].append(time.perf_counter() - start)
        return result

    unique = uuid.uuid4().hex[:8]
    experiment = client.create_experiment(f"bench-{unique}")
    model = f"bench-{unique}"
    client.create_registered_model(model)
    dataset = mlflow.data.from_numpy(np.arange(40.0).reshape(10, 4), source="s3://bench/data", name="bench-data")
    mlflow.set_tracking_uri(url)
    for index in range(iterations):
        run = timed("create_run", client.create_run, experiment)
        run_id = run.info.run_id
        params = [mlflow.entities.Param(f"p{i}", str(i)) for i in range(3)]
        timed("log_batch", client.log_batch, run_id, params=params)
        for step in range(5):
            timed("log_metric", client.log_metric, run_id, "loss", 1.0 / (step + 1), step=step)
        inputs = [mlflow.entities.DatasetInput(dataset._to_mlflow_entity(), [])]
        timed("log_input", client.log_inputs, run_id, inputs)
        version = timed(
            "create_model_version", client.create_model_version, model, f"runs:/{run_id}/model", run_id=run_id
        )
        timed("set_alias", client.set_registered_model_alias, model, "champion", version.version)
        timed("get_by_alias", client.get_model_version_by_alias, model, "champion")
        timed("download_uri", client.get_model_version_download_uri, model, version.version)
        timed("search_runs", client.search_runs, [experiment], "metrics.loss < 0.5", max_results=10)
        timed("search_versions", client.search_model_versions, f"name = '{model}'", max_results=10)
        timed("end_run", client.set_terminated, run_id)
        if index == 0:
            for name in timings:  # the first round warms caches and connections
                timings[name].clear()
    return timings


def write_rate(url: str, *, clients: int = 8, each: int = 40) -> float:
    client = MlflowClient(tracking_uri=url)
    experiment = client.create_experiment(f"bench-rate-{uuid.uuid4().hex[:8]}")
    runs = [client.create_run(experiment).info.run_id for _ in range(clients)]

    def log(run_id: str) -> None:
        own = MlflowClient(tracking_uri=url)
        for step in range(each):
            own.log_metric(run_id, "rate", float(step), step=step)

    threads = [threading.Thread(target=log, args=(run_id,)) for run_id in runs]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return clients * each / (time.perf_counter() - start)


def log_artifact_at(url: str, megabytes: int) -> None:
    client = MlflowClient(tracking_uri=url)
    run = client.create_run(client.create_experiment(f"bench-artifacts-{uuid.uuid4().hex[:8]}"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "weights.bin")
        path.write_bytes(os.urandom(megabytes * 1024 * 1024))
        client.log_artifact(run.info.run_id, str(path))
    client.set_terminated(run.info.run_id)


async def import_rate(source: str) -> tuple[int, float, float | None]:
    settings = Settings()
    async with bootstrap.opened(settings) as registry:
        database = registry.database
        importer = MlflowImport(
            database,
            tracking=MlflowTrackingService(database),
            models=ModelService(database),
            lifecycle=LifecycleService(database, require_provenance=False),
            audit=AuditService(database),
            origin=source,
            artifacts=registry.services.mlflow.artifacts,
        )
        start = time.perf_counter()
        async with httpx.AsyncClient(base_url=source, timeout=60) as http:
            report = await importer.run(MlflowSource(http))
        elapsed = time.perf_counter() - start
    return sum(report.created.values()), elapsed, report.megabytes_per_second


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--artifact-mb", type=int, default=64)
    arguments = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-mlflow-"))
    env = dict(os.environ)
    registry_port = free_port()
    target = f"http://127.0.0.1:{registry_port}"
    mlflow_home = home / "mlflow"
    mlflow_home.mkdir()
    mlflow_process, source = mlflow_server.start(ROOT / ".venv-mlflow-server/bin/mlflow", mlflow_home, free_port())
    registry_env = dict(
        env, GRAPH_REGISTRY_LOAD_DEMO="false", GRAPH_REGISTRY_ARTIFACTS_DIR=str(home / "registry-artifacts")
    )
    registry = _start(
        [str(ROOT / ".venv/bin/graph-registry"), "serve", "--host", "127.0.0.1", "--port", str(registry_port)],
        registry_env,
        f"{target}/readyz",
        home / "registry.log",
    )
    try:
        print(f"load average at start: {os.getloadavg()}")
        results = {
            name: workload(url, arguments.iterations) for name, url in (("mlflow", source), ("registry", target))
        }
        print(f"{'call':24} {'mlflow p50 ms':>14} {'registry p50 ms':>16} {'ratio':>7}")
        for call in CALLS:
            a = statistics.median(results["mlflow"][call]) * 1000
            b = statistics.median(results["registry"][call]) * 1000
            print(f"{call:24} {a:14.1f} {b:16.1f} {a / b:7.2f}")
        rates = {name: write_rate(url) for name, url in (("mlflow", source), ("registry", target))}
        print(
            f"8 concurrent clients, log_metric/s: mlflow {rates['mlflow']:.0f}, registry {rates['registry']:.0f}, "
            f"ratio {rates['registry'] / rates['mlflow']:.2f}"
        )
        log_artifact_at(source, arguments.artifact_mb)
        entities, elapsed, rate = asyncio.run(import_rate(source))
        print(f"import: {entities} entities in {elapsed:.1f}s = {entities / elapsed:.1f} entities/s")
        print(f"import artifacts: {arguments.artifact_mb} MB copied at {rate or 0:.1f} MB/s (sha256 verified)")
        print(f"load average at end: {os.getloadavg()}")
    finally:
        stop_group(registry)
        stop_group(mlflow_process)


if __name__ == "__main__":
    main()
