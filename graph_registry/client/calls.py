"""One GraphQL call each: the document, its variables, and how to read the answer.

Both `Registry` (sync) and `AsyncRegistry` run these, so the two stay alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from graph_registry.client import operations as ops
from graph_registry.client.errors import NotFoundError
from graph_registry.client.refs import VersionSelector
from graph_registry.client.types import (
    Dataset,
    DatasetVersion,
    ImpactHit,
    LineageGraph,
    Model,
    ModelVersion,
    ProvenanceDiff,
    Run,
    Stage,
)

T = TypeVar("T")
Json = dict[str, Any]
LINEAGE_DIRECTIONS = ("UPSTREAM", "DOWNSTREAM", "BOTH")


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    document: str
    variables: dict[str, Any]
    read: Callable[[Json], T]
    # Safe to send twice: a read, or a write the server de-duplicates.
    idempotent: bool = True


def _required(value: Json | None, what: str) -> Json:
    if value is None:
        raise NotFoundError(f"{what} does not exist")
    return value


def model(name: str) -> Call[Model]:
    return Call(ops.MODEL, {"name": name}, lambda d: Model.from_json(_required(d["model"], f"model {name!r}")))


def models_page(*, first: int, after: str | None, name_contains: str | None) -> Call[Json]:
    return Call(ops.MODELS, {"first": first, "after": after, "nameContains": name_contains}, lambda d: d["models"])


def versions_page(name: str, *, first: int, after: str | None, stage: Stage | None) -> Call[Json]:
    variables = {"model": name, "first": first, "after": after, "stage": stage.value if stage else None}
    return Call(ops.VERSIONS, variables, lambda d: _required(d["model"], f"model {name!r}")["versions"])


def model_version(selector: VersionSelector, *, at: datetime | None = None) -> Call[ModelVersion]:
    variables = {**selector.variables(), "at": at.isoformat() if at else None}
    return Call(
        ops.MODEL_VERSION,
        variables,
        lambda d: ModelVersion.from_json(_required(d["modelVersion"], f"model version {selector}")),
    )


def trained_on(selector: VersionSelector) -> Call[list[DatasetVersion]]:
    def read(data: Json) -> list[DatasetVersion]:
        version = _required(data["modelVersion"], f"model version {selector}")
        return [DatasetVersion.from_json(item) for item in version["trainedOn"]]

    return Call(ops.TRAINED_ON, selector.variables(), read)


def _lineage_variables(direction: str, depth: int, kinds: Sequence[str] | None) -> dict[str, Any]:
    direction = direction.upper()
    if direction not in LINEAGE_DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(LINEAGE_DIRECTIONS).lower()}")
    return {"direction": direction, "depth": depth, "kinds": [kind.upper() for kind in kinds] if kinds else None}


def version_lineage(
    selector: VersionSelector, *, direction: str, depth: int, kinds: Sequence[str] | None
) -> Call[LineageGraph]:
    variables = {**selector.variables(), **_lineage_variables(direction, depth, kinds)}
    return Call(
        ops.VERSION_LINEAGE,
        variables,
        lambda d: LineageGraph.from_json(_required(d["modelVersion"], f"model version {selector}")["lineage"]),
    )


def node_lineage(node_id: str, *, direction: str, depth: int, kinds: Sequence[str] | None) -> Call[LineageGraph]:
    variables = {"id": node_id, **_lineage_variables(direction, depth, kinds)}
    return Call(ops.NODE_LINEAGE, variables, lambda d: LineageGraph.from_json(d["lineage"]))


def impact(ref: Json, *, stage: Stage | None, alias: str | None, depth: int) -> Call[list[ImpactHit]]:
    variables = {"datasetVersion": ref, "stage": stage.value if stage else None, "alias": alias, "depth": depth}
    return Call(ops.IMPACT, variables, lambda d: [ImpactHit.from_json(hit) for hit in d["impact"]])


def provenance_diff(a: VersionSelector, b: VersionSelector) -> Call[ProvenanceDiff]:
    return Call(
        ops.PROVENANCE_DIFF,
        {"a": a.variables(), "b": b.variables()},
        lambda d: ProvenanceDiff.from_json(d["provenanceDiff"]),
    )


def dataset_version(ref: Json) -> Call[DatasetVersion]:
    name = ref["dataset"]
    return Call(
        ops.DATASET_VERSION,
        ref,
        lambda d: DatasetVersion.from_json(_required(d["datasetVersion"], f"dataset version {name} {ref}")),
    )


def dataset_by_source(namespace: str, name: str) -> Call[Dataset]:
    return Call(
        ops.DATASET_BY_SOURCE,
        {"namespace": namespace, "name": name},
        lambda d: Dataset.from_json(_required(d["datasetBySource"], f"dataset {namespace}/{name}")),
    )


def run(run_id: str) -> Call[Run]:
    return Call(ops.RUN, {"runId": run_id}, lambda d: Run.from_json(_required(d["run"], f"run {run_id}")))


def transition_stage(
    name: str, version: int, stage: Stage, *, archive_existing: bool, comment: str | None
) -> Call[ModelVersion]:
    variables = {
        "model": name,
        "version": version,
        "stage": stage.value,
        "archiveExisting": archive_existing,
        "comment": comment,
    }
    return Call(ops.TRANSITION_STAGE, variables, lambda d: ModelVersion.from_json(d["transitionStage"]))


def set_alias(name: str, alias: str, version: int) -> Call[ModelVersion]:
    variables = {"model": name, "alias": alias, "version": version}
    return Call(ops.SET_ALIAS, variables, lambda d: ModelVersion.from_json(d["setAlias"]))


def delete_alias(name: str, alias: str) -> Call[bool]:
    # Not idempotent: a repeat finds no alias (NOT_FOUND).
    return Call(ops.DELETE_ALIAS, {"model": name, "alias": alias}, lambda d: bool(d["deleteAlias"]), idempotent=False)
