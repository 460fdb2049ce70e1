"""Does a query just under the cost cap stall other clients? (issue #21, finding 2)

Run by hand on loopback: `.venv/bin/python -m bench.cost_stall [--scale 100x10]`.
Starts its own Neo4j (port 7719, state in .bench/cost-stall) and one
`graph-registry serve` worker with auth off, loads the bench workload once,
then: a small probe query's latency alone, and again while `--heavy` clients
send, back to back, nested lineage queries of rising cost. Prints, per heavy
query: its cost as the server counts it (or its refusal), how long it took,
and the probe's p50 and worst latency during it, as ratios of the probe alone.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

import httpx
from graphql import OperationDefinitionNode, parse

from bench.registry_side import RegistryServer, RegistrySide
from bench.timing import percentile
from bench.workload import Scale, Workload
from graph_registry.api.graphql.extensions.limits import operation_cost
from graph_registry.api.graphql.schema import build_schema
from graph_registry.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PROBE = "{ models(first: 1) { edges { node { name latestVersion { version } } } } }"
# Every version of `models` models, each walked both ways `depth` hops.
HEAVY = (
    "{{ models(first: {models}) {{ edges {{ node {{ versions(first: {versions}) {{ edges {{ node {{ "
    "lineage(direction: BOTH, depth: {depth}) {{ nodes {{ label kind depth }} edges {{ __typename }} }} "
    "}} }} }} }} }} }} }}"
)
SHAPES = [(5, 10, 5), (10, 10, 5), (20, 10, 5), (20, 10, 8), (20, 20, 10), (40, 10, 10)]


def cost(query: str, settings: Settings) -> int:
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    return operation_cost(
        build_schema(settings)._schema,
        operation,
        {},
        {},
        max_page_size=settings.max_page_size,
        max_depth=settings.max_lineage_depth,
        lineage_weight=settings.lineage_cost_weight,
    )


async def probe_latencies(http: httpx.AsyncClient, *, until: asyncio.Event | None, count: int) -> list[float]:
    found: list[float] = []
    while len(found) < count and not (until is not None and until.is_set()):
        started = time.perf_counter()
        response = await http.post("/graphql", json={"query": PROBE})
        response.raise_for_status()
        found.append(time.perf_counter() - started)
        await asyncio.sleep(0.05)
    return found


async def heavy_round(url: str, query: str, *, clients: int, rounds: int) -> tuple[float, str | None]:
    """Seconds per heavy query (mean over clients x rounds) and the refusal code, if refused."""
    refusal: str | None = None
    times: list[float] = []

    async def client() -> None:
        nonlocal refusal
        async with httpx.AsyncClient(base_url=url, timeout=300) as http:
            for _ in range(rounds):
                started = time.perf_counter()
                body = (await http.post("/graphql", json={"query": query})).json()
                times.append(time.perf_counter() - started)
                if body.get("errors"):
                    refusal = body["errors"][0]["extensions"].get("code")
                    return

    await asyncio.gather(*(client() for _ in range(clients)))
    return sum(times) / len(times), refusal


async def main_async(args: argparse.Namespace) -> None:
    scale = Scale.parse(args.scale)
    home = ROOT / ".bench" / "cost-stall"
    server = RegistryServer.prepare(home, neo4j_port=args.neo4j_port, heap="768m", pagecache_mb=256)
    settings = Settings()
    try:
        server.start_api(workers=1)
        async with httpx.AsyncClient(base_url=server.url, timeout=300) as http:
            side = RegistrySide(http, Workload.generate(scale))
            known = await side.graphql("{ models(first: 1) { totalCount } }")
            if known["models"]["totalCount"] == 0:
                print(f"loading the {scale} workload ...", flush=True)
                await side.load()
            alone = await probe_latencies(http, until=None, count=40)
            base = percentile(alone, 50)
            print(f"probe alone: p50 {base * 1000:.1f} ms, worst {max(alone) * 1000:.1f} ms")
            print(f"{'models x versions x depth':>26} {'cost':>9} {'heavy s':>8} {'probe p50':>10} {'probe worst':>12}")
            for models, versions, depth in SHAPES:
                query = HEAVY.format(models=models, versions=versions, depth=depth)
                done = asyncio.Event()
                heavy = asyncio.create_task(heavy_round(server.url, query, clients=args.heavy, rounds=args.rounds))
                heavy.add_done_callback(lambda _, done=done: done.set())  # type: ignore[misc]
                during = await probe_latencies(http, until=done, count=10_000)
                seconds, refusal = await heavy
                figures = f"{percentile(during, 50) / base:>9.1f}x {max(during) / base:>11.1f}x" if during else "-"
                shown = f"refused ({refusal})" if refusal else f"{seconds:.2f}"
                print(f"{f'{models} x {versions} x {depth}':>26} {cost(query, settings):>9} {shown:>8} {figures}")
    finally:
        if args.keep:
            server.stop_api()
        else:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="100x10")
    parser.add_argument("--heavy", type=int, default=4, help="concurrent clients sending the heavy query")
    parser.add_argument("--rounds", type=int, default=2, help="heavy queries per client")
    parser.add_argument("--neo4j-port", type=int, default=7719)
    parser.add_argument("--keep", action="store_true", help="leave the bench Neo4j running")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
