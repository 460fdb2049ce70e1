"""Where one question's time goes inside the API: cProfile of the app served in-process.

    .venv/bin/python -m bench.profile_api --scale 100x10 --question impact_direct

Needs a bench registry left loaded and running (`bench.run ... --keep`). The app
runs in this process behind httpx's ASGI transport (no sockets, no uvicorn), so
the profile shows Strawberry, the services and the driver, nothing else.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import pstats
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from bench.registry_side import RegistrySide
from bench.timing import percentile
from bench.workload import Scale, Workload
from graph_registry.api.app import create_app
from graph_registry.settings import Settings
from graph_registry.storage.local_neo4j import LocalNeo4j

STATE = Path(__file__).resolve().parents[1] / ".bench"


@contextlib.asynccontextmanager
async def in_process(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            yield http


async def profile(args: argparse.Namespace) -> None:
    workload = Workload.generate(Scale.parse(args.scale), seed=args.seed)
    home = STATE / f"registry-{workload.scale}-s{workload.seed}"
    local = LocalNeo4j(home / "neo4j", port=args.neo4j_port or workload.scale.neo4j_port)
    if not local.status().running:
        raise SystemExit(f"no bench Neo4j running under {home}: run bench.run --scale {args.scale} --keep first")
    settings = Settings(
        neo4j_uri=local.uri, neo4j_user=local.user, neo4j_password=local.password(), load_demo=False, auth=False
    )
    async with in_process(settings) as http:
        ask = RegistrySide(http, workload).questions()[args.question]
        for index in range(20):
            await ask(index)
        samples = []
        profiler = cProfile.Profile()
        for index in range(args.iterations):
            start = time.perf_counter()
            profiler.enable()
            await ask(index)
            profiler.disable()
            samples.append((time.perf_counter() - start) * 1000)
    print(f"{args.question}: p50 {percentile(samples, 50):.2f} ms in-process (profiled)")
    stats = pstats.Stats(profiler).strip_dirs().sort_stats(args.sort)
    stats.print_stats(args.lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="100x10")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--question", default="alias")
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--neo4j-port", type=int, help="default: the bench's port for the scale")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--lines", type=int, default=40)
    asyncio.run(profile(parser.parse_args()))


if __name__ == "__main__":
    main()
