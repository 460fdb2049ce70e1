"""MLflow's search grammar, parsed and matched without a server."""

from __future__ import annotations

import pytest

from graph_registry.domain.mlflow_filter import Comparison, matches, parse_filter, parse_order_by
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
