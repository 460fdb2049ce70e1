"""vulnerableModels and the blocking severity (real Neo4j, one request each)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from graph_registry.domain.severity import Severity
from graph_registry.settings import Settings
from tests.graphql import data, execute
from tests.live_server import LiveServer
from tests.supply import records
from tests.supply.graph import import_osv, promote, version_with
from tests.supply.records import pypi, synthetic

VULNERABLE = """
query($stage: Stage, $alias: String, $min: Severity) {
  vulnerableModels(stage: $stage, alias: $alias, minSeverity: $min) {
    modelVersion { version stage model { name } }
    vulnerabilities { package { name version } advisory { osvId severity } }
  }
}
"""


def mine(found: list[dict], prefix: str) -> dict[tuple[str, int], set[str]]:
    return {
        (hit["modelVersion"]["model"]["name"], hit["modelVersion"]["version"]): {
            v["advisory"]["osvId"] for v in hit["vulnerabilities"]
        }
        for hit in found
        if hit["modelVersion"]["model"]["name"].startswith(prefix)
    }


async def test_two_hundred_versions_fifty_advisories_in_one_request(client: httpx.AsyncClient, unique: str) -> None:
    # 20 models x 10 versions; version v+1 of model m requires lib-<unique>-<m % 5>==1.<v>.
    prefix = f"vm-{unique}"
    for m in range(20):
        for v in range(10):
            await version_with(client, f"{prefix}-{m}", [f"lib-{unique}-{m % 5}==1.{v}"])
    await promote(client, f"{prefix}-0", 3, "PRODUCTION")
    await data(
        client,
        'mutation($m: String!) { setAlias(model: $m, alias: "champion", version: 7) { version } }',
        m=f"{prefix}-0",
    )
    # 50 advisories: advisory i affects lib-<i % 5> from 1.<i % 10> on (fixed in 2.0); odd ones are HIGH.
    advisories = [
        synthetic(
            f"SYNTH-{unique}-{i}",
            affected=[pypi(f"lib-{unique}-{i % 5}", {"introduced": f"1.{i % 10}"}, {"fixed": "2.0"})],
            severity=[{"type": "CVSS_V3", "score": records.CVSS_V3_HIGH}] if i % 2 else None,
        )
        for i in range(50)
    ]
    result = await import_osv(client, advisories)

    def expected(m: int, v: int, only_high: bool = False) -> set[str]:
        return {f"SYNTH-{unique}-{i}" for i in range(50) if i % 5 == m % 5 and v >= i % 10 and (i % 2 or not only_high)}

    def answer(only_high: bool = False) -> dict[tuple[str, int], set[str]]:
        pairs = ((m, v) for m in range(20) for v in range(10))
        return {(f"{prefix}-{m}", v + 1): expected(m, v, only_high) for m, v in pairs if expected(m, v, only_high)}

    assert result["imported"] == 50
    assert {(hit["model"]["name"], hit["version"]) for hit in result["newlyAffected"]} == set(answer())

    everything = mine((await data(client, VULNERABLE))["vulnerableModels"], prefix)
    assert everything == answer()
    high = mine((await data(client, VULNERABLE, min="HIGH"))["vulnerableModels"], prefix)
    assert high == answer(only_high=True)
    production = mine((await data(client, VULNERABLE, stage="PRODUCTION"))["vulnerableModels"], prefix)
    assert production == {(f"{prefix}-0", 3): expected(0, 2)}
    champion = mine((await data(client, VULNERABLE, alias="champion"))["vulnerableModels"], prefix)
    assert champion == {(f"{prefix}-0", 7): expected(0, 6)}


@pytest.fixture(scope="module")
def blocking_api(neo4j_settings: Settings) -> Iterator[LiveServer]:
    settings = neo4j_settings.model_copy(
        update={"auth": False, "require_provenance": False, "blocking_severity": Severity.HIGH}
    )
    with LiveServer.serving(settings) as server:
        yield server


async def test_blocking_severity_refuses_production_naming_the_advisory(blocking_api: LiveServer, unique: str) -> None:
    model = f"block-{unique}"
    async with httpx.AsyncClient(base_url=blocking_api.url, timeout=60) as client:
        vulnerable = await version_with(client, model, [f"blk-{unique}==1.0"])
        moderate_only = await version_with(client, model, [f"mod-{unique}==1.0"])
        await import_osv(
            client,
            [
                synthetic(
                    f"SYNTH-{unique}-high",
                    affected=[pypi(f"blk-{unique}", {"introduced": "0"})],
                    severity=[{"type": "CVSS_V3", "score": records.CVSS_V3_CRITICAL}],
                ),
                synthetic(
                    f"SYNTH-{unique}-mod",
                    affected=[pypi(f"mod-{unique}", {"introduced": "0"})],
                    database_severity="MODERATE",
                ),
                synthetic(f"SYNTH-{unique}-null", affected=[pypi(f"mod-{unique}", {"introduced": "0"})]),
            ],
        )
        query = (
            "mutation($m: String!, $v: Int!) { transitionStage(model: $m, version: $v, stage: PRODUCTION) { stage } }"
        )
        body = await execute(client, query, m=model, v=vulnerable)
        error = body["errors"][0]
        assert error["extensions"]["code"] == "PRECONDITION_FAILED"
        assert f"SYNTH-{unique}-high" in error["message"]
        # below the blocking severity, and a null severity, do not block; STAGING is never blocked
        assert (await data(client, query, m=model, v=moderate_only))["transitionStage"]["stage"] == "PRODUCTION"
        staged = "mutation($m: String!, $v: Int!) { transitionStage(model: $m, version: $v, stage: STAGING) { stage } }"
        assert (await data(client, staged, m=model, v=vulnerable))["transitionStage"]["stage"] == "STAGING"
