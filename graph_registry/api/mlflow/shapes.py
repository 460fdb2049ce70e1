"""The graph's rows in MLflow's JSON shapes (mlflow/protos/service.proto, model_registry.proto).

Times are epoch milliseconds, version numbers strings, tags lists of {key, value}; NaN and the
infinities travel as protobuf's JSON strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from graph_registry.domain.mlflow_limits import json_number
from graph_registry.domain.records import Stage, moment, pairs_from_strings
from graph_registry.services.mlflow_registry import MLFLOW_STAGE
from graph_registry.storage.database import Row


def millis(value: datetime | str | int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    return int(moment(value).timestamp() * 1000)


def tags(values: Sequence[str] | None) -> list[dict[str, str]]:
    return [{"key": key, "value": value} for key, value in pairs_from_strings(values)]


def experiment(row: Row) -> dict[str, Any]:
    return {
        "experiment_id": row["mlflowId"],
        "name": row["name"],
        "artifact_location": row.get("artifactLocation") or f"mlflow-artifacts:/{row['mlflowId']}",
        "lifecycle_stage": row.get("lifecycleStage") or "active",
        "last_update_time": millis(row.get("updatedAt") or row.get("createdAt")),
        "creation_time": millis(row.get("createdAt")),
        "tags": tags(row.get("mlflowTags")),
    }


def metric(point: Row) -> dict[str, Any]:
    return {
        "key": point["key"],
        "value": json_number(float(point["value"])),
        "timestamp": point.get("timestamp") or 0,
        "step": point.get("step") or 0,
    }


def dataset_input(item: Row) -> dict[str, Any]:
    version = item["version"]
    return {
        "tags": tags(item.get("tags")),
        "dataset": {
            "name": version["dataset"],
            "digest": version.get("mlflowDigest") or version["digest"].removeprefix("mlflow:"),
            "source_type": version.get("mlflowSourceType") or "external",
            "source": version.get("mlflowSource") or version.get("uri") or "",
            "schema": version.get("mlflowSchema"),
            "profile": version.get("mlflowProfile"),
        },
    }


def run(row: Row) -> dict[str, Any]:
    stored = row["run"]
    run_tags = tags(stored.get("mlflowTags"))
    return {
        "info": {
            "run_id": stored["runId"],
            "run_uuid": stored["runId"],
            "run_name": stored.get("name") or "",
            "experiment_id": row["experimentId"],
            "user_id": stored.get("user") or "",
            "status": stored.get("mlflowStatus") or stored.get("status") or "RUNNING",
            "start_time": millis(stored.get("startedAt")),
            "end_time": millis(stored.get("endedAt")),
            "artifact_uri": stored.get("artifactUri") or "",
            "lifecycle_stage": stored.get("lifecycleStage") or "active",
        },
        "data": {
            "metrics": [metric(point) for point in row.get("metrics") or ()],
            "params": [{"key": key, "value": value} for key, value in pairs_from_strings(stored.get("params"))],
            "tags": run_tags,
        },
        "inputs": {"dataset_inputs": [dataset_input(item) for item in row.get("inputs") or ()]},
        "outputs": {
            "model_outputs": [
                {"model_id": item["modelId"], "step": item.get("step") or 0} for item in row.get("outputs") or ()
            ]
        },
    }


def logged_model(row: Row) -> dict[str, Any]:
    return {
        "info": {
            "model_id": row["modelId"],
            "experiment_id": row["experimentId"],
            "name": row.get("name") or row["modelId"],
            "artifact_uri": row["artifactUri"],
            "status": row.get("status") or "LOGGED_MODEL_PENDING",
            "creation_timestamp_ms": row.get("createdAt"),
            "last_updated_timestamp_ms": row.get("updatedAt"),
            "model_type": row.get("modelType") or "",
            "source_run_id": row.get("sourceRunId") or "",
            "tags": tags(row.get("tags")),
        },
        "data": {"params": tags(row.get("params")), "metrics": []},
    }


def model_version(row: Row, aliases: Sequence[str] = ()) -> dict[str, Any]:
    return {
        "name": row["model"],
        "version": str(row["version"]),
        "creation_timestamp": millis(row.get("createdAt")),
        "last_updated_timestamp": millis(row.get("updatedAt") or row.get("createdAt")),
        "current_stage": MLFLOW_STAGE[Stage(row.get("stage") or "NONE")],
        "description": row.get("description") or "",
        "source": row.get("mlflowSource") or "",
        "run_id": row.get("mlflowRunId") or "",
        "run_link": row.get("mlflowRunLink") or "",
        "status": "READY",
        "tags": tags(row.get("tags")),
        "aliases": sorted(aliases),
        **({"model_id": row["mlflowModelId"]} if row.get("mlflowModelId") else {}),
    }


def registered_model(row: Row, versions: Sequence[Row] = (), aliases: Sequence[tuple[str, int]] = ()) -> dict[str, Any]:
    """`versions`: the model's version rows ({version, aliases}); its latest per stage are shown."""
    latest: dict[str, Row] = {}
    for item in versions:
        stage = item["version"].get("stage") or "NONE"
        if stage not in latest or item["version"]["version"] > latest[stage]["version"]["version"]:
            latest[stage] = item
    return {
        "name": row["name"],
        "creation_timestamp": millis(row.get("createdAt")),
        "last_updated_timestamp": millis(row.get("updatedAt") or row.get("createdAt")),
        "description": row.get("description") or "",
        "latest_versions": [model_version(item["version"], item.get("aliases") or ()) for item in latest.values()],
        "tags": tags(row.get("tags")),
        "aliases": [{"alias": alias, "version": str(version)} for alias, version in aliases],
    }
