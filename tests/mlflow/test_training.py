"""A data scientist's unchanged MLflow training script, pointed at graph-registry.

Params, stepped metrics, `log_input`, the git tags, `mlflow.sklearn.log_model(...,
registered_model_name=...)` twice, then aliases, tags, descriptions, stages, latest versions,
searches and `pyfunc.load_model("models:/<name>@<alias>")`; then the same version's lineage read
back through GraphQL.
"""

from __future__ import annotations

from typing import Any

import httpx
import mlflow
import mlflow.sklearn
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from sklearn.linear_model import LogisticRegression

from tests.live_server import LiveServer

SHA = "0123456789abcdef0123456789abcdef01234567"
REPO = "https://github.com/example/fraud.git"


def _data(seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    features = pd.DataFrame(rng.normal(size=(120, 4)), columns=["a", "b", "c", "d"])
    labels = (features["a"] + features["b"] * 0.5 > 0).astype(int).to_numpy()
    return features, labels


def _train(experiment: str, model_name: str, *, seed: int, c: float) -> tuple[str, LogisticRegression, pd.DataFrame]:
    features, labels = _data(seed)
    mlflow.set_experiment(experiment)
    tags = {"mlflow.source.git.commit": SHA, "mlflow.source.git.repoURL": REPO, "mlflow.source.git.branch": "main"}
    with mlflow.start_run(tags=tags) as run:
        mlflow.log_params({"C": str(c), "seed": str(seed)})
        for step in range(5):
            mlflow.log_metric("loss", 1.0 / (step + 1) + c, step=step)
        table = features.assign(label=labels)
        dataset = mlflow.data.from_pandas(table, source="s3://data/fraud.parquet", name="fraud-train", targets="label")
        mlflow.log_input(dataset, context="training")
        model = LogisticRegression(C=c).fit(features, labels)
        mlflow.log_metric("accuracy", float(model.score(features, labels)))
        mlflow.sklearn.log_model(model, name="model", registered_model_name=model_name, input_example=features.head(2))
    return run.info.run_id, model, features


def _graphql(api: LiveServer, query: str, **variables: Any) -> dict[str, Any]:
    response = httpx.post(f"{api.url}/graphql", json={"query": query, "variables": variables}, timeout=60)
    body = response.json()
    assert not body.get("errors"), body
    result: dict[str, Any] = body["data"]
    return result


LINEAGE = """
query($model: String!, $version: Int!) {
  modelVersion(model: $model, version: $version) {
    version stage aliases
    artifact { sha256 status }
    metrics { key value }
    packages { name version }
    producedBy { runId status params { key value } experiment { name } }
    trainedOn { digest uri dataset { name } }
    commit { repo sha branch }
  }
}
"""


def test_training_script_records_into_the_graph(tracking: MlflowClient, api: LiveServer, unique: str) -> None:
    experiment, name = f"fraud/{unique} training", f"fraud-{unique}"
    first_run, _, _ = _train(experiment, name, seed=1, c=0.5)
    second_run, model, features = _train(experiment, name, seed=2, c=1.5)

    versions = sorted(tracking.search_model_versions(f"name = '{name}'"), key=lambda v: int(v.version))
    assert [(v.version, v.run_id, v.status) for v in versions] == [
        ("1", first_run, "READY"),
        ("2", second_run, "READY"),
    ]

    # Aliases: set, moved, deleted.
    tracking.set_registered_model_alias(name, "champion", "1")
    tracking.set_registered_model_alias(name, "champion", "2")
    tracking.set_registered_model_alias(name, "challenger", "1")
    assert tracking.get_model_version_by_alias(name, "champion").version == "2"
    tracking.delete_registered_model_alias(name, "challenger")
    assert tracking.get_registered_model(name).aliases == {"champion": "2"}
    with pytest.raises(MlflowException) as missing_alias:
        tracking.get_model_version_by_alias(name, "challenger")
    assert missing_alias.value.error_code == "RESOURCE_DOES_NOT_EXIST"

    # Tags and descriptions.
    tracking.set_registered_model_tag(name, "team", "fraud")
    tracking.update_registered_model(name, description="Fraud scoring")
    tracking.set_model_version_tag(name, "2", "validated", "yes")
    tracking.update_model_version(name, "2", description="retrained with C=1.5")
    registered = tracking.get_registered_model(name)
    assert (registered.tags, registered.description) == ({"team": "fraud"}, "Fraud scoring")
    second = tracking.get_model_version(name, "2")
    assert (second.tags, second.description) == ({"validated": "yes"}, "retrained with C=1.5")
    tracking.delete_registered_model_tag(name, "team")
    assert tracking.get_registered_model(name).tags == {}

    # Stages: one Production at a time, whatever archive_existing_versions says.
    tracking.transition_model_version_stage(name, "1", "Production")
    tracking.transition_model_version_stage(name, "2", "Staging")
    assert [v.version for v in tracking.get_latest_versions(name, stages=["Production"])] == ["1"]
    tracking.transition_model_version_stage(name, "2", "Production", archive_existing_versions=False)
    stages = {v.version: v.current_stage for v in tracking.search_model_versions(f"name = '{name}'")}
    assert stages == {"1": "Archived", "2": "Production"}
    assert {v.current_stage for v in tracking.get_latest_versions(name)} == {"Archived", "Production"}

    # Loading by alias, number and stage predicts what the trained model predicts.
    expected = model.predict(features)
    for uri in (f"models:/{name}@champion", f"models:/{name}/2", f"models:/{name}/Production"):
        loaded = mlflow.pyfunc.load_model(uri)
        assert np.array_equal(np.asarray(loaded.predict(features)), expected), uri

    # The MLflow run, read back through MLflow.
    run = tracking.get_run(second_run)
    assert run.data.params == {"C": "1.5", "seed": "2"}
    history = tracking.get_metric_history(second_run, "loss")
    assert [m.step for m in history] == [0, 1, 2, 3, 4], [(m.step, m.value, m.timestamp, m.model_id) for m in history]
    assert run.inputs.dataset_inputs[0].dataset.name == "fraud-train"

    # ... and the same version's lineage through GraphQL.
    version = _graphql(api, LINEAGE, model=name, version=2)["modelVersion"]
    assert version["stage"] == "PRODUCTION" and version["aliases"] == ["champion"]
    assert version["artifact"]["status"] == "READY"
    assert version["producedBy"]["runId"] == second_run
    assert version["producedBy"]["status"] == "FINISHED"
    assert {p["key"]: p["value"] for p in version["producedBy"]["params"]} == {"C": "1.5", "seed": "2"}
    assert version["producedBy"]["experiment"]["name"] == experiment
    digest = run.inputs.dataset_inputs[0].dataset.digest
    assert version["trainedOn"] == [
        {"digest": f"mlflow:{digest}", "uri": "s3://data/fraud.parquet", "dataset": {"name": "fraud-train"}}
    ]
    assert version["commit"] == {"repo": REPO, "sha": SHA, "branch": "main"}
    assert "accuracy" in {m["key"] for m in version["metrics"]}
    assert "scikit-learn" in {p["name"] for p in version["packages"]}
