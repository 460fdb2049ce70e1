"""Importing OSV records through importAdvisories: counts, matches, re-imports, events (real Neo4j)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx

from graph_registry.services.events import EventService
from graph_registry.storage.database import Database
from tests.graphql import data, error_code
from tests.supply import records
from tests.supply.graph import import_osv, promote, version_with
from tests.supply.records import pypi, synthetic

VULNS = """
query($m: String!, $v: Int!, $min: Severity) {
  modelVersion(model: $m, version: $v) {
    vulnerabilities(minSeverity: $min) { package { name version } advisory { osvId severity aliases } }
  }
}
"""
ADVISORY = """
query($id: String!) {
  advisory(osvId: $id) {
    id osvId aliases summary severity publishedAt modifiedAt references
    affected { package ranges versions fixedIn }
  }
}
"""


async def vulnerabilities(client: httpx.AsyncClient, model: str, version: int, minimum: str | None = None) -> set[str]:
    found = await data(client, VULNS, m=model, v=version, min=minimum)
    return {hit["advisory"]["osvId"] for hit in found["modelVersion"]["vulnerabilities"]}


async def test_shipped_records_match_declared_packages(client: httpx.AsyncClient, model_name: str) -> None:
    old = await version_with(client, model_name, ["PyYAML==5.3.1", "requests==2.19.0", "numpy==1.26.4"])
    new = await version_with(client, model_name, ["pyyaml==6.0.1", "requests==2.32.3"])
    await import_osv(client, records.all_real())
    assert {"PYSEC-2021-142", "PYSEC-2018-28", "PYSEC-2023-74"} <= await vulnerabilities(client, model_name, old)
    assert "PYSEC-2021-142" not in await vulnerabilities(client, model_name, new)
    assert not {"PYSEC-2018-28", "PYSEC-2023-74"} & await vulnerabilities(client, model_name, new)
    # a version created after the import is matched when its packages are recorded
    later = await version_with(client, model_name, ["PyYaml==5.4b1"])
    assert "PYSEC-2021-142" in await vulnerabilities(client, model_name, later)


async def test_reimport_is_idempotent(client: httpx.AsyncClient) -> None:
    await import_osv(client, records.all_real())
    again = await import_osv(client, records.all_real())
    assert again == {"imported": 0, "updated": 0, "skipped": 58, "newlyAffected": []}


async def test_counts_newer_records_and_withdrawal(client: httpx.AsyncClient, unique: str, model_name: str) -> None:
    package = f"pkg-{unique}"
    version = await version_with(client, model_name, [f"{package}==1.2"])
    first = synthetic(f"SYNTH-{unique}", affected=[pypi(package, {"introduced": "0"}, {"fixed": "2.0"})])
    result = await import_osv(
        client,
        [first, {**first, "id": f"SYNTH-{unique}-npm", "affected": [{"package": {"ecosystem": "npm", "name": "x"}}]}],
    )
    assert result["imported"] == 1 and result["updated"] == 0 and result["skipped"] == 1
    assert result["newlyAffected"] == [{"version": version, "model": {"name": model_name}}]

    narrowed = {**first, "modified": "2025-02-01T00:00:00Z", "affected": [pypi(package, {"introduced": "1.5"})]}
    assert (await import_osv(client, narrowed))["updated"] == 1
    assert await vulnerabilities(client, model_name, version) == set()

    older = {**first, "modified": "2024-01-01T00:00:00Z"}
    assert await import_osv(client, older) == {"imported": 0, "updated": 0, "skipped": 1, "newlyAffected": []}
    assert await vulnerabilities(client, model_name, version) == set()

    widened = {**first, "modified": "2025-03-01T00:00:00Z"}
    again = await import_osv(client, widened)
    assert again["updated"] == 1 and again["newlyAffected"] == [{"version": version, "model": {"name": model_name}}]

    withdrawn = {**widened, "modified": "2025-04-01T00:00:00Z", "withdrawn": "2025-04-01T00:00:00Z"}
    assert (await import_osv(client, withdrawn))["updated"] == 1
    assert await vulnerabilities(client, model_name, version) == set()

    never_seen = synthetic(
        f"SYNTH-{unique}-w", affected=[pypi(package, {"introduced": "0"})], withdrawn="2025-01-01T00:00:00Z"
    )
    assert (await import_osv(client, never_seen))["skipped"] == 1


async def test_advisory_by_id_and_by_alias(client: httpx.AsyncClient) -> None:
    await import_osv(client, records.real("PYSEC-2021-142"))
    by_id = (await data(client, ADVISORY, id="PYSEC-2021-142"))["advisory"]
    assert by_id["aliases"] == ["CVE-2020-14343", "GHSA-8q59-q68h-6hv4"]
    assert by_id["affected"][0]["package"] == "pyyaml"
    assert by_id["affected"][0]["ranges"] == [">=0,<5.4"]
    assert by_id["affected"][0]["fixedIn"] == ["5.4"]
    assert "5.3.1" in by_id["affected"][0]["versions"]
    assert by_id["severity"] is None
    assert by_id["modifiedAt"].startswith("2021-08-27")
    for alias in ("CVE-2020-14343", "GHSA-8q59-q68h-6hv4"):
        assert (await data(client, ADVISORY, id=alias))["advisory"]["osvId"] == "PYSEC-2021-142"
    assert (await data(client, ADVISORY, id="CVE-1999-0000"))["advisory"] is None
    assert await error_code(client, ADVISORY, id="CVE|2020") == "INVALID_INPUT"


async def test_min_severity_filters_and_null_never_meets(
    client: httpx.AsyncClient, unique: str, model_name: str
) -> None:
    package = f"sev-{unique}"
    version = await version_with(client, model_name, [f"{package}==1.0"])
    whole = {"introduced": "0"}
    await import_osv(
        client,
        [
            synthetic(
                f"SYNTH-{unique}-c",
                affected=[pypi(package, whole)],
                severity=[{"type": "CVSS_V4", "score": records.CVSS_V4_CRITICAL}],
            ),
            synthetic(f"SYNTH-{unique}-m", affected=[pypi(package, whole)], database_severity="MEDIUM"),
            synthetic(f"SYNTH-{unique}-n", affected=[pypi(package, whole)]),
        ],
    )
    assert await vulnerabilities(client, model_name, version) == {f"SYNTH-{unique}-{s}" for s in "cmn"}
    assert await vulnerabilities(client, model_name, version, "MODERATE") == {f"SYNTH-{unique}-c", f"SYNTH-{unique}-m"}
    assert await vulnerabilities(client, model_name, version, "CRITICAL") == {f"SYNTH-{unique}-c"}
    assert await vulnerabilities(client, model_name, version, "LOW") == {f"SYNTH-{unique}-c", f"SYNTH-{unique}-m"}


async def test_import_that_affects_a_production_version_emits_the_event(
    client: httpx.AsyncClient, database: Database, unique: str, model_name: str
) -> None:
    package = f"evt-{unique}"
    production = await version_with(client, model_name, [f"{package}==3.1"])
    await promote(client, model_name, production, "PRODUCTION")
    untouched = await version_with(client, model_name, [f"{package}==9.0"])
    since = datetime.now(UTC)
    osv_id = f"SYNTH-{unique}"
    result = await import_osv(
        client, synthetic(osv_id, affected=[pypi(package, {"introduced": "3.0"}, {"fixed": "4.0"})])
    )
    assert [hit["version"] for hit in result["newlyAffected"]] == [production]

    feed = EventService(database, poll_interval=0.1).follow(model=model_name, since=since)
    event = await asyncio.wait_for(anext(feed), 60)
    await feed.aclose()
    assert (event.type, event.version, event.detail) == ("VULNERABILITY_FOUND", production, osv_id)
    assert untouched != production
    # re-importing the same record emits nothing more and reports nobody as newly affected
    assert (
        await import_osv(client, synthetic(osv_id, affected=[pypi(package, {"introduced": "3.0"}, {"fixed": "4.0"})]))
    )["newlyAffected"] == []


async def test_bad_records_write_nothing(client: httpx.AsyncClient, unique: str) -> None:
    good = synthetic(f"SYNTH-{unique}-ok", affected=[pypi(f"bad-{unique}", {"introduced": "0"})])
    bad = synthetic(f"SYNTH-{unique}-bad", affected=[pypi("x", {"introduced": "0"})], modified="not a time")
    query = "mutation($osv: JSON!) { importAdvisories(osv: $osv) { imported } }"
    assert await error_code(client, query, osv=[good, bad]) == "INVALID_INPUT"
    assert (await data(client, ADVISORY, id=f"SYNTH-{unique}-ok"))["advisory"] is None
    assert await error_code(client, query, osv="just text") == "INVALID_INPUT"
