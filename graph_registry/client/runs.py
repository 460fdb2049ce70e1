"""A training run as a context manager: params, inputs, commit and metrics, finished FAILED on exception.

    with registry.start_run("fraud-training", params={"lr": 0.1}) as run:
        run.log_input(train, role="training")
        ...
        run.log_metric("auc", 0.93)
        registry.register_model("fraud", artifact="model.pkl", run=run)

The run is recorded (RUNNING, visible to everyone) when the block starts, with
the params and inputs given to `start_run`; params and inputs logged later are
sent at once (`logRunParams`, `logRunInputs`), and metrics when the run
finishes. A run used outside a `with` block is recorded when first needed
(`run.run_id`, `start()`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any

from graph_registry.client import operations as ops
from graph_registry.client.git import GitState
from graph_registry.client.refs import dataset_ref
from graph_registry.client.transport import Transport
from graph_registry.client.types import DatasetVersion, Metric, Run, RunStatus, latest_values


class ActiveRun:
    def __init__(
        self,
        transport: Transport,
        experiment: str,
        *,
        name: str | None,
        params: Mapping[str, Any] | None,
        inputs: list[tuple[DatasetVersion | str | tuple[str, int], str]],
        git: GitState | None,
    ) -> None:
        self._transport = transport
        self.experiment = experiment
        self.name = name
        self.params: dict[str, str] = {key: str(value) for key, value in (params or {}).items()}
        self.git = git
        # Set by Registry.start_run when it looked for a git repository and found none.
        self.no_git_hint: str | None = None
        if git is not None:
            self.params.setdefault("git.dirty", str(git.dirty).lower())
        self._inputs = list(inputs)
        self.metrics: list[Metric] = []
        self.run: Run | None = None
        self._finished = False

    @property
    def run_id(self) -> str:
        """The registry's id of this run, recording the run first if it is not yet."""
        return self.start().run_id

    @property
    def dirty(self) -> bool:
        return self.git is not None and self.git.dirty

    def log_param(self, key: str, value: Any) -> None:
        self.log_params({key: value})

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Params are set once: the same value again changes nothing, another is a ConflictError."""
        added = {key: str(value) for key, value in params.items()}
        if self.run is not None:
            variables = {"runId": self.run.run_id, "params": [{"key": k, "value": v} for k, v in added.items()]}
            data = self._transport.execute(ops.LOG_RUN_PARAMS, variables, idempotent=True)
            self.run = Run.from_json(data["logRunParams"])
        self.params.update(added)

    def log_input(self, dataset_version: DatasetVersion | str | tuple[str, int], role: str = "training") -> None:
        """A dataset version the run used: an object from log_dataset, `name:version`, or (name, version)."""
        ref = dataset_ref(dataset_version)  # fails early on a malformed reference
        if self.run is not None:
            variables = {"runId": self.run.run_id, "inputs": [{"datasetVersion": ref, "role": role}]}
            data = self._transport.execute(ops.LOG_RUN_INPUTS, variables, idempotent=True)
            self.run = Run.from_json(data["logRunInputs"])
        self._inputs.append((dataset_version, role))

    def log_metric(self, key: str, value: float, step: int | None = None) -> None:
        self.metrics.append(Metric(key=key, value=float(value), step=step))

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        for key, value in metrics.items():
            self.log_metric(key, value, step)

    @property
    def metric_values(self) -> dict[str, float]:
        return latest_values(self.metrics)

    def start(self) -> Run:
        """Record the run (RUNNING) with its params, inputs and commit; once."""
        if self.run is None:
            run_input = {
                "experiment": self.experiment,
                "name": self.name,
                "params": [{"key": key, "value": value} for key, value in self.params.items()],
                "commit": self.git.commit.to_input() if self.git else None,
                "inputs": [{"datasetVersion": dataset_ref(ref), "role": role} for ref, role in self._inputs],
            }
            data = self._transport.execute(ops.START_RUN, {"input": run_input}, idempotent=False)
            self.run = Run.from_json(data["startRun"])
        return self.run

    def finish(self, status: RunStatus = RunStatus.FINISHED) -> Run:
        """End the run with its metrics; a second call returns the finished run."""
        run = self.start()
        if self._finished:
            return run
        metrics = [{"key": m.key, "value": m.value, "step": m.step} for m in self.metrics]
        data = self._transport.execute(
            ops.FINISH_RUN,
            {"runId": run.run_id, "status": status.value, "metrics": metrics},
            idempotent=False,
        )
        self.run = Run.from_json(data["finishRun"])
        self._finished = True
        return self.run

    def __enter__(self) -> ActiveRun:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if not self._finished:
            self.finish(RunStatus.FINISHED if error is None else RunStatus.FAILED)
