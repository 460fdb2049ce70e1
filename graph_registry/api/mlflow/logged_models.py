"""MLflow 3 logged models: create, get, finalize, delete, search, tags, params (what `log_model` calls)."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from graph_registry.api.mlflow import shapes
from graph_registry.api.mlflow.experiments import ARTIFACT_ROOT
from graph_registry.api.mlflow.protocol import Call, endpoint, page
from graph_registry.domain import mlflow_filter
from graph_registry.errors import InvalidInput

_SEARCHABLE: dict[str, set[str]] = {
    "attribute": {
        "name",
        "model_id",
        "status",
        "model_type",
        "source_run_id",
        "creation_timestamp_ms",
        "creation_time",
        "last_updated_timestamp_ms",
    },
    "tag": set(),
    "param": set(),
}


async def create(call: Call) -> dict[str, Any]:
    experiment_id = call.required("experiment_id")
    await call.services.mlflow.tracking.experiment(experiment_id)
    created = await call.services.mlflow.logged_models.create(
        experiment_id=experiment_id,
        name=call.text("name"),
        model_type=call.text("model_type"),
        source_run_id=call.text("source_run_id"),
        tags=call.pairs("tags"),
        params=call.pairs("params"),
        artifact_root=ARTIFACT_ROOT,
        audit=call.audit,
    )
    return {"model": shapes.logged_model(created)}


async def get(call: Call) -> dict[str, Any]:
    return {"model": shapes.logged_model(await call.services.mlflow.logged_models.get(call.required("model_id")))}


async def finalize(call: Call) -> dict[str, Any]:
    updated = await call.services.mlflow.logged_models.update(
        call.required("model_id"), status=call.required("status"), audit=call.audit
    )
    return {"model": shapes.logged_model(updated)}


async def delete(call: Call) -> dict[str, Any]:
    await call.services.mlflow.logged_models.update(call.required("model_id"), deleted=True, audit=call.audit)
    return {}


async def set_tags(call: Call) -> dict[str, Any]:
    await call.services.mlflow.logged_models.update(
        call.required("model_id"), tags=call.pairs("tags"), audit=call.audit
    )
    return {}


async def delete_tag(call: Call) -> dict[str, Any]:
    await call.services.mlflow.logged_models.update(
        call.required("model_id"), deleted_tags=[call.required("tag_key")], audit=call.audit
    )
    return {}


async def log_params(call: Call) -> dict[str, Any]:
    await call.services.mlflow.logged_models.update(
        call.required("model_id"), params=call.pairs("params"), audit=call.audit
    )
    return {}


def _lookup(shown: dict[str, Any]) -> mlflow_filter.Lookup:
    info = shown["info"]
    model_tags = {t["key"]: t["value"] for t in info["tags"]}
    params = {p["key"]: p["value"] for p in shown["data"]["params"]}

    def lookup(kind: str, key: str) -> Any:
        if kind == "tag":
            return model_tags.get(key)
        if kind == "param":
            return params.get(key)
        return info.get("creation_timestamp_ms" if key == "creation_time" else key)

    return lookup


async def search(call: Call) -> dict[str, Any]:
    comparisons = mlflow_filter.parse_filter(call.text("filter"))
    mlflow_filter.allowed(comparisons, _SEARCHABLE)
    orderings = []
    for item in call.objects("order_by"):
        name = item.get("field_name")
        if not isinstance(name, str):
            raise InvalidInput("each order_by names a field_name", field="order_by")
        orderings.extend(mlflow_filter.parse_order_by([f"{name} {'ASC' if item.get('ascending', True) else 'DESC'}"]))
    orderings += mlflow_filter.parse_order_by(["creation_timestamp_ms DESC", "model_id ASC"])
    rows = await call.services.mlflow.logged_models.of_experiments(call.strings("experiment_ids"))
    shown = [shapes.logged_model(row) for row in rows]
    matched = [item for item in shown if mlflow_filter.matches(comparisons, _lookup(item))]
    matched.sort(key=lambda item: mlflow_filter.sort_key(orderings, _lookup(item)))
    chosen, token = page(
        matched, max_results=call.integer("max_results"), token=call.text("page_token"), default=100, limit=50000
    )
    return {"models": chosen, **({"next_page_token": token} if token else {})}


P = "/api/2.0/mlflow/logged-models"
_ID = {"model_id"}
routes = [
    Route(
        f"{P}/search",
        endpoint(
            "SearchLoggedModels",
            search,
            fields={"experiment_ids", "filter", "datasets", "max_results", "order_by", "page_token"},
            write=False,
        ),
        methods=["POST"],
    ),
    Route(
        P,
        endpoint(
            "CreateLoggedModel",
            create,
            fields={"experiment_id", "name", "model_type", "source_run_id", "params", "tags"},
            write=True,
        ),
        methods=["POST"],
    ),
    Route(f"{P}/{{model_id}}", endpoint("GetLoggedModel", get, fields=_ID, write=False), methods=["GET"]),
    Route(
        f"{P}/{{model_id}}",
        endpoint("FinalizeLoggedModel", finalize, fields=_ID | {"status"}, write=True),
        methods=["PATCH"],
    ),
    Route(f"{P}/{{model_id}}", endpoint("DeleteLoggedModel", delete, fields=_ID, write=True), methods=["DELETE"]),
    Route(
        f"{P}/{{model_id}}/tags",
        endpoint("SetLoggedModelTags", set_tags, fields=_ID | {"tags"}, write=True),
        methods=["PATCH"],
    ),
    Route(
        f"{P}/{{model_id}}/tags/{{tag_key}}",
        endpoint("DeleteLoggedModelTag", delete_tag, fields=_ID | {"tag_key"}, write=True),
        methods=["DELETE"],
    ),
    Route(
        f"{P}/{{model_id}}/params",
        endpoint("LogLoggedModelParamsRequest", log_params, fields=_ID | {"params"}, write=True),
        methods=["POST"],
    ),
]
