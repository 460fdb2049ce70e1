"""The benchmark's workload generator is pure and deterministic: a seed and a scale give one registry."""

from __future__ import annotations

import pytest

from bench.workload import CHAIN, Scale, Workload


def test_same_seed_gives_the_same_workload() -> None:
    first, second = Workload.generate(Scale.parse("20x4"), seed=11), Workload.generate(Scale.parse("20x4"), seed=11)

    assert first == second
    assert first.new_versions(5) == second.new_versions(5)
    assert first.impact_targets() == second.impact_targets()


def test_another_seed_gives_another_workload() -> None:
    first, second = Workload.generate(Scale.parse("20x4"), seed=11), Workload.generate(Scale.parse("20x4"), seed=12)

    assert first.model_versions != second.model_versions


def test_shape_follows_the_scale() -> None:
    workload = Workload.generate(Scale.parse("20x4"))

    assert len(workload.models) == 20
    assert len(workload.model_versions) == 80
    assert len(workload.dataset_versions) == 10 * 4
    assert all(len(spec.inputs) == 2 for spec in workload.model_versions)
    # Parents are listed before what is derived from them, so they can be registered in order.
    seen: set[tuple[str, int]] = set()
    for spec in workload.dataset_versions:
        assert spec.derived_from is None or spec.derived_from in seen
        seen.add(spec.key)


def test_derivation_chains_bound_the_hops() -> None:
    workload = Workload.generate(Scale.parse("20x4"))
    head = ("ds-00000", 1)

    assert workload.derived(head, 0) == [head]
    assert len(workload.derived(head, 3)) == 4
    assert len(workload.derived(head, None)) == CHAIN
    assert workload.impacted(head, 0) <= workload.impacted(head, 3) <= workload.impacted(head, None)


def test_bad_scales_are_refused() -> None:
    for text in ("100", "x10", "1x10", "10x1"):
        with pytest.raises(ValueError):
            Scale.parse(text)
