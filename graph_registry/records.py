"""The registry's objects as the services hand them out: plain frozen dataclasses.

They are built from database rows (`from_row`) and know nothing of GraphQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

import orjson

T = TypeVar("T")


class Stage(StrEnum):
    NONE = "NONE"
    STAGING = "STAGING"
    PRODUCTION = "PRODUCTION"
    ARCHIVED = "ARCHIVED"


def pairs_from_strings(values: Sequence[str] | None) -> tuple[tuple[str, str], ...]:
    """Tags and params are stored as `key=value` strings (keys never hold '=')."""
    result = []
    for item in values or ():
        key, _, value = item.partition("=")
        result.append((key, value))
    return tuple(result)


def pairs_to_strings(pairs: Sequence[tuple[str, str]]) -> list[str]:
    return [f"{key}={value}" for key, value in pairs]


def moment(value: datetime | str) -> datetime:
    """A stored time, as the driver returns it or as UTC ISO text from `toString()` (normalised to
    'Z' in the query, so a server with a named default time zone gives plain ISO text too).

    Listings return their times as text: the driver builds each DateTime in pure Python (~70 us
    here), which for a page of 100 versions cost more than the query; `fromisoformat` costs ~1 us.
    """
    return datetime.fromisoformat(value) if isinstance(value, str) else value


@dataclass(frozen=True, slots=True)
class Metric:
    key: str
    value: float
    step: int | None = None


def metrics_from_json(raw: str | None) -> tuple[Metric, ...]:
    if not raw:
        return ()
    return tuple(Metric(key=item["key"], value=item["value"], step=item.get("step")) for item in orjson.loads(raw))


def metrics_to_json(metrics: Sequence[Metric]) -> str:
    return orjson.dumps([{"key": m.key, "value": m.value, "step": m.step} for m in metrics]).decode()


@dataclass(frozen=True, slots=True)
class ModelRecord:
    name: str
    description: str | None
    tags: tuple[tuple[str, str], ...]
    created_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ModelRecord:
        return cls(
            name=row["name"],
            description=row.get("description"),
            tags=pairs_from_strings(row.get("tags")),
            created_at=moment(row["createdAt"]),
        )


@dataclass(frozen=True, slots=True)
class ArtifactRecord:
    sha256: str
    size_bytes: int
    status: str
    key: str
    uri: str | None
    upload_id: str | None = None


@dataclass(frozen=True, slots=True)
class VersionRecord:
    model: str
    version: int
    stage: Stage
    description: str | None
    tags: tuple[tuple[str, str], ...]
    metrics: tuple[Metric, ...]
    created_at: datetime
    deleted: bool
    request_id: str | None
    artifact: ArtifactRecord | None = None
    aliases: tuple[str, ...] = field(default=())

    @property
    def key(self) -> tuple[str, int]:
        return (self.model, self.version)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> VersionRecord:
        artifact = None
        if row.get("artifactSha256"):
            artifact = ArtifactRecord(
                sha256=row["artifactSha256"],
                size_bytes=int(row["artifactSize"]),
                status=row.get("artifactStatus") or "PENDING",
                key=row.get("artifactKey") or "",
                uri=row.get("artifactUri"),
                upload_id=row.get("artifactUploadId"),
            )
        return cls(
            model=row["model"],
            version=row["version"],
            stage=Stage(row.get("stage") or "NONE"),
            description=row.get("description"),
            tags=pairs_from_strings(row.get("tags")),
            metrics=metrics_from_json(row.get("metrics")),
            created_at=moment(row["createdAt"]),
            deleted=bool(row.get("deleted")),
            request_id=row.get("requestId"),
            artifact=artifact,
        )


@dataclass(frozen=True, slots=True)
class StageTransitionRecord:
    model: str
    version: int
    from_stage: Stage
    to_stage: Stage
    actor: str
    comment: str | None
    at: datetime
    # Who approved the move, when it completed a transition request.
    approved_by: tuple[str, ...] = ()

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> StageTransitionRecord:
        return cls(
            model=row["model"],
            version=row["version"],
            from_stage=Stage(row["fromStage"]),
            to_stage=Stage(row["toStage"]),
            actor=row["actor"],
            comment=row.get("comment"),
            at=row["at"],
            approved_by=tuple(row.get("approvedBy") or ()),
        )


@dataclass(frozen=True, slots=True)
class AliasAssignmentRecord:
    model: str
    alias: str
    version: int
    actor: str
    start: datetime
    end: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AliasAssignmentRecord:
        return cls(
            model=row["model"],
            alias=row["alias"],
            version=row["version"],
            actor=row["actor"],
            start=row["from"],
            end=row.get("to"),
        )


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing. `total_count` is None where the listing counts apart, on demand (its
    service has a `count_*` method): a page read along an index costs what it shows, a count costs
    every match, so registry-wide listings count only when asked."""

    items: tuple[T, ...]
    cursors: tuple[str, ...]
    has_next_page: bool
    total_count: int | None

    def counted(self) -> int:
        if self.total_count is None:
            raise ValueError("this listing counts on demand: ask its service's count method")
        return self.total_count
