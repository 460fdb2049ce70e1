"""MLflow's search grammar, parsed and matched without a server."""

from __future__ import annotations

import pytest

from graph_registry.domain.mlflow_filter import Comparison, like, like_pattern, matches, parse_filter, parse_order_by
from graph_registry.errors import InvalidInput


def test_comparisons_joined_by_and() -> None:
    parsed = parse_filter(
        "name LIKE 'fraud%' AND tags.`team name` = 'a' AND metrics.acc >= 0.9 AND run_id IN ('x', 'y')"
    )
    assert parsed == [
        Comparison("attribute", "name", "LIKE", "fraud%"),
        Comparison("tag", "team name", "=", "a"),
        Comparison("metric", "acc", ">=", 0.9),
        Comparison("attribute", "run_id", "IN", ("x", "y")),
    ]


@pytest.mark.parametrize(
    "text",
    ["name = ", "name === 'x'", "name = 'x' OR name = 'y'", "name IN 'x'", "= 'x'", "name = 'x' AND", "name ~ 1"],
)
def test_malformed_filters_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_filter(text)


def test_matching() -> None:
    row = {("attribute", "name"): "Fraud-1", ("metric", "acc"): 0.95}

    def lookup(kind: str, key: str) -> object:
        return row.get((kind, key))

    assert matches(parse_filter("name ILIKE 'fraud-_' AND metrics.acc > 0.9"), lookup)
    assert not matches(parse_filter("name LIKE 'fraud%'"), lookup)
    assert not matches(parse_filter("tags.missing = 'x'"), lookup)


def test_order_by() -> None:
    parsed = parse_order_by(["metrics.acc DESC", "name"])
    assert [(o.kind, o.key, o.ascending) for o in parsed] == [("metric", "acc", False), ("attribute", "name", True)]
    with pytest.raises(InvalidInput):
        parse_order_by(["name SIDEWAYS"])


def test_like_patterns_read_alike_in_python_and_cypher() -> None:
    assert like_pattern("a.b%_", ignore_case=True) == "(?siu)a\\.b.*."
    assert like("a.b%", "a.bc") and not like("a.b%", "axbc")
    assert like("(x)[y]%", "(x)[y] z") and like("A_%", "ab\nc", ignore_case=True)
    # As MLflow: a backslash in a quoted value is kept, not an escape.
    assert parse_filter("params.p LIKE 'a\\_b'")[0].value == "a\\_b"
