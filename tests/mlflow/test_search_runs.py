"""search_runs answers as MLflow's own server does: the same runs, logged by the stock client into a
real `mlflow server` and into graph-registry, searched with the same filters, orders and pages."""

from __future__ import annotations

import mlflow
import numpy as np
import pytest
from mlflow import MlflowClient
from mlflow.entities import DatasetInput, InputTag, Metric, Param, RunTag

from tests.live_server import LiveServer

START = 1_760_000_000_000
# name: (params, {metric: [(step, value)]}, tags, status, dataset context or None)
RUNS: dict[str, tuple[dict[str, str], dict[str, list[tuple[int, float]]], dict[str, str], str, str | None]] = {
    "r0": (
        {"lr": "0.1", "opt": "adam"},
        {"acc": [(0, 0.2), (1, 0.7)], "loss": [(0, 0.9)]},
        {"kind": "sweep"},
        "FINISHED",
        "training",
    ),
    "r1": ({"lr": "0.01", "opt": "AdamW"}, {"acc": [(0, 0.9)]}, {"kind": "grid"}, "FAILED", "eval"),
    "r2": ({"lr": "0.2", "opt": "sgd"}, {"acc": [(0, 0.7)], "loss": [(0, 0.4)]}, {"kind": "sweep"}, "FINISHED", None),
    "r3": ({"lr": "0.1"}, {"acc": [(3, 0.55), (1, 0.95)]}, {}, "FINISHED", "training"),
    "r4": ({"lr": "1e-3", "opt": "a_d%m"}, {"loss": [(0, 0.1)]}, {"kind": "sweep"}, "FAILED", None),
    "r5": ({}, {"acc": [(0, 0.6)]}, {"kind": "grid"}, "FINISHED", None),
    "r6": ({"lr": "0.3", "opt": "adagrad"}, {"acc": [(0, 0.7)]}, {"kind": "sweep"}, "RUNNING", None),
}
FILTERS = [
    "",
    "metrics.acc > 0.5",
    "metrics.acc >= 0.6 AND metrics.acc < 0.9",
    "metrics.acc = 0.7",
    "metrics.acc != 0.7",
    "metrics.acc <= 0.55 AND metrics.loss > 0",
    "params.lr = '0.1'",
    "params.lr != '0.1'",
    "params.opt LIKE 'ada%'",
    "params.opt ILIKE 'ADA%'",
    "params.opt LIKE 'a\\_d%'",
    "params.opt LIKE 'a_d%'",
    "params.opt LIKE '%d_m'",
    "tags.kind = 'sweep'",
    "tags.kind != 'sweep'",
    "tags.kind = 'sweep' AND params.lr != '0.2' AND metrics.acc > 0.1",
    "attributes.status = 'FAILED'",
    "attributes.status != 'FINISHED'",
    "attributes.run_name = 'r3'",
    "attributes.run_name LIKE 'r%'",
    f"attributes.start_time > {START + 2000}",
    f"attributes.start_time <= {START + 2000}",
    "datasets.name = 'train-set'",
    "datasets.context = 'eval'",
    "metrics.nothing > 0",
    "params.nothing = 'x'",
    "tags.nothing = 'x'",
]
ORDERS = [
    [],
    ["metrics.acc DESC"],
    ["metrics.acc ASC"],
    ["metrics.loss DESC"],
    ["params.lr ASC"],
    ["params.opt DESC"],
    ["attributes.run_name DESC"],
    ["attributes.start_time ASC"],
    ["tags.kind ASC", "metrics.acc DESC"],
    ["metrics.nothing DESC"],
]


def _fill(url: str, experiment_name: str) -> str:
    client = MlflowClient(tracking_uri=url)
    experiment = client.create_experiment(experiment_name)
    dataset = mlflow.data.from_numpy(np.arange(8.0).reshape(4, 2), source="s3://bucket/train", name="train-set")
    for index, (name, (params, metrics, tags, status, context)) in enumerate(RUNS.items()):
        run_id = client.create_run(experiment, start_time=START + index * 1000, run_name=name).info.run_id
        points = [
            Metric(key, value, START + index * 1000 + step, step)
            for key, history in metrics.items()
            for step, value in history
        ]
        client.log_batch(
            run_id,
            metrics=points,
            params=[Param(k, v) for k, v in params.items()],
            tags=[RunTag(k, v) for k, v in tags.items()],
        )
        if context is not None:
            client.log_inputs(
                run_id, [DatasetInput(dataset._to_mlflow_entity(), [InputTag("mlflow.data.context", context)])]
            )
        if status != "RUNNING":
            client.set_terminated(run_id, status, end_time=START + 100_000 + index)
    return experiment


def _names(client: MlflowClient, experiment: str, filter_string: str, order_by: list[str]) -> list[str]:
    return [run.info.run_name for run in client.search_runs([experiment], filter_string, order_by=order_by)]


def _paged(client: MlflowClient, experiment: str, filter_string: str, order_by: list[str]) -> list[list[str]]:
    pages, token = [], None
    while True:
        found = client.search_runs([experiment], filter_string, order_by=order_by, max_results=2, page_token=token)
        pages.append([run.info.run_name for run in found])
        token = found.token
        if not token:
            return pages


def test_searches_answer_as_mlflow_does(source: str, api: LiveServer, unique: str) -> None:
    theirs, ours = MlflowClient(tracking_uri=source), MlflowClient(tracking_uri=api.url)
    name = f"search-runs {unique}"
    experiments = (_fill(source, name), _fill(api.url, name))
    for filter_string in FILTERS:
        for order_by in ORDERS:
            expected = _names(theirs, experiments[0], filter_string, order_by)
            assert _names(ours, experiments[1], filter_string, order_by) == expected, (filter_string, order_by)
    assert _names(ours, experiments[1], "metrics.nothing > 0", []) == []
    # Paging through more than one page: every run once, in the one-page order, as MLflow pages it.
    for filter_string, order_by in [("", ["metrics.acc DESC"]), ("tags.kind = 'sweep'", ["params.lr ASC"])]:
        pages = _paged(ours, experiments[1], filter_string, order_by)
        assert len(pages) > 1
        assert pages == _paged(theirs, experiments[0], filter_string, order_by)
        assert [name for page in pages for name in page] == _names(ours, experiments[1], filter_string, order_by)


@pytest.mark.parametrize("filter_string", ["metrics.acc >", "params.lr = 0.1 OR params.lr = 0.2", "bogus.x = 'y'"])
def test_malformed_run_filters_are_refused(tracking: MlflowClient, unique: str, filter_string: str) -> None:
    experiment = tracking.create_experiment(f"bad-search {unique}")
    with pytest.raises(mlflow.exceptions.MlflowException) as refused:
        tracking.search_runs([experiment], filter_string)
    assert refused.value.error_code == "INVALID_PARAMETER_VALUE"
