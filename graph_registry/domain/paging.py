"""Cursor pages: what one page of a listing holds, and how large a page may be."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from graph_registry.errors import InvalidInput

T = TypeVar("T")


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


DEFAULT_PAGE_SIZE = 20


def page_size(first: int | None, *, limit: int) -> int:
    """The page size asked for (`null` means the default), within 0..limit."""
    if first is None:
        return min(DEFAULT_PAGE_SIZE, limit)
    if not 0 <= first <= limit:
        raise InvalidInput(f"first must be between 0 and {limit}, got {first}", field="first")
    return first
