"""MLflow 3 beside graph-registry: its own venv, `mlflow server` on SQLite, the workload through REST.

MLflow is used as a client would use it, through its REST API (/api/2.0/mlflow),
with the fewest calls each question needs:

- register a version with lineage: runs/create (commit as the mlflow.source.git.*
  tags), runs/log-inputs (2 datasets, context = role), model-versions/create.
- alias: registered-models/alias.
- champion's data and commit: registered-models/alias, then runs/get.
- champions trained on Y: experiments/search (the run search needs experiment
  ids), runs/search `dataset.digest = Y`, model-versions/search `run_id IN`,
  registered-models/search `name IN` (model-version search does not return aliases).
- through derived data: MLflow has no dataset-to-dataset link, so a derivation is
  an ETL run whose input is the parent and whose tags name the output; each hop
  is one runs/search over the digests reached so far (it returns both the
  training runs that used them and the ETL runs that derived from them).
- listing: model-versions/search `name LIKE '%fraud%' AND tags.team = 'team-1'`.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.http_client import Http
from bench.processes import free_port, send_with_retries, stop_group, wait_http
from bench.workload import (
    LISTING_PAGE,
    LISTING_TAG,
    LISTING_TASK,
    DatasetKey,
    DatasetVersionSpec,
    ModelVersionSpec,
    Workload,
)

MLFLOW_REQUIREMENT = "mlflow>=3,<4"
# The MLflow server (a child: it inherits this environment) and client send no usage telemetry.
os.environ.update(MLFLOW_DISABLE_TELEMETRY="true", DO_NOT_TRACK="true")
ETL_EXPERIMENT = "etl"
MAX_HOPS = 30
RETRIES = 6


def mlflow_digest(spec: DatasetVersionSpec) -> str:
    """MLflow caps dataset digests at 36 characters: the first 32 hex digits of the sha256."""
    return spec.digest.removeprefix("sha256:")[:32]


def ensure_venv(venv: Path) -> Path:
    """A venv holding MLflow from PyPI, created on first use; returns its `mlflow` executable."""
    mlflow = venv / "bin" / "mlflow"
    if not mlflow.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        subprocess.run([*pip, "--upgrade", "pip"], check=True)
        subprocess.run([*pip, MLFLOW_REQUIREMENT], check=True)
    return mlflow


def mlflow_version(venv: Path) -> str:
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import mlflow; print(mlflow.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


@dataclass
class MlflowServer:
    """`mlflow server` with a SQLite backend on 127.0.0.1, started in its own process group."""

    process: subprocess.Popen[bytes]
    url: str
    state: Path

    @classmethod
    def start(cls, venv: Path, state: Path, *, workers: int = 4, timeout: float = 120.0) -> MlflowServer:
        mlflow = ensure_venv(venv)
        state.mkdir(parents=True, exist_ok=True)
        port = free_port()
        log = state / "server.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    str(mlflow),
                    "server",
                    "--backend-store-uri",
                    f"sqlite:///{state / 'mlflow.db'}",
                    "--default-artifact-root",
                    str(state / "artifacts"),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--workers",
                    str(workers),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=state,
                start_new_session=True,
            )
        server = cls(process=process, url=f"http://127.0.0.1:{port}", state=state)
        try:
            wait_http(f"{server.url}/health", process, timeout=timeout, log=log)
        except BaseException:
            server.stop()
            raise
        return server

    def stop(self) -> None:
        stop_group(self.process)

    @property
    def database(self) -> Path:
        return self.state / "mlflow.db"


class MlflowError(RuntimeError):
    pass


def _tags(pairs: dict[str, str]) -> list[dict[str, str]]:
    return [{"key": key, "value": value} for key, value in pairs.items()]


def _quoted(values: Sequence[str]) -> str:
    return "(" + ", ".join("'" + value.replace("'", "''") + "'" for value in values) + ")"


class MlflowSide:
    """The workload and the questions, through MLflow's REST API; counts the calls it makes."""

    name = "mlflow"

    def __init__(self, http: Http, workload: Workload) -> None:
        self._http = http
        self.workload = workload
        self.calls = 0
        self.retries = 0
        self._experiments: dict[str, str] = {}
        self._by_digest = {mlflow_digest(spec): spec.key for spec in workload.dataset_versions}
        self._new = workload.new_versions(10_000)
        self._registered: set[str] = set()

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        self.calls += 1
        url = f"/api/2.0/mlflow/{path}"
        for attempt in range(RETRIES):
            if method == "GET":
                response = await send_with_retries(lambda: self._http.get(url, params=body))
            else:
                response = await send_with_retries(lambda: self._http.post(url, json=body))
            # SQLite allows one writer: concurrent loads may see "database is locked"; and two runs logging
            # the same new dataset at once race on its unique key (IntegrityError). Both writes rolled back.
            transient = response.status_code >= 500 or "IntegrityError" in response.text
            if transient and attempt + 1 < RETRIES:
                self.retries += 1
                await asyncio.sleep(0.05 * 2**attempt)
                continue
            if response.status_code != 200:
                raise MlflowError(f"{method} {path}: {response.status_code} {response.text[:300]}")
            result: dict[str, Any] = response.json()
            return result
        raise AssertionError("unreachable")

    async def _get(self, path: str, **params: Any) -> dict[str, Any]:
        return await self._call("GET", path, params)

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self._call("POST", path, body)

    # Loading -------------------------------------------------------------------------------

    async def load(self, *, concurrency: int = 4) -> None:
        w = self.workload
        for name in [*w.experiments, ETL_EXPERIMENT, "train-register"]:
            created = await self._post("experiments/create", {"name": name})
            self._experiments[name] = created["experiment_id"]
        gate = asyncio.Semaphore(concurrency)

        async def bounded(work: Awaitable[None]) -> None:
            async with gate:
                await work

        derived = [spec for spec in w.dataset_versions if spec.derived_from is not None]
        await asyncio.gather(*(bounded(self._etl_run(spec)) for spec in derived))
        await asyncio.gather(*(bounded(self._create_model(model.name, model.team)) for model in w.models))
        by_model: dict[str, list[ModelVersionSpec]] = {}
        for spec in w.model_versions:
            by_model.setdefault(spec.model, []).append(spec)

        async def versions_of(name: str) -> None:
            for spec in by_model[name]:
                version = await self._register(spec)
                if version != spec.version:
                    raise MlflowError(f"{name}: MLflow allocated version {version}, expected {spec.version}")
            for alias, number in next(m for m in w.models if m.name == name).aliases:
                await self._post("registered-models/alias", {"name": name, "alias": alias, "version": str(number)})

        await asyncio.gather(*(bounded(versions_of(name)) for name in by_model))

    async def attach(self) -> None:
        """Pick up a server loaded by an earlier run (--reuse): experiment ids and registered models."""
        found = await self._post("experiments/search", {"max_results": 1000})
        self._experiments = {item["name"]: item["experiment_id"] for item in found["experiments"]}
        for name in {spec.model for spec in self._new}:
            try:
                await self._get("registered-models/get", name=name)
                self._registered.add(name)
            except MlflowError:
                pass

    async def _etl_run(self, spec: DatasetVersionSpec) -> None:
        assert spec.derived_from is not None
        parent = self.workload.dataset_version(spec.derived_from)
        run = await self._post(
            "runs/create",
            {
                "experiment_id": self._experiments[ETL_EXPERIMENT],
                "run_name": f"derive-{spec.dataset}-v{spec.version}",
                "start_time": int(time.time() * 1000),
                "tags": _tags({"output.dataset": spec.dataset, "output.digest": mlflow_digest(spec)}),
            },
        )
        await self._log_inputs(run["run"]["info"]["run_id"], [(parent, "source")])

    async def _create_model(self, name: str, team: str) -> None:
        await self._post("registered-models/create", {"name": name, "tags": _tags({"team": team})})
        self._registered.add(name)

    async def _log_inputs(self, run_id: str, inputs: list[tuple[DatasetVersionSpec, str]]) -> None:
        datasets = [
            {
                "dataset": {
                    "name": spec.dataset,
                    "digest": mlflow_digest(spec),
                    "source_type": "s3",
                    "source": json.dumps({"uri": spec.uri}),
                    "profile": json.dumps({"num_rows": spec.row_count}),
                },
                "tags": [{"key": "mlflow.data.context", "value": role}],
            }
            for spec, role in inputs
        ]
        await self._post("runs/log-inputs", {"run_id": run_id, "datasets": datasets})

    async def _register(self, spec: ModelVersionSpec) -> int:
        """The register question: a run with its commit, its two inputs, then the model version."""
        experiment = self._experiments.get(spec.experiment)
        if experiment is None:
            experiment = (await self._post("experiments/create", {"name": spec.experiment}))["experiment_id"]
            self._experiments[spec.experiment] = experiment
        run = await self._post(
            "runs/create",
            {
                "experiment_id": experiment,
                "start_time": int(time.time() * 1000),
                "tags": _tags(
                    {
                        "mlflow.source.git.commit": spec.commit.sha,
                        "mlflow.source.git.repoURL": spec.commit.repo,
                        "mlflow.source.git.branch": spec.commit.branch,
                    }
                ),
            },
        )
        run_id = run["run"]["info"]["run_id"]
        inputs = [(self.workload.dataset_version(used.key), used.role) for used in spec.inputs]
        await self._log_inputs(run_id, inputs)
        created = await self._post(
            "model-versions/create",
            {
                "name": spec.model,
                "source": f"runs:/{run_id}/model",
                "run_id": run_id,
                "tags": _tags({"team": spec.team}),
            },
        )
        return int(created["model_version"]["version"])

    # Questions -----------------------------------------------------------------------------

    async def prepare_register(self) -> None:
        """The register question's models exist before it is timed (each question is one version)."""
        for name in sorted({spec.model for spec in self._new}):
            if name not in self._registered:
                await self._create_model(name, "team-0")
        self.calls = 0

    async def register(self, index: int) -> int:
        return await self._register(self._new[index])

    async def alias(self, model: str) -> int:
        found = await self._get("registered-models/alias", name=model, alias="champion")
        return int(found["model_version"]["version"])

    async def champion_lineage(self, model: str) -> tuple[frozenset[DatasetKey], str]:
        found = await self._get("registered-models/alias", name=model, alias="champion")
        run = (await self._get("runs/get", run_id=found["model_version"]["run_id"]))["run"]
        data = frozenset(self._by_digest[item["dataset"]["digest"]] for item in run["inputs"]["dataset_inputs"])
        tags = {tag["key"]: tag["value"] for tag in run["data"]["tags"]}
        return data, tags["mlflow.source.git.commit"]

    async def impact(self, key: DatasetKey, hops: int | None) -> frozenset[tuple[str, int]]:
        experiments = await self._post("experiments/search", {"max_results": 1000})
        ids = [item["experiment_id"] for item in experiments["experiments"]]
        frontier = [mlflow_digest(self.workload.dataset_version(key))]
        seen = set(frontier)
        training_runs: set[str] = set()
        depth = 0
        while frontier and depth <= (MAX_HOPS if hops is None else hops):
            runs = await self._search_runs(ids, f"dataset.digest IN {_quoted(frontier)}")
            next_frontier = []
            for run in runs:
                tags = {tag["key"]: tag["value"] for tag in run["data"].get("tags", [])}
                output = tags.get("output.digest")
                if output is None:
                    training_runs.add(run["info"]["run_id"])
                elif output not in seen:
                    seen.add(output)
                    next_frontier.append(output)
            frontier = next_frontier
            depth += 1
        if not training_runs:
            return frozenset()
        versions = await self._search_versions(f"run_id IN {_quoted(sorted(training_runs))}")
        candidates = {(item["name"], int(item["version"])) for item in versions}
        models = sorted({name for name, _ in candidates})
        registered = await self._get("registered-models/search", filter=f"name IN {_quoted(models)}", max_results=1000)
        champions = {
            (model["name"], int(alias["version"]))
            for model in registered.get("registered_models", [])
            for alias in model.get("aliases", [])
            if alias["alias"] == "champion"
        }
        return frozenset(candidates & champions)

    async def listing(self) -> list[tuple[str, int]]:
        found = await self._get(
            "model-versions/search",
            filter=f"name LIKE '%{LISTING_TASK}%' AND tags.{LISTING_TAG[0]} = '{LISTING_TAG[1]}'",
            max_results=LISTING_PAGE,
        )
        return [(item["name"], int(item["version"])) for item in found.get("model_versions", [])]

    async def _search_runs(self, experiment_ids: list[str], filter_string: str) -> list[dict[str, Any]]:
        runs: list[dict[str, Any]] = []
        token = None
        for _ in range(100):
            body: dict[str, Any] = {"experiment_ids": experiment_ids, "filter": filter_string, "max_results": 1000}
            if token:
                body["page_token"] = token
            page = await self._post("runs/search", body)
            runs.extend(page.get("runs", []))
            token = page.get("next_page_token")
            if not token:
                break
        return runs

    async def _search_versions(self, filter_string: str) -> list[dict[str, Any]]:
        found = await self._get("model-versions/search", filter=filter_string, max_results=10_000)
        versions: list[dict[str, Any]] = found.get("model_versions", [])
        return versions

    def questions(self) -> dict[str, Callable[[int], Awaitable[object]]]:
        aliases = self.workload.alias_targets()
        targets = self.workload.impact_targets()
        return {
            "register": self.register,
            "alias": lambda i: self.alias(aliases[i % len(aliases)]),
            "champion_lineage": lambda i: self.champion_lineage(aliases[i % len(aliases)]),
            "impact_direct": lambda i: self.impact(targets[i % len(targets)], 0),
            "impact_3_hops": lambda i: self.impact(targets[i % len(targets)], 3),
            "impact_any": lambda i: self.impact(targets[i % len(targets)], None),
            "listing": lambda i: self.listing(),
        }
