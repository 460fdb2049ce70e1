"""Cursor pages: what one page of a listing holds, how large a page may be, and the one way a listing
reads its cursor and cuts its page (every listing fetches `first + 1` rows to know if more follow)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from graph_registry.domain import ids
from graph_registry.errors import InvalidInput

T = TypeVar("T")
P = TypeVar("P", int, str)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing. `total_count` is None where the listing counts apart, on demand (its
    service has a `count_*` method): a page read along an index costs what it shows, a count costs
    every match, so registry-wide listings count only when asked."""

    items: tuple[T, ...]
    # Where each item sits in its listing; its cursor (`ids.cursor`) is made only when asked for.
    positions: tuple[str | int, ...]
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


def malformed() -> InvalidInput:
    return InvalidInput("malformed cursor", field="after")


def after(token: str | None, kind: type[P]) -> P | None:
    """The position a cursor (of `page`) points after: a number or a name; None before the first page."""
    position = ids.parse_cursor(token)
    if position is None:
        return None
    if not isinstance(position, kind) or isinstance(position, bool):
        raise malformed()
    return position


def after_moment(token: str | None) -> tuple[datetime | None, str | None]:
    """The (time, id) a cursor of a time-ordered listing points after (positions `<iso time>|<id>`)."""
    position = after(token, str)
    if position is None:
        return None, None
    at, separator, key = position.rpartition("|")
    try:
        if not separator:
            raise ValueError(position)
        return datetime.fromisoformat(at), key
    except ValueError as error:
        raise malformed() from error


def moment_position(at: datetime, key: str) -> str:
    return f"{at.isoformat()}|{key}"


def page(
    rows: Sequence[T], first: int, position: Callable[[T], str | int], *, total_count: int | None = None
) -> Page[T]:
    """The page of `first` items out of the `first + 1` rows read, the position of each."""
    shown = tuple(rows[:first])
    return Page(
        items=shown,
        positions=tuple(position(item) for item in shown),
        has_next_page=len(rows) > first,
        total_count=total_count,
    )
