"""Types shared by every family: the Node interface, tags, metrics, page info, enums."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry

from graph_registry.domain import ids, paging, records
from graph_registry.domain.records import Stage

__all__ = ["NODE_ID", "Count", "Metric", "MetricInput", "Node", "PageInfo", "Stage", "Tag", "TagInput"]

strawberry.enum(Stage)


NODE_ID = "Opaque global ID, stable for the object's lifetime (Relay)."


@strawberry.interface
class Node:
    id: strawberry.ID = strawberry.field(description=NODE_ID)


@strawberry.type
class Tag:
    key: str
    value: str


def tags_of(pairs: Sequence[tuple[str, str]]) -> list[Tag]:
    return [Tag(key=key, value=value) for key, value in pairs]


@strawberry.input
class TagInput:
    key: str
    value: str


def tag_pairs(tags: Sequence[TagInput] | None) -> list[tuple[str, str]] | None:
    return None if tags is None else [(tag.key, tag.value) for tag in tags]


@strawberry.type
class Metric:
    key: str
    value: float
    step: int | None = None


def metrics_of(values: Sequence[records.Metric]) -> list[Metric]:
    return [Metric(key=metric.key, value=metric.value, step=metric.step) for metric in values]


@strawberry.input
class MetricInput:
    key: str
    value: float
    step: int | None = None


def metric_records(values: Sequence[MetricInput] | None) -> list[records.Metric]:
    return [records.Metric(key=metric.key, value=metric.value, step=metric.step) for metric in values or ()]


Count = Callable[[], Awaitable[int]]
"""The total of a listing that counts on demand (a connection's totalCount resolver awaits it)."""


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None

    @classmethod
    def of(cls, page: paging.Page[Any]) -> PageInfo:
        return cls(
            has_next_page=page.has_next_page, end_cursor=ids.cursor(page.positions[-1]) if page.positions else None
        )


N = TypeVar("N")
R = TypeVar("R")


def _edge_cursor(root: Edge[Any]) -> str:
    return ids.cursor(root.position)


@strawberry.type
class Edge(Generic[N]):
    # Made when asked (a listing of 100 rarely asks for 100 cursors).
    cursor: str = strawberry.field(resolver=_edge_cursor)
    node: N
    position: strawberry.Private[str | int]


@strawberry.type
class Connection(Generic[N]):
    """One page of a listing (Strawberry names each use after its node: ModelConnection, RunConnection, ...)."""

    edges: list[Edge[N]]
    page_info: PageInfo
    count: strawberry.Private[Count]

    @strawberry.field(description="How many match; a registry-wide listing counts only when asked.")
    async def total_count(self) -> int:
        return await self.count()


def connection(page: paging.Page[R], node: Callable[[R], N], count: Count | None = None) -> Connection[N]:
    """A page as a Connection; `count` for listings that count on demand (else the page's own total)."""
    if count is None:
        total = page.counted()

        async def counted() -> int:
            return total

        count = counted
    edges = [
        Edge(node=node(item), position=position) for item, position in zip(page.items, page.positions, strict=True)
    ]
    return Connection(edges=edges, page_info=PageInfo.of(page), count=count)
