"""MLflow model versions: create, get, update, delete, search, stage transitions, download URIs, tags."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from graph_registry.api.mlflow import shapes
from graph_registry.api.mlflow.protocol import Call, endpoint, page
from graph_registry.api.mlflow.registered_models import _name, _version_number, model_policy
from graph_registry.domain import mlflow_filter
from graph_registry.domain.records import Stage
from graph_registry.errors import InvalidInput
from graph_registry.services.mlflow_registry import stage_of

_SEARCHABLE: dict[str, set[str]] = {
    "attribute": {"name", "version", "run_id", "source_path", "source", "current_stage", "model_id"},
    "tag": set(),
}


def version_policy(call: Call) -> dict[str, Any]:
    version = call.body.get("version")
    number = int(version) if isinstance(version, str) and version.isdigit() else version
    arguments: dict[str, Any] = {"model": call.body.get("name"), "version": number}
    stage = call.body.get("stage")
    if isinstance(stage, str) and stage.strip().lower() in {"none", "staging", "production", "archived"}:
        arguments["stage"] = stage_of(stage)
    return arguments


async def create(call: Call) -> dict[str, Any]:
    name = _name(call)
    created = await call.services.mlflow.registry.create_version(
        model=name,
        source=call.text("source", default="") or "",
        run_id=call.text("run_id"),
        model_id=call.text("model_id"),
        tags=call.pairs("tags"),
        description=call.text("description"),
        run_link=call.text("run_link"),
        actor=call.actor,
        audit=call.audit,
    )
    call.touched["version"] = created["version"]["version"]
    return {"model_version": shapes.model_version(created["version"], created["aliases"])}


async def get(call: Call) -> dict[str, Any]:
    shown = await call.services.mlflow.registry.version(_name(call), _version_number(call))
    return {"model_version": shapes.model_version(shown["version"], shown["aliases"])}


async def update(call: Call) -> dict[str, Any]:
    shown = await call.services.mlflow.registry.update_version(
        _name(call), _version_number(call), call.text("description", default=""), audit=call.audit
    )
    return {"model_version": shapes.model_version(shown["version"], shown["aliases"])}


async def delete(call: Call) -> dict[str, Any]:
    name, version = _name(call), _version_number(call)
    await call.services.mlflow.registry.version(name, version)
    await call.services.deletion.delete_version(
        model=name, version=version, hard=False, actor=call.actor, audit=call.audit
    )
    return {}


async def transition(call: Call) -> dict[str, Any]:
    """As MLflow: archive_existing_versions archives the other versions in the (active) stage, each
    with the transition's time as its last update. At most one PRODUCTION: its previous holder is
    archived so even with archive_existing_versions false."""
    name, version = _name(call), _version_number(call)
    stage = stage_of(call.required("stage"))
    asked = call.flag("archive_existing_versions")
    if asked and stage not in {Stage.STAGING, Stage.PRODUCTION}:
        raise InvalidInput(
            f"Model version transition cannot archive existing model versions because {call.required('stage')!r} "
            "is not an Active stage. Valid stages are ['Staging', 'Production']",
            field="archive_existing_versions",
        )
    archive = asked or stage is Stage.PRODUCTION
    await call.services.lifecycle.transition_stage(
        model=name,
        version=version,
        stage=stage,
        archive_existing=archive,
        comment=call.text("comment"),
        actor=call.actor,
        may_leave_production=True,
        audit=call.audit,
    )
    shown = await call.services.mlflow.registry.version(name, version)
    return {"model_version": shapes.model_version(shown["version"], shown["aliases"])}


async def download_uri(call: Call) -> dict[str, Any]:
    return {"artifact_uri": await call.services.mlflow.registry.download_uri(_name(call), _version_number(call))}


async def set_tag(call: Call) -> dict[str, Any]:
    await call.services.mlflow.registry.set_version_tag(
        _name(call),
        _version_number(call),
        call.required("key"),
        call.text("value", default="") or "",
        audit=call.audit,
    )
    return {}


async def delete_tag(call: Call) -> dict[str, Any]:
    await call.services.mlflow.registry.set_version_tag(
        _name(call), _version_number(call), call.required("key"), None, audit=call.audit
    )
    return {}


def _lookup(shown: dict[str, Any]) -> mlflow_filter.Lookup:
    version_tags = {t["key"]: t["value"] for t in shown["tags"]}

    def lookup(kind: str, key: str) -> Any:
        if kind == "tag":
            return version_tags.get(key)
        if key == "version":
            return float(shown["version"])
        if key in {"source_path", "source"}:
            return shown["source"]
        if key in {"version_number"}:
            return int(shown["version"])
        return shown.get({"timestamp": "last_updated_timestamp", "creation_time": "creation_timestamp"}.get(key, key))

    return lookup


async def search(call: Call) -> dict[str, Any]:
    comparisons = mlflow_filter.parse_filter(call.text("filter"))
    mlflow_filter.allowed(comparisons, _SEARCHABLE)
    orderings = mlflow_filter.parse_order_by(call.strings("order_by"))
    allowed_orders = {"name", "version_number", "timestamp", "last_updated_timestamp", "creation_timestamp"}
    if any(o.kind != "attribute" or o.key not in allowed_orders for o in orderings):
        raise InvalidInput(f"order_by is one of {', '.join(sorted(allowed_orders))}", field="order_by")
    orderings += mlflow_filter.parse_order_by(["name ASC", "version_number DESC"])
    named = [c.value for c in comparisons if c.kind == "attribute" and c.key == "name" and c.operator == "="]
    rows = await call.services.mlflow.registry.search_versions(named or None)
    shown = [shapes.model_version(row["version"], row["aliases"]) for row in rows]
    matched = [item for item in shown if mlflow_filter.matches(comparisons, _lookup(item))]
    matched.sort(key=lambda item: mlflow_filter.sort_key(orderings, _lookup(item)))
    chosen, token = page(
        matched, max_results=call.integer("max_results"), token=call.text("page_token"), default=10000, limit=200000
    )
    return {"model_versions": chosen, **({"next_page_token": token} if token else {})}


P = "/api/2.0/mlflow/model-versions"
_KEY = {"name", "version"}
routes = [
    Route(
        f"{P}/create",
        endpoint(
            "CreateModelVersion",
            create,
            fields={"name", "source", "run_id", "tags", "run_link", "description", "model_id"},
            write=True,
            policy=model_policy,
            one_transaction=True,
        ),
        methods=["POST"],
    ),
    Route(f"{P}/get", endpoint("GetModelVersion", get, fields=_KEY, write=False), methods=["GET"]),
    Route(
        f"{P}/update",
        endpoint("UpdateModelVersion", update, fields=_KEY | {"description"}, write=True, policy=version_policy),
        methods=["PATCH"],
    ),
    Route(
        f"{P}/delete",
        endpoint("DeleteModelVersion", delete, fields=_KEY, write=True, policy=version_policy),
        methods=["DELETE"],
    ),
    Route(
        f"{P}/transition-stage",
        endpoint(
            "TransitionModelVersionStage",
            transition,
            fields=_KEY | {"stage", "archive_existing_versions", "comment"},
            write=True,
            policy=version_policy,
        ),
        methods=["POST"],
    ),
    Route(
        f"{P}/search",
        endpoint(
            "SearchModelVersions", search, fields={"filter", "max_results", "order_by", "page_token"}, write=False
        ),
        methods=["GET"],
    ),
    Route(
        f"{P}/get-download-uri",
        endpoint("GetModelVersionDownloadUri", download_uri, fields=_KEY, write=False),
        methods=["GET"],
    ),
    Route(
        f"{P}/set-tag",
        endpoint("SetModelVersionTag", set_tag, fields=_KEY | {"key", "value"}, write=True, policy=version_policy),
        methods=["POST"],
    ),
    Route(
        f"{P}/delete-tag",
        endpoint("DeleteModelVersionTag", delete_tag, fields=_KEY | {"key"}, write=True, policy=version_policy),
        methods=["DELETE"],
    ),
]
