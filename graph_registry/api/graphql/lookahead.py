"""Look-ahead: which fields a client asked of the object a root field returns, before resolving it.

A root resolver that knows its answer's fields are coming can fetch what they need in the same
query and prime the request's loaders with it (one Bolt round trip per question instead of one per
loader). Only the names selected directly below the field count, through inline fragments and
fragment spreads; directives (@skip/@include) are not evaluated, so a skipped field is at worst
fetched for nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection


def _fields(selections: Iterable[Selection]) -> Iterator[SelectedField]:
    """The fields of a selection set, through inline fragments and fragment spreads."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, InlineFragment | FragmentSpread):
            yield from _fields(selection.selections)


def selected_names(info: Any) -> frozenset[str]:
    """The GraphQL names of the fields selected directly below the field `info` resolves."""
    return frozenset(field.name for root in info.selected_fields for field in _fields(root.selections))


def selected_at(info: Any, path: Sequence[str]) -> list[SelectedField]:
    """Every selection of the field at `path` below the field `info` resolves (e.g. edges, node,
    versions), with its arguments (variables substituted; omitted arguments absent)."""
    level: list[SelectedField] = list(info.selected_fields)
    for name in path:
        level = [field for parent in level for field in _fields(parent.selections) if field.name == name]
    return level
