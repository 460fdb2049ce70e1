"""Requirement lines become Package nodes: pinned name==version only, names per PEP 503."""

from __future__ import annotations

import pytest

from graph_registry.domain.records import PackageRecord
from graph_registry.domain.validation import MAX_REQUIREMENTS, requirements
from graph_registry.errors import InvalidInput

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("numpy==1.26.4", ("numpy", "1.26.4")),
        ("  Scikit_Learn==1.4.2  ", ("scikit-learn", "1.4.2")),
        ("zope.interface==6.1", ("zope-interface", "6.1")),
        ("requests[socks,security]==2.31.0", ("requests", "2.31.0")),
        ('pywin32==306 ; sys_platform == "win32"', ("pywin32", "306")),
        ("torch==2.1.0+cu118", ("torch", "2.1.0+cu118")),
        ("pandas==02.01", ("pandas", "2.1")),
        ("black==24.1b1", ("black", "24.1b1")),
    ],
    ids=["plain", "pep503-name", "dots", "extras", "marker", "local-version", "normalised-version", "pre-release"],
)
def test_pinned_lines_are_accepted_and_normalised(line: str, expected: tuple[str, str]) -> None:
    assert requirements([line]) == [PackageRecord(*expected)]


@pytest.mark.parametrize(
    "line",
    [
        "numpy",
        "numpy>=1.26",
        "numpy==1.*",
        "numpy==1.26,<2",
        "numpy===1.26",
        "numpy~=1.26",
        "numpy @ https://example.com/numpy-1.26.whl",
        "-e git+https://example.com/repo.git#egg=numpy",
        "numpy==not a version",
        "",
        "numpy==1.26 # comment",
    ],
)
def test_unpinned_or_malformed_lines_are_invalid_input(line: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        requirements([line])
    assert refused.value.fields == {"field": "requirements"}


def test_the_same_pin_twice_is_one_package_and_two_pins_are_refused() -> None:
    assert requirements(["NumPy==1.26.4", "numpy==1.26.4"]) == [PackageRecord("numpy", "1.26.4")]
    with pytest.raises(InvalidInput, match="pinned twice"):
        requirements(["numpy==1.26.4", "numpy==1.26.3"])


def test_packages_come_back_sorted_and_the_count_is_capped() -> None:
    assert [p.name for p in requirements(["b==1", "a==1", "c==1"])] == ["a", "b", "c"]
    assert requirements(None) == []
    with pytest.raises(InvalidInput, match="at most"):
        requirements([f"p{i}==1" for i in range(MAX_REQUIREMENTS + 1)])
