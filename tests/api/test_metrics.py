"""/metrics, parsed with prometheus_client's own parser after a mixed load: the counts match the
requests sent (by GraphQL operation name and type, errors by code, other endpoints by route)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from graph_registry.settings import Settings
from tests.live_server import LiveServer

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def total(samples: Samples, name: str) -> float:
    return sum(v for (sample, _), v in samples.items() if sample == name)


async def scrape(http: httpx.AsyncClient) -> Samples:
    response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return parse(response.text)


async def test_counts_match_a_mixed_load(client: httpx.AsyncClient, unique: str) -> None:
    before = await scrape(client)
    reads, creates, conflicts, readiness = 7, 3, 2, 4
    for _ in range(reads):
        response = await client.post("/graphql", json={"query": f"query Models_{unique} {{ models {{ totalCount }} }}"})
        assert not response.json().get("errors")
    for index in range(creates):
        create = f"mutation Create_{unique}($n: String!) {{ createModel(name: $n) {{ name }} }}"
        response = await client.post("/graphql", json={"query": create, "variables": {"n": f"m-{unique}-{index}"}})
        assert not response.json().get("errors"), response.json()
    for _ in range(conflicts):
        create = f"mutation Again_{unique}($n: String!) {{ createModel(name: $n) {{ name }} }}"
        response = await client.post("/graphql", json={"query": create, "variables": {"n": f"m-{unique}-0"}})
        assert response.json()["errors"][0]["extensions"]["code"] == "CONFLICT"
    for _ in range(readiness):
        assert (await client.get("/readyz")).status_code == 200
    after = await scrape(client)

    duration = "graph_registry_request_duration_seconds_count"
    assert value(after, duration, endpoint="graphql", operation=f"Models_{unique}", operation_type="query") == reads
    assert (
        value(after, duration, endpoint="graphql", operation=f"Create_{unique}", operation_type="mutation") == creates
    )
    assert (
        value(after, duration, endpoint="graphql", operation=f"Again_{unique}", operation_type="mutation") == conflicts
    )
    readyz = dict(endpoint="http", operation="/readyz", operation_type="GET")
    assert value(after, duration, **readyz) - value(before, duration, **readyz) == readiness
    errors = "graph_registry_errors_total"
    assert value(after, errors, code="CONFLICT") - value(before, errors, code="CONFLICT") == conflicts
    queries = "graph_registry_neo4j_query_duration_seconds_count"
    assert total(after, queries) > total(before, queries)
    assert value(after, "graph_registry_neo4j_connections_in_use") >= 0


@pytest.fixture(scope="module")
def guarded_api(neo4j_settings: Settings) -> Iterator[LiveServer]:
    settings = neo4j_settings.model_copy(update={"auth": False, "metrics_token": SecretStr("scraper-secret-123")})
    with LiveServer.serving(settings) as server:
        yield server


async def test_metrics_can_require_a_bearer_token(guarded_api: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=guarded_api.url) as http:
        missing = await http.get("/metrics")
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer nope"})
        right = await http.get("/metrics", headers={"Authorization": "Bearer scraper-secret-123"})
    assert missing.status_code == wrong.status_code == 401
    assert missing.json()["code"] == "UNAUTHENTICATED"
    assert right.status_code == 200
    assert "graph_registry_request_duration_seconds" in right.text
