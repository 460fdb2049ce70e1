"""MLflow's proxied artifacts on the S3 artifact store (the suite's real S3-compatible server).

Uploads stream through the server into S3 under keys it chooses, the sha256 measured as the bytes
arrive (past one part, as a multipart upload); downloads and listings come back through the store.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import mlflow
import mlflow.sklearn
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from sklearn.linear_model import LogisticRegression

from graph_registry.settings import Settings
from graph_registry.storage.database import Database
from tests.artifacts.stores import s3_client, s3_settings
from tests.live_server import LiveServer
from tests.support.s3proxy import S3Server


@pytest.fixture(scope="module")
def s3_mlflow(
    neo4j_settings: Settings, database: Database, s3_server: S3Server, s3_bucket: str
) -> Iterator[LiveServer]:
    settings = s3_settings(neo4j_settings, s3_server, s3_bucket, auth=False, require_provenance=False)
    with LiveServer.serving(settings) as server:
        yield server


@pytest.fixture
def on_s3(s3_mlflow: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[MlflowClient]:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", s3_mlflow.url)
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", s3_mlflow.url)
    monkeypatch.delenv("MLFLOW_TRACKING_TOKEN", raising=False)
    mlflow.set_tracking_uri(s3_mlflow.url)
    mlflow.set_registry_uri(s3_mlflow.url)
    yield MlflowClient(tracking_uri=s3_mlflow.url, registry_uri=s3_mlflow.url)
    while mlflow.active_run() is not None:
        mlflow.end_run()
    mlflow.set_tracking_uri(None)
    mlflow.set_registry_uri(None)


def _read(path: str | Path) -> bytes:
    return Path(path).read_bytes()


def _keys(server: S3Server, bucket: str) -> set[str]:
    listed = s3_client(server).get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {item["Key"] for page in listed for item in page.get("Contents", [])}


async def test_uploads_downloads_and_listings_pass_through_s3(
    on_s3: MlflowClient,
    database: Database,
    s3_server: S3Server,
    s3_bucket: str,
    tmp_path: Path,
    unique: str,
) -> None:
    small = tmp_path / "notes.txt"
    small.write_text("trained on the November extract\n")
    big = tmp_path / "weights.bin"
    big.write_bytes(os.urandom(9 * 1024 * 1024 + 123))  # past one 8 MiB part: a multipart upload
    experiment = on_s3.create_experiment(f"s3 artifacts {unique}")
    run = on_s3.create_run(experiment)
    run_id = run.info.run_id
    before = _keys(s3_server, s3_bucket)
    on_s3.log_artifact(run_id, str(small))
    on_s3.log_artifact(run_id, str(big), artifact_path="data")

    listed = {(item.path, item.is_dir, item.file_size) for item in on_s3.list_artifacts(run_id)}
    assert listed == {("notes.txt", False, small.stat().st_size), ("data", True, None)}
    assert [(i.path, i.file_size) for i in on_s3.list_artifacts(run_id, "data")] == [
        ("data/weights.bin", big.stat().st_size)
    ]
    for path, local in (("notes.txt", small), ("data/weights.bin", big)):
        back = on_s3.download_artifacts(run_id, path, str(tmp_path / "back"))
        assert _read(back) == _read(local)
        [row] = await database.read("mlflow_artifact_file", owner=f"run:{run_id}", path=path)
        stored = row["file"]
        assert (stored["sha256"], stored["size"]) == (hashlib.sha256(_read(local)).hexdigest(), len(_read(local)))
    added = _keys(s3_server, s3_bucket) - before
    # Two objects under keys the server chose; nothing named after the client's paths, nothing staged left.
    assert len(added) == 2
    assert all(key.startswith(f"registry/mlflow/run-{run_id}/") for key in added), added
    assert not any("weights" in key or "notes" in key for key in added)


def test_a_traversing_path_writes_nothing_to_s3(
    s3_mlflow: LiveServer, on_s3: MlflowClient, s3_server: S3Server, s3_bucket: str, unique: str
) -> None:
    run = on_s3.create_run(on_s3.create_experiment(f"s3 traversal {unique}"))
    before = _keys(s3_server, s3_bucket)
    experiment = run.info.experiment_id
    for path in (f"{experiment}/{run.info.run_id}/artifacts/../../x", "../../etc/passwd"):
        response = httpx.put(f"{s3_mlflow.url}/api/2.0/mlflow-artifacts/artifacts/{path}", content=b"x", timeout=30)
        assert response.status_code in {400, 404}
        if response.status_code == 400:
            assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert _keys(s3_server, s3_bucket) == before


def test_a_logged_model_on_s3_registers_ready_and_loads(on_s3: MlflowClient, unique: str) -> None:
    rng = np.random.default_rng(7)
    features = pd.DataFrame(rng.normal(size=(60, 3)), columns=["a", "b", "c"])
    labels = (features["a"] > 0).astype(int).to_numpy()
    model = LogisticRegression().fit(features, labels)
    name = f"s3-model-{unique}"
    mlflow.set_experiment(f"s3 models {unique}")
    with mlflow.start_run():
        mlflow.sklearn.log_model(model, name="model", registered_model_name=name, input_example=features.head(2))
    version = on_s3.get_model_version(name, "1")
    assert version.status == "READY"
    loaded = mlflow.pyfunc.load_model(f"models:/{name}/1")
    assert list(loaded.predict(features)) == list(model.predict(features))
