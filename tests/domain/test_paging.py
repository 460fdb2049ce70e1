"""Pages and page sizes (domain/paging.py), as pure functions."""

from __future__ import annotations

import pytest

from graph_registry.domain.paging import DEFAULT_PAGE_SIZE, Page, page_size
from graph_registry.errors import InvalidInput

pytestmark = pytest.mark.unit


def test_no_size_asked_is_the_default_within_the_limit() -> None:
    assert page_size(None, limit=100) == DEFAULT_PAGE_SIZE
    assert page_size(None, limit=5) == 5


def test_sizes_outside_zero_to_the_limit_are_refused() -> None:
    assert page_size(0, limit=100) == 0
    assert page_size(100, limit=100) == 100
    for bad in (-1, 101):
        with pytest.raises(InvalidInput) as refused:
            page_size(bad, limit=100)
        assert refused.value.fields == {"field": "first"}


def test_a_page_that_counts_on_demand_says_so() -> None:
    counted = Page(items=(1, 2), positions=("a", "b"), has_next_page=True, total_count=7)
    assert counted.counted() == 7
    uncounted = Page(items=(1,), positions=("a",), has_next_page=False, total_count=None)
    with pytest.raises(ValueError, match="on demand"):
        uncounted.counted()
