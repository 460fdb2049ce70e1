"""max_lineage_depth can never ask more of a walk than its query reaches (a wrong `truncated` otherwise)."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from graph_registry.domain.lineage import MAX_WALK_DEPTH
from graph_registry.settings import Settings
from graph_registry.storage.queries import all_queries

pytestmark = pytest.mark.unit

# find_dataset_version_with_impact: the impact walk of find_impacted_versions, for one dataset version.
WALKS = ("walk_lineage", "find_impacted_versions", "find_dataset_version_with_impact")


@pytest.mark.parametrize("name", WALKS)
def test_the_walk_queries_reach_one_hop_beyond_the_deepest_walk(name: str) -> None:
    bounds = re.findall(r"\{1,(\d+)\}", all_queries()[name].text)
    assert bounds, f"{name} has no quantified path pattern"
    assert {int(bound) for bound in bounds} == {MAX_WALK_DEPTH + 1}


def test_every_quantified_lineage_path_is_one_of_the_bounded_walks() -> None:
    bounded = [name for name, query in all_queries().items() if re.search(r"\{1,\d+\}", query.text)]
    assert sorted(bounded) == sorted(WALKS)


def test_the_setting_is_capped_by_the_walks_bound() -> None:
    assert Settings(max_lineage_depth=MAX_WALK_DEPTH).max_lineage_depth == MAX_WALK_DEPTH
    with pytest.raises(ValidationError, match="max_lineage_depth"):
        Settings(max_lineage_depth=MAX_WALK_DEPTH + 1)
    with pytest.raises(ValidationError, match="max_lineage_depth"):
        Settings(max_lineage_depth=-1)
