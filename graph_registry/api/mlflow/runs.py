"""MLflow runs: create, get, update, delete, restore, search, log-batch/metric/parameter, tags,
log-inputs, outputs, and metric histories."""

from __future__ import annotations

import time
from typing import Any

from starlette.routing import Route

from graph_registry.api.mlflow import shapes
from graph_registry.api.mlflow.experiments import ARTIFACT_ROOT
from graph_registry.api.mlflow.protocol import Call, endpoint, next_token, page, window
from graph_registry.domain import mlflow_filter
from graph_registry.domain import mlflow_limits as limits
from graph_registry.errors import InvalidInput
from graph_registry.services.mlflow_tracking import DatasetInput, MetricPoint, RunChanges

RUN_VIEWS = {"ACTIVE_ONLY": ["active"], "DELETED_ONLY": ["deleted"], "ALL": None}
_ATTRIBUTES = {"run_id", "run_name", "status", "start_time", "end_time", "user_id", "artifact_uri", "lifecycle_stage"}


def _run_id(call: Call) -> str:
    value = call.text("run_id") or call.text("run_uuid")
    if value is None:
        raise InvalidInput("missing value for required parameter 'run_id'", field="run_id")
    return limits.run_id(value)


def _now() -> int:
    return int(time.time() * 1000)


def _point(item: dict[str, Any]) -> MetricPoint:
    return MetricPoint(
        key=limits.key(item.get("key"), what="metric"),
        value=limits.metric_value(item.get("value")),
        timestamp=limits.int64(item.get("timestamp"), what="timestamp", default=_now()),
        step=limits.int64(item.get("step"), what="step", default=0),
        model_id=limits.logged_model_id(item["model_id"]) if item.get("model_id") else None,
    )


async def create(call: Call) -> dict[str, Any]:
    tracking = call.services.mlflow.tracking
    created = await tracking.create_run(
        experiment_id=call.text("experiment_id", default="0") or "0",
        name=call.text("run_name"),
        user=call.text("user_id"),
        start_time=call.integer("start_time", default=_now()) or _now(),
        tags=call.pairs("tags"),
        artifact_root=ARTIFACT_ROOT,
        audit=call.audit,
    )
    return {"run": shapes.run(created)}


async def get(call: Call) -> dict[str, Any]:
    return {"run": shapes.run(await call.services.mlflow.tracking.run(_run_id(call)))}


async def _change(call: Call, changes: RunChanges) -> dict[str, Any]:
    await call.services.mlflow.tracking.change_run(_run_id(call), changes, audit=call.audit)
    return {}


async def update(call: Call) -> dict[str, Any]:
    run_id = _run_id(call)
    changes = RunChanges(status=call.text("status"), end_time=call.integer("end_time"), name=call.text("run_name"))
    found = await call.services.mlflow.tracking.change_run(run_id, changes, audit=call.audit)
    if found is None:  # nothing to update: the run as it stands
        found = await call.services.mlflow.tracking.run(run_id)
    return {"run_info": shapes.run(found)["info"]}


async def delete(call: Call) -> dict[str, Any]:
    return await _change(call, RunChanges(lifecycle_stage="deleted"))


async def restore(call: Call) -> dict[str, Any]:
    return await _change(call, RunChanges(lifecycle_stage="active"))


async def log_metric(call: Call) -> dict[str, Any]:
    return await _change(call, RunChanges(metrics=[_point(call.body)]))


async def log_param(call: Call) -> dict[str, Any]:
    return await _change(call, RunChanges(params=[(call.required("key"), call.text("value", default="") or "")]))


async def set_tag(call: Call) -> dict[str, Any]:
    return await _change(call, RunChanges(tags=[(call.required("key"), call.text("value", default="") or "")]))


async def delete_tag(call: Call) -> dict[str, Any]:
    return await _change(call, RunChanges(deleted_tags=[call.required("key")]))


async def log_batch(call: Call) -> dict[str, Any]:
    changes = RunChanges(
        metrics=[_point(item) for item in call.objects("metrics")],
        params=call.pairs("params"),
        tags=call.pairs("tags"),
    )
    return await _change(call, changes)


def _dataset(item: dict[str, Any]) -> DatasetInput:
    dataset = item.get("dataset")
    if (
        not isinstance(dataset, dict)
        or not isinstance(dataset.get("name"), str)
        or not isinstance(dataset.get("digest"), str)
    ):
        raise InvalidInput("each dataset input has a dataset with a name and a digest", field="datasets")
    pairs = [(tag.get("key"), tag.get("value", "")) for tag in item.get("tags") or () if isinstance(tag, dict)]

    def optional(name: str) -> str | None:
        value = dataset.get(name)
        return limits.text(value, what=name, limit=1024 * 1024) if value is not None else None

    return DatasetInput(
        name=dataset["name"],
        digest=dataset["digest"],
        source_type=optional("source_type"),
        source=optional("source"),
        schema=optional("schema"),
        profile=optional("profile"),
        tags=tuple((str(key), str(value)) for key, value in pairs),
    )


async def log_inputs(call: Call) -> dict[str, Any]:
    datasets = [_dataset(item) for item in call.objects("datasets")]
    await call.services.mlflow.tracking.log_inputs(_run_id(call), datasets, audit=call.audit)
    return {}


async def log_outputs(call: Call) -> dict[str, Any]:
    outputs = [
        (str(item.get("model_id")), limits.int64(item.get("step"), what="step", default=0))
        for item in call.objects("models")
    ]
    await call.services.mlflow.tracking.log_outputs(_run_id(call), outputs, audit=call.audit)
    return {}


async def metric_history(call: Call) -> dict[str, Any]:
    points = await call.services.mlflow.tracking.metric_history(_run_id(call), call.required("metric_key"))
    chosen, token = page(
        points, max_results=call.integer("max_results"), token=call.text("page_token"), default=25000, limit=25000
    )
    return {"metrics": [shapes.metric(point) for point in chosen], **({"next_page_token": token} if token else {})}


async def search(call: Call) -> dict[str, Any]:
    tracking = call.services.mlflow.tracking
    experiment_ids = call.strings("experiment_ids")
    comparisons = mlflow_filter.parse_filter(call.text("filter"))
    mlflow_filter.allowed(
        comparisons,
        {
            "attribute": _ATTRIBUTES | {"run_uuid"},
            "metric": set(),
            "param": set(),
            "tag": set(),
            "dataset": {"name", "digest", "context"},
        },
    )
    # MLflow's own order after the caller's: newest first (then the run id, in the query).
    orderings = mlflow_filter.parse_order_by(call.strings("order_by")) + mlflow_filter.parse_order_by(
        ["start_time DESC"]
    )
    view = call.text("run_view_type", default="ACTIVE_ONLY") or "ACTIVE_ONLY"
    if view not in RUN_VIEWS:
        raise InvalidInput(f"invalid run_view_type {view[:40]!r}", field="run_view_type")
    start, size = window(
        max_results=call.integer("max_results"), token=call.text("page_token"), default=1000, limit=50000
    )
    found, more = await tracking.search_runs(
        experiment_ids,
        lifecycle=RUN_VIEWS[view],
        comparisons=comparisons,
        orderings=orderings,
        offset=start,
        size=size,
    )
    token = next_token(start, size, more=more)
    return {"runs": [shapes.run(row) for row in found], **({"next_page_token": token} if token else {})}


P = "/api/2.0/mlflow"
_RUN = {"run_id", "run_uuid"}
routes = [
    Route(
        f"{P}/runs/create",
        endpoint(
            "CreateRun",
            create,
            fields={"experiment_id", "user_id", "run_name", "start_time", "tags"},
            write=True,
            one_transaction=True,
        ),
        methods=["POST"],
    ),
    Route(f"{P}/runs/get", endpoint("GetRun", get, fields=_RUN, write=False), methods=["GET"]),
    Route(
        f"{P}/runs/update",
        endpoint(
            "UpdateRun", update, fields=_RUN | {"status", "end_time", "run_name"}, write=True, one_transaction=True
        ),
        methods=["POST"],
    ),
    Route(
        f"{P}/runs/delete",
        endpoint("DeleteRun", delete, fields=_RUN, write=True, one_transaction=True),
        methods=["POST"],
    ),
    Route(
        f"{P}/runs/restore",
        endpoint("RestoreRun", restore, fields=_RUN, write=True, one_transaction=True),
        methods=["POST"],
    ),
    Route(
        f"{P}/runs/log-metric",
        endpoint(
            "LogMetric",
            log_metric,
            fields=_RUN | {"key", "value", "timestamp", "step", "model_id", "dataset_name", "dataset_digest"},
            write=True,
            one_transaction=True,
        ),
        methods=["POST"],
    ),
    Route(
        f"{P}/runs/log-parameter",
        endpoint("LogParam", log_param, fields=_RUN | {"key", "value"}, write=True, one_transaction=True),
        methods=["POST"],
    ),
    Route(
        f"{P}/runs/set-tag",
        endpoint("SetTag", set_tag, fields=_RUN | {"key", "value"}, write=True, one_transaction=True),
        methods=["POST"],
    ),
    Route(
        f"{P}/runs/delete-tag",
        endpoint("DeleteTag", delete_tag, fields=_RUN | {"key"}, write=True, one_transaction=True),
        methods=["POST"],
    ),
    Route(
        f"{P}/runs/log-batch",
        endpoint("LogBatch", log_batch, fields=_RUN | {"metrics", "params", "tags"}, write=True, one_transaction=True),
        methods=["POST"],
    ),
    Route(
        f"{P}/runs/log-inputs",
        endpoint("LogInputs", log_inputs, fields=_RUN | {"datasets", "models"}, write=True, one_transaction=True),
        methods=["POST"],
    ),
    Route(
        f"{P}/runs/outputs", endpoint("LogOutputs", log_outputs, fields=_RUN | {"models"}, write=True), methods=["POST"]
    ),
    Route(
        f"{P}/runs/search",
        endpoint(
            "SearchRuns",
            search,
            fields={"experiment_ids", "filter", "run_view_type", "max_results", "order_by", "page_token"},
            write=False,
        ),
        methods=["POST"],
    ),
    Route(
        f"{P}/metrics/get-history",
        endpoint(
            "GetMetricHistory", metric_history, fields=_RUN | {"metric_key", "page_token", "max_results"}, write=False
        ),
        methods=["GET"],
    ),
]
