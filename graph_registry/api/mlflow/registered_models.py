"""MLflow registered models: create, get, update, rename (refused), delete, search, latest versions,
tags and aliases, on the registry's Model and its services."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from graph_registry.api.mlflow import shapes
from graph_registry.api.mlflow.protocol import Call, endpoint, page
from graph_registry.domain import mlflow_filter
from graph_registry.domain import mlflow_limits as limits
from graph_registry.errors import InvalidInput, NotFound
from graph_registry.services.mlflow_registry import stage_of
from graph_registry.storage.database import Row

_SEARCHABLE: dict[str, set[str]] = {"attribute": {"name"}, "tag": set()}
# MLflow has no teams: a new registered model joins the team this tag names (the tag is not kept).
TEAM_TAG = "graph_registry.team"


def _name(call: Call) -> str:
    name = limits.model_name(call.required("name"))
    call.touched["model"] = name
    return name


def model_policy(call: Call) -> dict[str, Any]:
    return {"model": call.body.get("name")}


def _team_tag(call: Call) -> tuple[str | None, list[tuple[str, str]]]:
    """The team a new model's tags name, and its other tags."""
    tags = call.pairs("tags")
    teams = [value for key, value in tags if key == TEAM_TAG]
    return (teams[-1] if teams else None), [(key, value) for key, value in tags if key != TEAM_TAG]


def create_policy(call: Call) -> dict[str, Any]:
    return {"model": call.body.get("name"), "team": _team_tag(call)[0]}


async def _render(call: Call, names: list[str]) -> list[dict[str, Any]]:
    """The registered models named (those that exist, in that order) as MLflow shows them, read at once."""
    found = {row["model"]["name"]: row for row in await call.services.mlflow.registry.registered_models(names)}
    return [
        shapes.registered_model(
            row["model"], row["latest"], sorted((alias, version) for alias, version in row["aliases"])
        )
        for row in (found[name] for name in names if name in found)
    ]


async def create(call: Call) -> dict[str, Any]:
    name = _name(call)
    team, tags = _team_tag(call)
    await call.services.models.create_model(
        name=name, description=call.text("description"), tags=tags, team=team, audit=call.audit
    )
    return {"registered_model": (await _render(call, [name]))[0]}


async def get(call: Call) -> dict[str, Any]:
    name = _name(call)
    shown = await _render(call, [name])
    if not shown:
        raise NotFound(f"registered model {name!r} does not exist", model=name)
    return {"registered_model": shown[0]}


async def update(call: Call) -> dict[str, Any]:
    name = _name(call)
    await call.services.models.update_model(
        name=name, description=call.text("description", default=""), tags=None, audit=call.audit
    )
    return {"registered_model": (await _render(call, [name]))[0]}


async def rename(call: Call) -> dict[str, Any]:
    _name(call)
    raise InvalidInput(
        "renaming a registered model is not supported: the registry keys global ids, aliases and history by name",
        field="new_name",
    )


async def delete(call: Call) -> dict[str, Any]:
    await call.services.mlflow.registry.delete_model(_name(call), actor=call.actor, audit=call.audit)
    return {}


def _lookup(shown: dict[str, Any]) -> mlflow_filter.Lookup:
    model_tags = {t["key"]: t["value"] for t in shown["tags"]}

    def lookup(kind: str, key: str) -> Any:
        if kind == "tag":
            return model_tags.get(key)
        return shown.get({"timestamp": "last_updated_timestamp", "creation_time": "creation_timestamp"}.get(key, key))

    return lookup


async def search(call: Call) -> dict[str, Any]:
    comparisons = mlflow_filter.parse_filter(call.text("filter"))
    mlflow_filter.allowed(comparisons, _SEARCHABLE)
    orderings = mlflow_filter.parse_order_by(call.strings("order_by")) + mlflow_filter.parse_order_by(["name ASC"])
    allowed_orders = {"name", "timestamp", "last_updated_timestamp", "creation_timestamp"}
    if any(o.kind != "attribute" or o.key not in allowed_orders for o in orderings):
        raise InvalidInput(f"order_by is one of {', '.join(sorted(allowed_orders))}", field="order_by")
    rows = await call.services.mlflow.registry.all_models()
    shown = await _render(call, [row["name"] for row in rows])
    matched = [item for item in shown if mlflow_filter.matches(comparisons, _lookup(item))]
    matched.sort(key=lambda item: mlflow_filter.sort_key(orderings, _lookup(item)))
    chosen, token = page(
        matched, max_results=call.integer("max_results"), token=call.text("page_token"), default=100, limit=1000
    )
    return {"registered_models": chosen, **({"next_page_token": token} if token else {})}


async def latest_versions(call: Call) -> dict[str, Any]:
    name = _name(call)
    if await call.services.models.get_model(name) is None:
        raise NotFound(f"registered model {name!r} does not exist", model=name)
    wanted = {stage_of(stage) for stage in call.strings("stages")}
    latest: dict[str, Row] = {}
    for item in await call.services.mlflow.registry.versions_of([name]):
        version = item["version"]
        stage = version.get("stage") or "NONE"
        if wanted and stage not in wanted:
            continue
        if stage not in latest or version["version"] > latest[stage]["version"]["version"]:
            latest[stage] = item
    chosen = sorted(latest.values(), key=lambda item: item["version"]["version"])
    return {"model_versions": [shapes.model_version(item["version"], item["aliases"]) for item in chosen]}


async def set_tag(call: Call) -> dict[str, Any]:
    name = _name(call)
    value = call.text("value", default="") or ""
    await call.services.mlflow.registry.set_model_tag(name, call.required("key"), value, audit=call.audit)
    return {}


async def delete_tag(call: Call) -> dict[str, Any]:
    await call.services.mlflow.registry.set_model_tag(_name(call), call.required("key"), None, audit=call.audit)
    return {}


def _version_number(call: Call) -> int:
    value = call.required("version")
    if not value.isdigit():
        raise InvalidInput(f"invalid version {value[:20]!r}: a whole number", field="version")
    number = int(value)
    call.touched["version"] = number
    return number


def alias_policy(call: Call) -> dict[str, Any]:
    return {"model": call.body.get("name"), "alias": call.body.get("alias")}


async def set_alias(call: Call) -> dict[str, Any]:
    name = _name(call)
    await call.services.lifecycle.set_alias(
        model=name, alias=call.required("alias"), version=_version_number(call), actor=call.actor, audit=call.audit
    )
    return {}


async def delete_alias(call: Call) -> dict[str, Any]:
    await call.services.lifecycle.delete_alias(
        model=_name(call), alias=call.required("alias"), actor=call.actor, audit=call.audit
    )
    return {}


async def by_alias(call: Call) -> dict[str, Any]:
    name, alias = _name(call), call.required("alias")
    shown = await call.services.mlflow.registry.version_by_alias(name, alias)
    if shown is None:
        raise NotFound(f"registered model {name!r} has no alias {alias!r}", model=name, alias=alias)
    return {"model_version": shapes.model_version(shown["version"], shown["aliases"])}


P = "/api/2.0/mlflow/registered-models"
routes = [
    Route(
        f"{P}/create",
        endpoint(
            "CreateRegisteredModel",
            create,
            fields={"name", "tags", "description", "deployment_job_id"},
            write=True,
            policy=create_policy,
        ),
        methods=["POST"],
    ),
    Route(f"{P}/get", endpoint("GetRegisteredModel", get, fields={"name"}, write=False), methods=["GET"]),
    Route(
        f"{P}/update",
        endpoint(
            "UpdateRegisteredModel",
            update,
            fields={"name", "description", "deployment_job_id"},
            write=True,
            policy=model_policy,
        ),
        methods=["PATCH"],
    ),
    Route(
        f"{P}/rename",
        endpoint("RenameRegisteredModel", rename, fields={"name", "new_name"}, write=True, policy=model_policy),
        methods=["POST"],
    ),
    Route(
        f"{P}/delete",
        endpoint("DeleteRegisteredModel", delete, fields={"name"}, write=True, policy=model_policy),
        methods=["DELETE"],
    ),
    Route(
        f"{P}/search",
        endpoint(
            "SearchRegisteredModels", search, fields={"filter", "max_results", "order_by", "page_token"}, write=False
        ),
        methods=["GET"],
    ),
    Route(
        f"{P}/get-latest-versions",
        endpoint("GetLatestVersions", latest_versions, fields={"name", "stages"}, write=False),
        methods=["POST", "GET"],
    ),
    Route(
        f"{P}/set-tag",
        endpoint("SetRegisteredModelTag", set_tag, fields={"name", "key", "value"}, write=True, policy=model_policy),
        methods=["POST"],
    ),
    Route(
        f"{P}/delete-tag",
        endpoint("DeleteRegisteredModelTag", delete_tag, fields={"name", "key"}, write=True, policy=model_policy),
        methods=["DELETE"],
    ),
    Route(
        f"{P}/alias",
        endpoint(
            "SetRegisteredModelAlias",
            set_alias,
            fields={"name", "alias", "version"},
            write=True,
            policy=alias_policy,
            one_transaction=True,
        ),
        methods=["POST"],
    ),
    Route(
        f"{P}/alias",
        endpoint(
            "DeleteRegisteredModelAlias",
            delete_alias,
            fields={"name", "alias"},
            write=True,
            policy=alias_policy,
            one_transaction=True,
        ),
        methods=["DELETE"],
    ),
    Route(
        f"{P}/alias",
        endpoint("GetModelVersionByAlias", by_alias, fields={"name", "alias"}, write=False),
        methods=["GET"],
    ),
]
