"""Bad input to the MLflow API: a clear MLflow-shaped error, and nothing written."""

from __future__ import annotations

import math

import httpx
import mlflow
import pytest
from mlflow import MlflowClient

from tests.live_server import LiveServer

API = "/api/2.0/mlflow"
ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"


@pytest.fixture
def http(api: LiveServer) -> httpx.Client:
    with httpx.Client(base_url=api.url, timeout=60) as client:
        yield client


def _error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error_code"] == code, response.text


def test_refused_requests_write_nothing(http: httpx.Client, unique: str) -> None:
    name = f"bad {unique}"
    _error(http.post(f"{API}/experiments/create", json={"name": name, "bogus": 1}), 400, "INVALID_PARAMETER_VALUE")
    _error(http.get(f"{API}/experiments/get-by-name", params={"experiment_name": name}), 404, "RESOURCE_DOES_NOT_EXIST")
    _error(
        http.post(f"{API}/experiments/create", content=b"{not json", headers={"Content-Type": "application/json"}),
        400,
        "MALFORMED_REQUEST",
    )
    _error(http.post(f"{API}/experiments/create", json={"name": "x" * 2_000_000}), 413, "REQUEST_LIMIT_EXCEEDED")
    _error(http.get(f"{API}/no-such-endpoint"), 404, "ENDPOINT_NOT_FOUND")

    experiment = http.post(f"{API}/experiments/create", json={"name": name}).json()["experiment_id"]
    run = http.post(f"{API}/runs/create", json={"experiment_id": experiment}).json()["run"]["info"]["run_id"]
    too_many = [{"key": f"m{i}", "value": 1.0, "timestamp": 1, "step": 0} for i in range(1001)]
    _error(
        http.post(f"{API}/runs/log-batch", json={"run_id": run, "metrics": too_many}), 400, "INVALID_PARAMETER_VALUE"
    )
    half_bad = {"run_id": run, "params": [{"key": "ok", "value": "1"}], "metrics": [{"key": "../x", "value": 1.0}]}
    _error(http.post(f"{API}/runs/log-batch", json=half_bad), 400, "INVALID_PARAMETER_VALUE")
    stored = http.get(f"{API}/runs/get", params={"run_id": run}).json()["run"]["data"]
    assert stored.get("params", []) == [] and stored.get("metrics", []) == []
    _error(
        http.post(f"{API}/runs/search", json={"experiment_ids": [experiment], "filter": "metrics.x >"}),
        400,
        "INVALID_PARAMETER_VALUE",
    )


@pytest.mark.parametrize(
    "path",
    [
        "{exp}/{run}/artifacts/%2e%2e/%2e%2e/escape.txt",
        "{exp}/{run}/artifacts/a/%2e%2e/b.txt",
        "%2Fetc/passwd",
        "{exp}/{run}/artifacts/..%5C..%5Cwin.txt",
        "{exp}/{other}/artifacts/theirs.txt",
        "{exp}/models/m-{run}/artifacts/model.pkl",
    ],
)
def test_artifact_paths_cannot_escape(http: httpx.Client, unique: str, path: str) -> None:
    experiment = http.post(f"{API}/experiments/create", json={"name": f"paths {unique}"}).json()["experiment_id"]
    run = http.post(f"{API}/runs/create", json={"experiment_id": experiment}).json()["run"]["info"]["run_id"]
    other = "f" * 32
    target = f"{ARTIFACTS}/" + path.format(exp=experiment, run=run, other=other)
    response = http.put(target, content=b"payload")
    assert response.status_code in {400, 404}, response.text
    assert response.json()["error_code"] in {"INVALID_PARAMETER_VALUE", "RESOURCE_DOES_NOT_EXIST"}
    listed = http.get(ARTIFACTS, params={"path": f"{experiment}/{run}/artifacts"}).json()
    assert listed.get("files", []) == []


def test_artifacts_round_trip_with_their_sha256(
    tracking: MlflowClient, tmp_path: pytest.TempPathFactory, unique: str
) -> None:
    mlflow.set_experiment(f"artifacts {unique}")
    source = tmp_path / "notes"  # type: ignore[operator]
    source.mkdir()
    (source / "a.txt").write_text("alpha")
    (source / "sub").mkdir()
    (source / "sub" / "b.txt").write_text("beta")
    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(source), artifact_path="notes")
        mlflow.log_metric("odd", math.nan)
    listed = tracking.list_artifacts(run.info.run_id, "notes")
    assert [(f.path, f.is_dir) for f in listed] == [("notes/a.txt", False), ("notes/sub", True)]
    target = tmp_path / "back"  # type: ignore[operator]
    downloaded = mlflow.artifacts.download_artifacts(
        run_id=run.info.run_id, artifact_path="notes", dst_path=str(target)
    )
    assert (target / "notes" / "sub" / "b.txt").read_text() == "beta", downloaded
    history = tracking.get_metric_history(run.info.run_id, "odd")
    assert len(history) == 1 and math.isnan(history[0].value)
