"""The model registry through the stock client: errors in MLflow's codes, searches and paging,
concurrent version creation."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import mlflow
import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException


def _code(error: pytest.ExceptionInfo[MlflowException]) -> str:
    return error.value.error_code


def test_missing_and_duplicate_objects_have_mlflow_codes(tracking: MlflowClient, unique: str) -> None:
    name = f"errors-{unique}"
    tracking.create_registered_model(name)
    with pytest.raises(MlflowException) as duplicate:
        tracking.create_registered_model(name)
    assert _code(duplicate) == "RESOURCE_ALREADY_EXISTS"
    with pytest.raises(MlflowException) as missing_model:
        tracking.get_registered_model(f"absent-{unique}")
    assert _code(missing_model) == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException) as missing_version:
        tracking.get_model_version(name, "7")
    assert _code(missing_version) == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException) as missing_run:
        tracking.get_run("0" * 32)
    assert _code(missing_run) == "RESOURCE_DOES_NOT_EXIST"
    experiment = tracking.create_experiment(f"errors {unique}")
    with pytest.raises(MlflowException) as duplicate_experiment:
        tracking.create_experiment(f"errors {unique}")
    assert _code(duplicate_experiment) == "RESOURCE_ALREADY_EXISTS"
    with pytest.raises(MlflowException) as renamed:
        tracking.rename_registered_model(name, f"{name}-new")
    assert _code(renamed) == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException) as bad_name:
        tracking.create_registered_model("has spaces in it")
    assert _code(bad_name) == "INVALID_PARAMETER_VALUE"
    run = tracking.create_run(experiment)
    tracking.log_param(run.info.run_id, "lr", "0.1")
    with pytest.raises(MlflowException) as changed_param:
        tracking.log_param(run.info.run_id, "lr", "0.2")
    assert _code(changed_param) == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException) as bad_filter:
        tracking.search_registered_models("name === 'x'")
    assert _code(bad_filter) == "INVALID_PARAMETER_VALUE"


def test_searches_filter_order_and_page(tracking: MlflowClient, unique: str) -> None:
    names = [f"search-{unique}-{index}" for index in range(5)]
    for index, name in enumerate(names):
        tracking.create_registered_model(name, tags={"team": "a" if index % 2 == 0 else "b"})
    tracking.create_model_version(names[0], source="s3://bucket/m")
    tracking.create_model_version(names[0], source="s3://bucket/m2")

    found = tracking.search_registered_models(f"name LIKE 'search-{unique}-%' AND tags.team = 'a'")
    assert sorted(m.name for m in found) == [names[0], names[2], names[4]]
    assert [m.name for m in tracking.search_registered_models(f"name ILIKE 'SEARCH-{unique}-1'")] == [names[1]]

    first = tracking.search_registered_models(f"name LIKE 'search-{unique}-%'", max_results=2, order_by=["name DESC"])
    assert [m.name for m in first] == [names[4], names[3]] and first.token
    second = tracking.search_registered_models(
        f"name LIKE 'search-{unique}-%'", max_results=2, order_by=["name DESC"], page_token=first.token
    )
    third = tracking.search_registered_models(
        f"name LIKE 'search-{unique}-%'", max_results=2, order_by=["name DESC"], page_token=second.token
    )
    assert [m.name for m in second] == [names[2], names[1]] and [m.name for m in third] == [names[0]]
    assert not third.token

    versions = tracking.search_model_versions(f"name = '{names[0]}' AND source_path = 's3://bucket/m2'")
    assert [v.version for v in versions] == ["2"]

    experiment = tracking.create_experiment(f"search runs {unique}")
    for lr in ("0.1", "0.2", "0.3"):
        run = tracking.create_run(experiment, tags={"kind": "sweep"})
        tracking.log_param(run.info.run_id, "lr", lr)
        tracking.log_metric(run.info.run_id, "acc", float(lr) * 2)
    runs = tracking.search_runs([experiment], "metrics.acc > 0.3 AND params.lr != '0.3'", order_by=["metrics.acc DESC"])
    assert [r.data.params["lr"] for r in runs] == ["0.2"]
    ordered = tracking.search_runs([experiment], "tags.kind = 'sweep'", order_by=["params.lr ASC"], max_results=2)
    assert [r.data.params["lr"] for r in ordered] == ["0.1", "0.2"] and ordered.token
    rest = tracking.search_runs(
        [experiment], "tags.kind = 'sweep'", order_by=["params.lr ASC"], max_results=2, page_token=ordered.token
    )
    assert [r.data.params["lr"] for r in rest] == ["0.3"]
    assert [e.name for e in tracking.search_experiments(filter_string=f"name = 'search runs {unique}'")] == [
        f"search runs {unique}"
    ]


def test_concurrent_versions_get_every_number_once(tracking: MlflowClient, unique: str) -> None:
    name = f"race-{unique}"
    tracking.create_registered_model(name)

    def register(index: int) -> str:
        client = MlflowClient(tracking_uri=mlflow.get_tracking_uri(), registry_uri=mlflow.get_tracking_uri())
        return str(client.create_model_version(name, source=f"s3://bucket/{index}").version)

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(register, range(24)))
    assert sorted(int(n) for n in numbers) == list(range(1, 25))
    listed = tracking.search_model_versions(f"name = '{name}'")
    assert sorted(int(v.version) for v in listed) == list(range(1, 25))


def test_deletion_follows_the_registry_rules(tracking: MlflowClient, unique: str) -> None:
    name = f"delete-{unique}"
    tracking.create_registered_model(name)
    experiment = tracking.create_experiment(f"delete {unique}")
    run = tracking.create_run(experiment)
    tracking.create_model_version(name, source=f"runs:/{run.info.run_id}/model", run_id=run.info.run_id)
    tracking.create_model_version(name, source="s3://bucket/2")
    assert tracking.get_model_version_download_uri(name, "1") == f"{run.info.artifact_uri}/model"
    tracking.set_registered_model_alias(name, "champion", "1")
    with pytest.raises(MlflowException) as held:
        tracking.delete_model_version(name, "1")
    assert _code(held) == "INVALID_STATE"
    with pytest.raises(MlflowException) as held_model:
        tracking.delete_registered_model(name)
    assert _code(held_model) == "INVALID_STATE"
    tracking.delete_model_version(name, "2")
    with pytest.raises(MlflowException) as gone:
        tracking.get_model_version(name, "2")
    assert _code(gone) == "RESOURCE_DOES_NOT_EXIST"
    tracking.delete_registered_model_alias(name, "champion")
    tracking.delete_registered_model(name)
    with pytest.raises(MlflowException) as deleted:
        tracking.get_registered_model(name)
    assert _code(deleted) == "RESOURCE_DOES_NOT_EXIST"
    assert name not in {m.name for m in tracking.search_registered_models(f"name = '{name}'")}


def test_concurrent_metric_logging_keeps_every_point(tracking: MlflowClient, unique: str) -> None:
    """8 clients logging at once to 2 runs (their calls share transactions): every point once, the
    latest value the run's; a run that does not exist is refused."""
    experiment = tracking.create_experiment(f"concurrent {unique}")
    runs = [tracking.create_run(experiment).info.run_id for _ in range(2)]

    def log(index: int) -> None:
        client = MlflowClient(tracking_uri=mlflow.get_tracking_uri())
        for step in range(5):
            client.log_metric(runs[index % 2], "m", float(index * 10 + step), step=index * 10 + step)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(log, range(8)))
    for parity, run_id in enumerate(runs):
        steps = sorted(index * 10 + step for index in range(8) if index % 2 == parity for step in range(5))
        assert sorted(m.step for m in tracking.get_metric_history(run_id, "m")) == steps
        assert tracking.get_run(run_id).data.metrics["m"] == float(steps[-1])
    with pytest.raises(MlflowException) as missing:
        tracking.log_metric("0" * 32, "m", 1.0)
    assert _code(missing) == "RESOURCE_DOES_NOT_EXIST"
