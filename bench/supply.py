"""Supply chain and discovery figures: vulnerableModels and search, one GraphQL request each.

Run by hand, on loopback, with its own Neo4j (never the test one):

    .venv/bin/python -m bench.supply                      # 10000 models, 200 versions, 50 advisories
    .venv/bin/python -m bench.supply --models 1000 --keep # smaller, leave the Neo4j up

It seeds `--models` models with descriptions and tags (in bulk over Bolt, as create_model
stores them: one request each takes minutes on a loaded machine), then through the API
`--versions` model versions (20 models x N/20) that declare packages and `--advisories` OSV
records that affect some of those packages; checks the answers; then times each question sequentially
with one keep-alive client (p50, p95) and prints the table (and .bench/supply-results.json).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
from neo4j import AsyncDriver

from bench.processes import RssWatch, load_average
from bench.registry_side import RegistryServer
from bench.timing import percentile
from graph_registry.storage.queries import parse

ROOT = Path(__file__).resolve().parents[1]
BENCH_QUERIES = {q.name: q.text for q in parse(Path(__file__).with_name("bench.cypher"))}
WORDS = [
    "fraud", "churn", "ranking", "vision", "speech", "forecast", "credit", "payments", "anomaly", "search",
    "retail", "clinical", "routing", "pricing", "ads", "recommender", "translation", "embedding", "detector",
    "classifier", "regression", "sentiment", "toxicity", "segmentation", "demand", "inventory", "weather",
]  # fmt: skip
CREATE_MODEL = (
    "mutation($n: String!, $d: String!, $t: [TagInput!]) { createModel(name: $n, description: $d, tags: $t) { name } }"
)
CREATE_VERSION = "mutation($input: CreateModelVersionInput!) { createModelVersion(input: $input) { version } }"
IMPORT = "mutation($osv: JSON!) { importAdvisories(osv: $osv) { imported newlyAffected { version } } }"
VULNERABLE = """
query { vulnerableModels(minSeverity: HIGH) {
  modelVersion { version model { name } } vulnerabilities { package { name version } advisory { osvId severity } } } }
"""
MODELS_PAGE = """
query($after: String) { models(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor } edges { node { name description tags { key value } latestVersion { version } } } } }
"""
SEARCH = "query($q: String!) { search(query: $q, first: 20) { kind score highlight node { id } } }"


async def graphql(http: httpx.AsyncClient, document: str, **variables: Any) -> dict[str, Any]:
    response = await http.post("/graphql", json={"query": document, "variables": variables})
    body: dict[str, Any] = response.json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    result: dict[str, Any] = body["data"]
    return result


async def bounded(jobs: list[Any], concurrency: int = 8) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one(job: Any) -> None:
        async with gate:
            await job

    await asyncio.gather(*(one(job) for job in jobs))


def advisory(i: int, *, high: bool) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": f"BENCH-{i}",
        "modified": "2025-01-01T00:00:00Z",
        "summary": f"bench advisory {i}",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": f"benchlib-{i % 5}"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": f"1.{i % 10}"}, {"fixed": "2.0"}]}],
            }
        ],
    }
    if high:
        record["severity"] = [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}]
    return record


async def seed_models(driver: AsyncDriver, models: int) -> float:
    rng = random.Random(17)  # noqa: S311 - a seeded workload, not a secret
    started = time.perf_counter()
    rows = []
    for i in range(models):
        words = rng.sample(WORDS, 3)
        rows.append(
            {
                "name": f"{words[0]}-{words[1]}-{i}",
                "description": f"{words[0]} {words[1]} model for {words[2]} teams",
                "tags": [f"team={rng.choice(WORDS)}"],
            }
        )
    for start in range(0, len(rows), 1000):
        await driver.execute_query(
            BENCH_QUERIES["seed_search_models"], models=rows[start : start + 1000], database_="neo4j"
        )
    return time.perf_counter() - started


async def seed(
    http: httpx.AsyncClient, driver: AsyncDriver, *, models: int, versions: int, advisories: int
) -> dict[str, float]:
    seeded_models = await seed_models(driver, models)
    per_model = max(1, versions // 20)
    await bounded(
        [
            graphql(
                http,
                CREATE_VERSION,
                input={"model": f"vulnerable-{m}", "requirements": [f"benchlib-{m % 5}==1.{v}"]},
            )
            for m in range(20)
            for v in range(per_model)
        ]
    )
    started = time.perf_counter()
    imported = await graphql(http, IMPORT, osv=[advisory(i, high=bool(i % 2)) for i in range(advisories)])
    return {
        "seed_models_s": round(seeded_models, 1),
        "import_s": round(time.perf_counter() - started, 3),
        "newly_affected": len(imported["importAdvisories"]["newlyAffected"]),
    }


async def timed(http: httpx.AsyncClient, document: str, iterations: int, **variables: Any) -> dict[str, float]:
    await graphql(http, document, **variables)  # warm
    latencies = []
    for _ in range(iterations):
        started = time.perf_counter()
        await graphql(http, document, **variables)
        latencies.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(percentile(latencies, 50), 2), "p95_ms": round(percentile(latencies, 95), 2)}


async def measure(server: RegistryServer, args: argparse.Namespace) -> dict[str, Any]:
    driver = server.driver()
    async with httpx.AsyncClient(base_url=server.url, timeout=120) as http:
        try:
            seeded = await seed(http, driver, models=args.models, versions=args.versions, advisories=args.advisories)
        finally:
            await driver.close()
        results: dict[str, Any] = {"seed": seeded}
        answer = (await graphql(http, VULNERABLE))["vulnerableModels"]
        results["vulnerable_versions_high"] = len(answer)
        results["vulnerableModels(minSeverity: HIGH)"] = await timed(http, VULNERABLE, args.iterations)
        for label, text in [
            ("exact", "payments"),
            ("prefix", "recommend"),
            ("one typo", "forcast"),
            ("two words", "credit fraud"),
        ]:
            hits = (await graphql(http, SEARCH, q=text))["search"]
            if not hits:
                raise RuntimeError(f"search {text!r} found nothing")
            results[f"search {label} ({text})"] = await timed(http, SEARCH, args.iterations, q=text)
        # Memory: every model listed once (pages of 100, with their latest version), then the questions again.
        after = None
        while True:
            page = (await graphql(http, MODELS_PAGE, after=after))["models"]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--versions", type=int, default=200)
    parser.add_argument("--advisories", type=int, default=50)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--neo4j-port", type=int, default=7735)
    parser.add_argument("--keep", action="store_true", help="Leave the bench Neo4j running.")
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> dict[str, Any]:
    home = ROOT / ".bench" / f"supply-{args.models}"
    if home.exists():
        shutil.rmtree(home)  # a fresh graph each run (a kept Neo4j is stopped by `neo4j stop` first)
    home.mkdir(parents=True, exist_ok=True)
    server = RegistryServer.prepare(home, neo4j_port=args.neo4j_port)
    try:
        server.start_api(workers=1)
        assert server.api is not None
        with RssWatch(server.api.pid) as rss:
            results = asyncio.run(measure(server, args))
        results["api_peak_rss_mb"] = round(rss.peak_process / 2**20, 1)
    finally:
        server.stop_api()
        if not args.keep:
            server.neo4j.stop()
    results["load_average_after"] = load_average()
    results["scale"] = {"models": args.models, "versions": args.versions, "advisories": args.advisories}
    (ROOT / ".bench" / f"supply-results-{args.models}.json").write_bytes(
        orjson.dumps(results, option=orjson.OPT_INDENT_2)
    )
    for key, value in results.items():
        print(f"{key:45} {value}")
    return results


def main() -> None:
    run(parse_args())


if __name__ == "__main__":
    main()
