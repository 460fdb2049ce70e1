from __future__ import annotations

import mlflow
from mlflow import MlflowClient


def test_a_run_is_recorded(tracking: MlflowClient, unique: str) -> None:
    mlflow.set_experiment(f"smoke {unique}")
    with mlflow.start_run() as run:
        mlflow.log_param("lr", "0.1")
        for step in range(3):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
    stored = tracking.get_run(run.info.run_id)
    assert stored.data.params == {"lr": "0.1"}
    assert [m.value for m in tracking.get_metric_history(run.info.run_id, "loss")] == [1.0, 0.5, 1 / 3]
    assert stored.info.status == "FINISHED"
