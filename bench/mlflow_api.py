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
import functools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
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


class Rounds:
    """The workload's rounds against one server: its experiment, registered model and dataset made once,
    then `round(index)` logs a run and registers a version (round 0 warms caches, connections and
    plans: not timed)."""

    def __init__(self, url: str) -> None:
        self.client = MlflowClient(tracking_uri=url, registry_uri=url)
        self.url = url
        self.timings: dict[str, list[float]] = {name: [] for name in CALLS}
        unique = uuid.uuid4().hex[:8]
        self.experiment = self.client.create_experiment(f"bench-{unique}")
        self.model = f"bench-{unique}"
        self.client.create_registered_model(self.model)
        self.dataset = mlflow.data.from_numpy(
            np.arange(40.0).reshape(10, 4), source="s3://bench/data", name="bench-data"
        )

    def _timed(self, index: int, name: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        result = call(*args, **kwargs)
        if index > 0:
            self.timings[name].append(time.perf_counter() - start)
        return result

    def round(self, index: int) -> None:
        client, timed = self.client, functools.partial(self._timed, index)
        mlflow.set_tracking_uri(self.url)
        run_id = timed("create_run", client.create_run, self.experiment).info.run_id
        params = [mlflow.entities.Param(f"p{i}", str(i)) for i in range(3)]
        timed("log_batch", client.log_batch, run_id, params=params)
        for step in range(5):
            timed("log_metric", client.log_metric, run_id, "loss", 1.0 / (step + 1), step=step)
        timed("log_input", client.log_inputs, run_id, [self.input()])
        version = timed(
            "create_model_version", client.create_model_version, self.model, f"runs:/{run_id}/model", run_id=run_id
        )
        timed("set_alias", client.set_registered_model_alias, self.model, "champion", version.version)
        timed("get_by_alias", client.get_model_version_by_alias, self.model, "champion")
        timed("download_uri", client.get_model_version_download_uri, self.model, version.version)
        timed("search_runs", client.search_runs, [self.experiment], "metrics.loss < 0.5", max_results=10)
        timed("search_versions", client.search_model_versions, f"name = '{self.model}'", max_results=10)
        timed("end_run", client.set_terminated, run_id)

    def input(self) -> mlflow.entities.DatasetInput:
        return mlflow.entities.DatasetInput(self.dataset._to_mlflow_entity(), [])

    def repeat(self, call: str) -> Callable[[int], None]:
        """One call of the workload, to repeat back to back (for a profile): on one run of its own."""
        client = self.client
        run_id = client.create_run(self.experiment).info.run_id
        calls: dict[str, Callable[[int], Any]] = {
            "create_model_version": lambda i: client.create_model_version(
                self.model, f"runs:/{run_id}/model", run_id=run_id
            ),
            "log_input": lambda i: client.log_inputs(run_id, [self.input()]),
            "log_metric": lambda i: client.log_metric(run_id, "loss", 1.0 / (i + 1), step=i),
            "log_param": lambda i: client.log_param(run_id, f"p{i}", str(i)),
            "set_tag": lambda i: client.set_tag(run_id, f"t{i % 50}", str(i)),
        }
        return calls[call]


@dataclass(frozen=True, slots=True)
class Rate:
    """8 clients logging metrics at once: writes/s, and the CPU ms per write of the server and the client."""

    writes_per_second: float
    server_ms: float
    client_ms: float
    neo4j_ms: float | None


def write_rate(url: str, pid: int, neo4j: int | None, *, clients: int = 8, each: int = 40) -> Rate:
    """`neo4j`: the pid of the registry's Neo4j, whose CPU per write is measured too (MLflow's SQLite
    runs inside its server)."""
    client = MlflowClient(tracking_uri=url)
    experiment = client.create_experiment(f"bench-rate-{uuid.uuid4().hex[:8]}")
    runs = [client.create_run(experiment).info.run_id for _ in range(clients)]

    def log(run_id: str) -> None:
        own = MlflowClient(tracking_uri=url)
        for step in range(each):
            own.log_metric(run_id, "rate", float(step), step=step)

    threads = [threading.Thread(target=log, args=(run_id,)) for run_id in runs]
    server, own, start = _tree_cpu(pid), time.process_time(), time.perf_counter()
    database = _tree_cpu(neo4j) if neo4j is not None else 0.0
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writes = clients * each
    return Rate(
        writes_per_second=writes / (time.perf_counter() - start),
        server_ms=1000 * (_tree_cpu(pid) - server) / writes,
        client_ms=1000 * (time.process_time() - own) / writes,
        neo4j_ms=1000 * (_tree_cpu(neo4j) - database) / writes if neo4j is not None else None,
    )


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


def _worker_pid(process: subprocess.Popen[bytes]) -> int:
    """The uvicorn process that answers (serve with one worker may run it in the parent itself)."""
    import psutil  # type: ignore[import-untyped]  # the bench extra

    parent = psutil.Process(process.pid)
    children = [child for child in parent.children(recursive=True) if "python" in child.name().lower()]
    return int(children[-1].pid if children else parent.pid)


def profile(process: subprocess.Popen[bytes], repeat: Callable[[int], None], out: Path, seconds: int) -> int:
    """A py-spy flame graph of the API worker while one client repeats a call back to back; the calls made."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [spy, "record", "--pid", str(_worker_pid(process)), "--duration", str(seconds), "--rate", "250"]
    recorder = subprocess.Popen(
        [*command, "--format", "flamegraph", "--output", str(out), "--nonblocking"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    count, deadline = 0, time.monotonic() + seconds + 30
    while recorder.poll() is None and time.monotonic() < deadline:
        repeat(count)
        count += 1
    _, error = recorder.communicate(timeout=60)
    if recorder.returncode != 0:
        raise RuntimeError(f"py-spy failed: {error.decode(errors='replace')[-2000:]}")
    return count


def _tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its children so far."""
    import psutil  # type: ignore[import-untyped]  # the bench extra

    root = psutil.Process(pid)
    total = 0.0
    for member in [root, *root.children(recursive=True)]:
        times = member.cpu_times()
        total += times.user + times.system
    return total


def cpu_per_call(pid: int, repeat: Callable[[int], None], calls: int) -> tuple[float, float, float]:
    """One client repeating a call back to back: the server's CPU ms per call (its process tree), the
    client's own CPU ms per call, and the wall ms per call."""
    for index in range(5):
        repeat(index)
    server, client, wall = _tree_cpu(pid), time.process_time(), time.perf_counter()
    for index in range(5, 5 + calls):
        repeat(index)
    return tuple(  # type: ignore[return-value]
        1000 * value / calls
        for value in (_tree_cpu(pid) - server, time.process_time() - client, time.perf_counter() - wall)
    )


def _serve(name: str, home: Path, env: dict[str, str], source: Path | None) -> tuple[subprocess.Popen[bytes], str]:
    """`graph-registry serve` (one worker) on a free port; `source`: a tree to import graph_registry from
    (a `git archive` of an earlier commit, served beside this tree's against the same Neo4j)."""
    port = free_port()
    served = dict(env, GRAPH_REGISTRY_LOAD_DEMO="false", GRAPH_REGISTRY_ARTIFACTS_DIR=str(home / f"{name}-artifacts"))
    if source is not None:
        served["PYTHONPATH"] = str(source.resolve())
    url = f"http://127.0.0.1:{port}"
    command = [str(ROOT / ".venv/bin/graph-registry"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    return _start(command, served, f"{url}/readyz", home / f"{name}.log"), url


SHORT = {"create_model_version": "cmv", "log_input": "log-input", "log_metric": "log-metric"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--artifact-mb", type=int, default=64)
    parser.add_argument(
        "--before", type=Path, help="also serve this source tree (git archive of a commit): before/after in one run"
    )
    parser.add_argument("--after", type=Path, help="with --before: the tree of the 'after' side (default: this one)")
    parser.add_argument("--rate-repeats", type=int, default=1, help="8-client write rate runs per system (median)")
    parser.add_argument("--profile", nargs="*", default=[], help="calls to py-spy on each registry server")
    parser.add_argument("--profile-seconds", type=int, default=20)
    parser.add_argument("--cpu", nargs="*", default=[], help="calls whose server and client CPU per call to measure")
    parser.add_argument("--cpu-calls", type=int, default=200)
    parser.add_argument("--label", default="", help="suffix of the flame graphs' names (bench/profiles/)")
    parser.add_argument("--skip-import", action="store_true")
    arguments = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-mlflow-"))
    env = dict(os.environ)
    mlflow_home = home / "mlflow"
    mlflow_home.mkdir()
    mlflow_process, source = mlflow_server.start(ROOT / ".venv-mlflow-server/bin/mlflow", mlflow_home, free_port())
    servers: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
    try:
        if arguments.before is not None:
            servers["before"] = _serve("before", home, env, arguments.before)
            servers["after"] = _serve("after", home, env, arguments.after)
        else:
            servers["registry"] = _serve("registry", home, env, None)
        urls = {"mlflow": source, **{name: url for name, (_, url) in servers.items()}}
        names = list(urls)
        print(f"load average at start: {os.getloadavg()}", flush=True)
        rounds = {name: Rounds(url) for name, url in urls.items()}
        # Interleaved: every round asks each system in turn (the order rotating), so a load swing
        # hits them alike.
        for index in range(arguments.iterations):
            shift = index % len(names)
            for name in names[shift:] + names[:shift]:
                rounds[name].round(index)
        p50 = {name: {call: statistics.median(r.timings[call]) * 1000 for call in CALLS} for name, r in rounds.items()}
        others = [name for name in names if name != "mlflow"]
        print(f"{'call (p50 ms)':24} {'mlflow':>9}" + "".join(f" {name:>9} {'ratio':>6}" for name in others))
        for call in CALLS:
            line = f"{call:24} {p50['mlflow'][call]:9.1f}"
            for name in others:
                line += f" {p50[name][call]:9.1f} {p50['mlflow'][call] / p50[name][call]:6.2f}"
            print(line)
        pids = {"mlflow": mlflow_process.pid, **{name: process.pid for name, (process, _) in servers.items()}}
        neo4j_pid = bootstrap.local_neo4j(Settings()).status().pid
        rates: dict[str, list[Rate]] = {name: [] for name in names}
        for repeat in range(arguments.rate_repeats):
            shift = repeat % len(names)
            for name in names[shift:] + names[:shift]:
                rates[name].append(write_rate(urls[name], pids[name], None if name == "mlflow" else neo4j_pid))
        rate = {name: statistics.median(r.writes_per_second for r in values) for name, values in rates.items()}
        print(f"8 concurrent clients logging metrics (median of {arguments.rate_repeats}), load {os.getloadavg()}:")
        for name in names:
            values = rates[name]
            print(
                f"  {name}: {rate[name]:.0f} writes/s {[round(r.writes_per_second) for r in values]}, ratio "
                f"{rate[name] / rate['mlflow']:.2f}; server CPU {statistics.median(r.server_ms for r in values):.2f} "
                f"ms/write, client CPU {statistics.median(r.client_ms for r in values):.2f} ms/write"
                + (
                    f", Neo4j CPU {statistics.median(r.neo4j_ms for r in values if r.neo4j_ms is not None):.2f} ms/write"
                    if name != "mlflow"
                    else ""
                ),
                flush=True,
            )
        for call in arguments.cpu:
            for name in names:
                server_ms, client_ms, wall_ms = cpu_per_call(pids[name], rounds[name].repeat(call), arguments.cpu_calls)
                print(
                    f"{call} on {name}: server CPU {server_ms:.2f} ms/call, client CPU {client_ms:.2f} ms/call, "
                    f"wall {wall_ms:.2f} ms/call ({arguments.cpu_calls} calls) [load {os.getloadavg()[0]:.1f}]",
                    flush=True,
                )
        for call in arguments.profile:
            for name in others:
                suffix = f"-{arguments.label}" if arguments.label else ""
                out = ROOT / "bench" / "profiles" / f"mlflow-{SHORT.get(call, call)}{suffix}-{name}.svg"
                count = profile(servers[name][0], rounds[name].repeat(call), out, arguments.profile_seconds)
                print(f"profile {call} on {name}: {count} calls in ~{arguments.profile_seconds}s -> {out}", flush=True)
        if not arguments.skip_import:
            log_artifact_at(source, arguments.artifact_mb)
            entities, elapsed, import_rate_mb = asyncio.run(import_rate(source))
            print(f"import: {entities} entities in {elapsed:.1f}s = {entities / elapsed:.1f} entities/s")
            print(
                f"import artifacts: {arguments.artifact_mb} MB copied at {import_rate_mb or 0:.1f} MB/s (sha256 verified)"
            )
        print(f"load average at end: {os.getloadavg()}")
    finally:
        for process, _ in servers.values():
            stop_group(process)
        stop_group(mlflow_process)


if __name__ == "__main__":
    main()
