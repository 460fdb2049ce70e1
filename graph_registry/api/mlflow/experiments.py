"""MLflow experiments: create, get, get-by-name, search, update, delete, restore, tags."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from graph_registry.api.mlflow import shapes
from graph_registry.api.mlflow.protocol import Call, endpoint, page
from graph_registry.domain import mlflow_filter
from graph_registry.errors import InvalidInput

ARTIFACT_ROOT = "mlflow-artifacts:"
_SEARCHABLE: dict[str, set[str]] = {
    "attribute": {"name", "experiment_id", "creation_time", "last_update_time", "lifecycle_stage"},
    "tag": set(),
}
LIFECYCLE = {"ACTIVE_ONLY": ["active"], "DELETED_ONLY": ["deleted"], "ALL": ["active", "deleted"]}


def view_type(call: Call) -> list[str]:
    value = call.text("view_type", default="ACTIVE_ONLY") or "ACTIVE_ONLY"
    if value not in LIFECYCLE:
        raise InvalidInput(f"invalid view_type {value[:40]!r}", field="view_type")
    return LIFECYCLE[value]


async def create(call: Call) -> dict[str, Any]:
    tracking = call.services.mlflow.tracking
    name = call.required("name")
    location = call.text("artifact_location")
    if location:
        raise InvalidInput("artifact_location is chosen by the server (its artifact store)", field="artifact_location")
    created = await tracking.create_experiment(
        name=name, tags=call.pairs("tags"), artifact_location=None, audit=call.audit
    )
    return {"experiment_id": created["mlflowId"]}


async def get(call: Call) -> dict[str, Any]:
    found = await call.services.mlflow.tracking.experiment(call.required("experiment_id"))
    return {"experiment": shapes.experiment(found)}


async def get_by_name(call: Call) -> dict[str, Any]:
    found = await call.services.mlflow.tracking.experiment_by_name(call.required("experiment_name"))
    return {"experiment": shapes.experiment(found)}


def _lookup(row: dict[str, Any]) -> mlflow_filter.Lookup:
    shown = shapes.experiment(row)
    experiment_tags = {tag["key"]: tag["value"] for tag in shown["tags"]}

    def lookup(kind: str, key: str) -> Any:
        if kind == "tag":
            return experiment_tags.get(key)
        return shown.get(key)

    return lookup


async def search(call: Call) -> dict[str, Any]:
    comparisons = mlflow_filter.parse_filter(call.text("filter"))
    mlflow_filter.allowed(comparisons, _SEARCHABLE)
    orderings = mlflow_filter.parse_order_by(call.strings("order_by") or ["creation_time DESC", "experiment_id ASC"])
    stages = view_type(call)
    rows = [
        row
        for row in await call.services.mlflow.tracking.all_experiments()
        if (row.get("lifecycleStage") or "active") in stages and mlflow_filter.matches(comparisons, _lookup(row))
    ]
    rows.sort(key=lambda row: mlflow_filter.sort_key(orderings, _lookup(row)))
    chosen, token = page(
        rows, max_results=call.integer("max_results"), token=call.text("page_token"), default=1000, limit=50000
    )
    return {"experiments": [shapes.experiment(row) for row in chosen], **({"next_page_token": token} if token else {})}


async def update(call: Call) -> dict[str, Any]:
    await call.services.mlflow.tracking.update_experiment(
        call.required("experiment_id"), name=call.text("new_name"), audit=call.audit
    )
    return {}


async def delete(call: Call) -> dict[str, Any]:
    await call.services.mlflow.tracking.update_experiment(
        call.required("experiment_id"), lifecycle_stage="deleted", audit=call.audit
    )
    return {}


async def restore(call: Call) -> dict[str, Any]:
    await call.services.mlflow.tracking.update_experiment(
        call.required("experiment_id"), lifecycle_stage="active", audit=call.audit
    )
    return {}


async def set_tag(call: Call) -> dict[str, Any]:
    pair = (call.required("key"), call.text("value", default="") or "")
    await call.services.mlflow.tracking.update_experiment(call.required("experiment_id"), tags=[pair], audit=call.audit)
    return {}


async def delete_tag(call: Call) -> dict[str, Any]:
    await call.services.mlflow.tracking.update_experiment(
        call.required("experiment_id"), deleted_tags=[call.required("key")], audit=call.audit
    )
    return {}


P = "/api/2.0/mlflow/experiments"
routes = [
    Route(
        f"{P}/create",
        endpoint("CreateExperiment", create, fields={"name", "artifact_location", "tags"}, write=True),
        methods=["POST"],
    ),
    Route(f"{P}/get", endpoint("GetExperiment", get, fields={"experiment_id"}, write=False), methods=["GET"]),
    Route(
        f"{P}/get-by-name",
        endpoint("GetExperimentByName", get_by_name, fields={"experiment_name"}, write=False),
        methods=["GET"],
    ),
    Route(
        f"{P}/search",
        endpoint(
            "SearchExperiments",
            search,
            fields={"max_results", "page_token", "filter", "order_by", "view_type"},
            write=False,
        ),
        methods=["POST", "GET"],
    ),
    Route(
        f"{P}/update",
        endpoint("UpdateExperiment", update, fields={"experiment_id", "new_name"}, write=True),
        methods=["POST"],
    ),
    Route(f"{P}/delete", endpoint("DeleteExperiment", delete, fields={"experiment_id"}, write=True), methods=["POST"]),
    Route(
        f"{P}/restore", endpoint("RestoreExperiment", restore, fields={"experiment_id"}, write=True), methods=["POST"]
    ),
    Route(
        f"{P}/set-experiment-tag",
        endpoint("SetExperimentTag", set_tag, fields={"experiment_id", "key", "value"}, write=True),
        methods=["POST"],
    ),
    Route(
        f"{P}/delete-experiment-tag",
        endpoint("DeleteExperimentTag", delete_tag, fields={"experiment_id", "key"}, write=True),
        methods=["POST"],
    ),
]
