"""MLflow 3 logged models: the model a run logs (`log_model`) before it is registered as a version.

A `LoggedModel` node holds MLflow's fields (status, params, tags, artifact location), `LOGGED_BY`
the run that logged it; registering it makes a ModelVersion produced by that run.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import Any

from graph_registry.domain import mlflow_limits as limits
from graph_registry.domain.records import pairs_from_strings, pairs_to_strings
from graph_registry.errors import InvalidInput, NotFound
from graph_registry.services.audit import AuditEntry, write_audited, write_one_audited
from graph_registry.storage.database import Database, Row, Transaction

STATUSES = {"LOGGED_MODEL_PENDING", "LOGGED_MODEL_READY", "LOGGED_MODEL_UPLOAD_FAILED"}


def now_ms() -> int:
    return int(time.time() * 1000)


class MlflowModelService:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def create(
        self,
        *,
        experiment_id: str,
        name: str | None,
        model_type: str | None,
        source_run_id: str | None,
        tags: Sequence[tuple[str, str]],
        params: Sequence[tuple[str, str]],
        artifact_root: str,
        audit: AuditEntry | None = None,
    ) -> Row:
        tag_pairs = limits.pairs(tags, what="tag", limit=limits.MAX_TAG_VALUE, most=limits.MAX_BATCH_TAGS)
        param_pairs = limits.pairs(params, what="param", limit=limits.MAX_PARAM_VALUE, most=limits.MAX_BATCH_PARAMS)
        if source_run_id is not None:
            limits.run_id(source_run_id)
        model_id = f"m-{uuid.uuid4().hex}"
        rows = await write_one_audited(
            self._db,
            "mlflow_create_logged_model",
            audit=audit,
            experimentId=experiment_id,
            modelId=model_id,
            name=limits.text(name or model_id, what="name", limit=limits.MAX_NAME),
            modelType=None if model_type is None else limits.text(model_type, what="model_type", limit=500),
            artifactUri=f"{artifact_root}/{experiment_id}/models/{model_id}/artifacts",
            sourceRunId=source_run_id,
            tags=pairs_to_strings(tag_pairs),
            params=pairs_to_strings(param_pairs),
            now=now_ms(),
        )
        if not rows:
            raise NotFound(f"no experiment with id {experiment_id[:40]!r}", experiment=experiment_id)
        return dict(rows[0]["model"])

    async def models(self, model_ids: Sequence[str]) -> dict[str, Row]:
        rows = await self._db.read("mlflow_get_logged_models", modelIds=list(model_ids))
        return {row["model"]["modelId"]: row["model"] for row in rows}

    async def get(self, model_id: str) -> Row:
        found = (await self.models([limits.logged_model_id(model_id)])).get(model_id)
        if found is None or found.get("status") == "DELETED":
            raise NotFound(f"logged model {model_id!r} does not exist", modelId=model_id)
        return found

    async def update(
        self,
        model_id: str,
        *,
        status: str | None = None,
        tags: Sequence[tuple[str, str]] = (),
        deleted_tags: Sequence[str] = (),
        params: Sequence[tuple[str, str]] = (),
        deleted: bool = False,
        audit: AuditEntry | None = None,
    ) -> Row:
        limits.logged_model_id(model_id)
        if status is not None and status not in STATUSES:
            raise InvalidInput(f"invalid logged model status {status[:40]!r}", field="status")
        tag_pairs = limits.pairs(tags, what="tag", limit=limits.MAX_TAG_VALUE, most=limits.MAX_BATCH_TAGS)
        param_pairs = limits.pairs(params, what="param", limit=limits.MAX_PARAM_VALUE, most=limits.MAX_BATCH_PARAMS)

        async def work(tx: Transaction) -> Row:
            rows = await tx.run("mlflow_lock_logged_model", modelId=model_id)
            if not rows or rows[0]["model"].get("status") == "DELETED":
                raise NotFound(f"logged model {model_id!r} does not exist", modelId=model_id)
            stored = rows[0]["model"]
            changes: dict[str, Any] = {}
            if status is not None:
                changes["status"] = status
            if deleted:
                changes["status"] = "DELETED"
            if tag_pairs or deleted_tags:
                merged = dict(pairs_from_strings(stored.get("tags")))
                for key in deleted_tags:
                    if key not in merged:
                        raise NotFound(f"no tag {key!r} on logged model {model_id}", modelId=model_id)
                    merged.pop(key)
                merged.update(tag_pairs)
                changes["tags"] = pairs_to_strings(list(merged.items()))
            if param_pairs:
                merged = dict(pairs_from_strings(stored.get("params")))
                merged.update(param_pairs)
                changes["params"] = pairs_to_strings(list(merged.items()))
            updated = await tx.run("mlflow_update_logged_model", modelId=model_id, changes=changes, now=now_ms())
            return dict(updated[0]["model"])

        return await write_audited(self._db, work, audit=audit)

    async def of_experiments(self, experiment_ids: Sequence[str]) -> list[Row]:
        rows = await self._db.read("mlflow_list_logged_models", experimentIds=list(experiment_ids))
        return [row["model"] for row in rows]
