"""The README's "Supply chain and discovery" GraphQL example, verbatim, on the demo graph with the shipped records."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from graph_registry.bootstrap import Services
from graph_registry.services.demo import load
from graph_registry.storage.database import Database
from tests.graphql import data
from tests.supply import records
from tests.supply.graph import import_osv

README = Path(__file__).resolve().parents[2] / "README.md"


def example() -> tuple[str, str]:
    section = README.read_text(encoding="utf-8").split("## Supply chain and discovery", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```graphql\n(.*?)```", section, flags=re.S)
    query, mutation = block.split("\nmutation ", 1)
    return query, "mutation " + mutation


async def test_the_readme_example_answers_on_the_demo(
    client: httpx.AsyncClient, database: Database, services: Services
) -> None:
    await load(database, services)
    await import_osv(client, records.all_real())
    query, mutation = example()
    answer = await data(client, query)
    assert answer["advisory"]["osvId"] == "PYSEC-2021-142"
    champion = answer["modelVersion"]
    assert "PYSEC-2021-142" in {v["advisory"]["osvId"] for v in champion["vulnerabilities"]}  # PyYAML 5.3
    assert champion["sbom"]["specVersion"] == "1.6"
    assert any(hit["kind"] == "MODEL" for hit in answer["search"])
    assert [v["version"] for v in answer["leaderboard"]] == [3, 2, 1]
    updated = (await data(client, mutation))["updateModelCard"]
    assert updated["updatedBy"] == "anonymous"
