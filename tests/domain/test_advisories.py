"""OSV matching and severity, pure: the shipped real records and synthetic ones (no database)."""

from __future__ import annotations

import pytest

from graph_registry.domain.advisories import parse_record
from graph_registry.domain.severity import Severity, band, meets
from graph_registry.errors import InvalidInput
from tests.supply import records
from tests.supply.records import pypi, synthetic


def affected(osv_id: str, package: str, version: str) -> bool:
    advisory = parse_record(records.real(osv_id))
    assert advisory is not None
    return bool(advisory.affected_versions(package, [version]))


@pytest.mark.parametrize(
    ("osv_id", "package", "inside", "outside"),
    [
        # introduced 0, fixed 5.4
        ("PYSEC-2021-142", "pyyaml", ["3.01", "5.3.1", "5.4b2", "5.1"], ["5.4", "5.4.1", "6.0.1"]),
        # introduced 5.1, fixed 5.2b1
        ("PYSEC-2020-176", "pyyaml", ["5.1", "5.1.2"], ["5.0", "4.2b4", "5.2b1", "5.2"]),
        # introduced 2.1.0, fixed 2.6.0
        ("PYSEC-2015-17", "requests", ["2.1.0", "2.5.3"], ["2.0.1", "2.6.0", "2.31.0"]),
        # two ranges: <1.26.17 and 2.0.0 to <2.0.6
        ("PYSEC-2023-192", "urllib3", ["1.26.16", "2.0.0", "2.0.5"], ["1.26.17", "2.0.6", "2.2.0"]),
        # introduced 1.0.5 (not 0)
        ("PYSEC-2024-24", "aiohttp", ["1.0.5", "3.9.1"], ["1.0.4", "3.9.2"]),
        ("PYSEC-2022-28", "mlflow", ["1.23.0", "0.9.1"], ["1.23.1", "2.9.2"]),
        ("PYSEC-2022-43015", "torch", ["1.13.0", "1.0.0"], ["1.13.1", "2.3.1"]),
    ],
)
def test_shipped_records_inside_and_outside_their_ranges(
    osv_id: str, package: str, inside: list[str], outside: list[str]
) -> None:
    for version in inside:
        assert affected(osv_id, package, version), f"{osv_id} should affect {package}=={version}"
    for version in outside:
        assert not affected(osv_id, package, version), f"{osv_id} should not affect {package}=={version}"


def test_pre_releases_inside_a_range_are_affected() -> None:
    # 5.4rc9 is not in the record's versions list; OSV ordering still puts it before 5.4.
    assert affected("PYSEC-2021-142", "pyyaml", "5.4rc9")
    assert affected("PYSEC-2021-142", "pyyaml", "5.4.dev0")
    assert not affected("PYSEC-2021-142", "pyyaml", "5.4.post1")


def test_names_are_pep_503_normalised() -> None:
    record = records.real("PYSEC-2021-142")
    record["affected"][0]["package"]["name"] = "PyYaml"
    advisory = parse_record(record)
    assert advisory is not None
    assert advisory.packages == ["pyyaml"]
    assert advisory.affected_versions("pyyaml", ["5.3"]) == ["5.3"]


def test_ranges_and_fixed_versions_as_text() -> None:
    advisory = parse_record(records.real("PYSEC-2023-192"))
    assert advisory is not None
    (entry,) = advisory.affected
    assert entry.specifiers == [">=0,<1.26.17", ">=2.0.0,<2.0.6"]
    assert entry.fixed_in == ["1.26.17", "2.0.6"]
    assert advisory.severity is Severity.HIGH


def test_last_affected_includes_its_version() -> None:
    advisory = parse_record(
        synthetic("SYNTH-LAST", affected=[pypi("demo-pkg", {"introduced": "1.0"}, {"last_affected": "1.4.2"})])
    )
    assert advisory is not None
    found = advisory.affected_versions("demo-pkg", ["0.9", "1.0", "1.4.2", "1.4.2rc1", "1.4.3", "2.0"])
    assert found == ["1.0", "1.4.2", "1.4.2rc1"]
    assert advisory.affected[0].specifiers == [">=1.0,<=1.4.2"]


def test_explicit_versions_list_without_ranges() -> None:
    advisory = parse_record(synthetic("SYNTH-LIST", affected=[pypi("demo-pkg", versions=["1.0", "1.2"])]))
    assert advisory is not None
    assert advisory.affected_versions("demo-pkg", ["1.0", "1.1", "1.2", "1.2.0"]) == ["1.0", "1.2", "1.2.0"]


def test_several_affected_packages_and_reintroduction() -> None:
    advisory = parse_record(
        synthetic(
            "SYNTH-MULTI",
            affected=[
                pypi("Alpha_Pkg", {"introduced": "0"}, {"fixed": "1.0"}, {"introduced": "2.0"}, {"fixed": "2.1"}),
                pypi("beta.pkg", {"introduced": "3.0"}),
                {"package": {"ecosystem": "npm", "name": "alpha-pkg"}, "versions": ["9.9"]},
            ],
        )
    )
    assert advisory is not None
    assert advisory.packages == ["alpha-pkg", "beta-pkg"]
    assert advisory.affected_versions("alpha-pkg", ["0.5", "1.0", "1.5", "2.0.1", "2.1", "9.9"]) == ["0.5", "2.0.1"]
    assert advisory.affected_versions("beta-pkg", ["2.9", "3.0", "99"]) == ["3.0", "99"]


def test_withdrawn_records_match_nothing() -> None:
    advisory = parse_record(records.real("PYSEC-2022-43059"))
    assert advisory is not None and advisory.withdrawn is not None
    assert advisory.affected_versions("aiohttp", ["3.8.1"]) == []


def test_records_without_pypi_packages_are_not_advisories() -> None:
    record = synthetic("SYNTH-NPM", affected=[{"package": {"ecosystem": "npm", "name": "left-pad"}}])
    assert parse_record(record) is None


@pytest.mark.parametrize(
    ("severity", "database", "expected"),
    [
        ([{"type": "CVSS_V3", "score": records.CVSS_V3_CRITICAL}], None, Severity.CRITICAL),
        ([{"type": "CVSS_V3", "score": records.CVSS_V3_HIGH}], None, Severity.HIGH),
        ([{"type": "CVSS_V3", "score": records.CVSS_V3_LOW}], None, Severity.LOW),
        ([{"type": "CVSS_V3", "score": records.CVSS_V3_NONE}], None, None),
        ([{"type": "CVSS_V4", "score": records.CVSS_V4_CRITICAL}], None, Severity.CRITICAL),
        (None, "MEDIUM", Severity.MODERATE),
        (None, "moderate", Severity.MODERATE),
        (None, "HIGH", Severity.HIGH),
        (None, "whatever", None),
        (None, None, None),
        # a vector wins over the database's word
        ([{"type": "CVSS_V3", "score": records.CVSS_V3_LOW}], "CRITICAL", Severity.LOW),
    ],
)
def test_severity(severity: list[dict[str, str]] | None, database: str | None, expected: Severity | None) -> None:
    record = synthetic(
        "SYNTH-SEV", affected=[pypi("demo-pkg", {"introduced": "0"})], severity=severity, database_severity=database
    )
    advisory = parse_record(record)
    assert advisory is not None
    assert advisory.severity is expected


def test_bands_and_minimums() -> None:
    assert [band(s) for s in (0.0, 0.1, 3.9, 4.0, 6.9, 7.0, 8.9, 9.0, 10.0)] == [
        None,
        Severity.LOW,
        Severity.LOW,
        Severity.MODERATE,
        Severity.MODERATE,
        Severity.HIGH,
        Severity.HIGH,
        Severity.CRITICAL,
        Severity.CRITICAL,
    ]
    assert meets(Severity.HIGH, Severity.MODERATE)
    assert not meets(Severity.LOW, Severity.MODERATE)
    assert not meets(None, Severity.LOW)
    assert meets(None, None)


def test_every_shipped_record_parses() -> None:
    parsed = [parse_record(record) for record in records.all_real()]
    assert len(parsed) == 58
    assert all(advisory is not None and advisory.affected for advisory in parsed)
    assert sum(1 for advisory in parsed if advisory and advisory.withdrawn) >= 1


def test_malformed_records_are_refused() -> None:
    with pytest.raises(InvalidInput):
        parse_record({"affected": []})
    with pytest.raises(InvalidInput):
        parse_record(synthetic("SYNTH-BAD", affected=[pypi("x", {"introduced": "0"})], modified="yesterday"))
    with pytest.raises(InvalidInput):
        parse_record(["not", "an", "object"])
