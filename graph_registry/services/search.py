"""Search and leaderboards: finding models, versions and datasets by what they say, and ranking versions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import orjson

from graph_registry.domain import paging, validation
from graph_registry.domain.lineage import NodeKind
from graph_registry.domain.records import DatasetRecord, Metric, ModelRecord, Stage, VersionRecord, pairs_from_strings
from graph_registry.domain.search import highlight, lucene, terms
from graph_registry.storage.database import Database, Row

SEARCHABLE = {NodeKind.MODEL: "Model", NodeKind.MODEL_VERSION: "ModelVersion", NodeKind.DATASET: "Dataset"}
_KINDS = {label: kind for kind, label in SEARCHABLE.items()}
_CARD = ("cardSummary", "cardIntendedUse", "cardLimitations", "cardEthicalConsiderations", "cardEvaluation")
MAX_RESULTS = 100

Found = ModelRecord | VersionRecord | DatasetRecord


@dataclass(frozen=True, slots=True)
class Hit:
    kind: NodeKind
    record: Found
    score: float
    highlight: str | None


def _texts(row: Row) -> list[str]:
    texts = [row.get("name"), row.get("description")]
    texts += [f"{key}={value}" for key, value in pairs_from_strings(row.get("tags"))]
    texts += [row.get(prop) for prop in _CARD]
    return [text for text in texts if isinstance(text, str) and text]


def _record(label: str, row: Row) -> Found:
    if label == "Model":
        return ModelRecord.from_row(row)
    if label == "ModelVersion":
        return VersionRecord.from_row(row)
    return DatasetRecord.from_row(row)


def metric_value(metrics: Sequence[Metric], key: str) -> float | None:
    """The metric's value at its last step (or the last one logged without steps)."""
    values = [m for m in metrics if m.key == key]
    if not values:
        return None
    return max(enumerate(values), key=lambda pair: (pair[1].step if pair[1].step is not None else -1, pair[0]))[1].value


class SearchService:
    def __init__(self, database: Database, *, max_page_size: int = MAX_RESULTS) -> None:
        self._db = database
        self._max = max_page_size

    async def search(self, query: str, *, kinds: Sequence[NodeKind] | None, first: int) -> list[Hit]:
        words = terms(query)
        first = paging.page_size(first, limit=self._max)
        labels = None
        if kinds is not None:
            labels = sorted({SEARCHABLE[kind] for kind in kinds if kind in SEARCHABLE})
            if not labels:
                return []
        rows = await self._db.read("search_registry", lucene=lucene(words), labels=labels, first=first)
        return [
            Hit(
                kind=_KINDS[row["label"]],
                record=_record(row["label"], row["node"]),
                score=float(row["score"]),
                highlight=highlight(_texts(row["node"]), words),
            )
            for row in rows
        ]

    async def leaderboard(
        self, *, model: str, metric: str, higher_is_better: bool, stage: Stage | None, first: int
    ) -> list[VersionRecord]:
        validation.name(model)
        validation.metrics([Metric(key=metric, value=0.0)])
        first = paging.page_size(first, limit=self._max)
        needle = '"key":' + orjson.dumps(metric).decode()
        rows = await self._db.read(
            "list_leaderboard_candidates", model=model, stage=stage.value if stage else None, needle=needle
        )
        scored = []
        for row in rows:
            record = VersionRecord.from_row(row["version"])
            value = metric_value(record.metrics, metric)
            if value is not None:
                scored.append((value, record))
        scored.sort(key=lambda pair: (-pair[0] if higher_is_better else pair[0], -pair[1].version))
        return [record for _, record in scored[:first]]
