"""`search` and `leaderboard` (merged into the Query root in schema.py)."""

from __future__ import annotations

import strawberry

from graph_registry.api.graphql.context import Info
from graph_registry.api.graphql.types.common import Node, Stage
from graph_registry.api.graphql.types.datasets import Dataset
from graph_registry.api.graphql.types.lineage_enums import NodeKind
from graph_registry.api.graphql.types.models import Model, ModelVersion
from graph_registry.domain.records import DatasetRecord, ModelRecord, VersionRecord
from graph_registry.services.search import Hit


@strawberry.type
class SearchHit:
    node: Node
    kind: NodeKind
    score: float = strawberry.field(description="Higher is better.")
    highlight: str | None = strawberry.field(
        description="A fragment of the text that matched, matches marked <em>...</em>, the rest HTML-escaped."
    )

    @classmethod
    def from_hit(cls, hit: Hit) -> SearchHit:
        node: Node
        match hit.record:
            case ModelRecord():
                node = Model.from_record(hit.record)
            case VersionRecord():
                node = ModelVersion.from_record(hit.record)
            case DatasetRecord():
                node = Dataset.from_record(hit.record)
        return cls(node=node, kind=hit.kind, score=hit.score, highlight=hit.highlight)


@strawberry.type
class SearchQueries:
    @strawberry.field(
        description="Full-text search over the names, descriptions, tags and model cards of models, model versions "
        "and datasets, best first."
    )
    async def search(
        self, info: Info, query: str, kinds: list[NodeKind] | None = None, first: int | None = 20
    ) -> list[SearchHit]:
        hits = await info.context.services.search.search(query, kinds=kinds, first=first if first is not None else 20)
        return [SearchHit.from_hit(hit) for hit in hits]

    @strawberry.field(
        description="A model's non-deleted versions ordered by a metric (best first), optionally in one stage."
    )
    async def leaderboard(
        self,
        info: Info,
        model: str,
        metric: str,
        higher_is_better: bool | None = True,
        stage: Stage | None = None,
        first: int | None = 10,
    ) -> list[ModelVersion]:
        records = await info.context.services.search.leaderboard(
            model=model,
            metric=metric,
            higher_is_better=higher_is_better is not False,
            stage=stage,
            first=first if first is not None else 10,
        )
        return [ModelVersion.from_record(record) for record in records]
