"""The garbage collector's pauses in an API worker answering the bench's questions, in process.

    .venv/bin/python -m bench.gc_pauses --neo4j-port 7743 [--freeze]

The app is served as `create_app` builds it (ASGI called directly, as bench.inproc does) against
the graph bench.run or bench.ratios loaded; after a warm-up, alias, champion lineage, listing and
impact are asked `--calls` times each while CPython's collector callbacks time every collection by
generation. `--freeze` freezes the heap after the warm-up, as `serving_app` does after startup.
Prints the count, total and largest pause per generation, and the answers' p50/p99/max. By hand
only; 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import time
from typing import Any

from bench.inproc import STATE, AsgiHttp

QUESTIONS = ("alias", "champion_lineage", "listing", "impact_direct")


async def _measure(args: argparse.Namespace) -> None:
    from bench.registry_side import RegistrySide
    from bench.workload import Scale, Workload
    from graph_registry.api.app import create_app
    from graph_registry.settings import Settings
    from graph_registry.storage.local_neo4j import LocalNeo4j

    workload = Workload.generate(Scale.parse(args.scale), seed=args.seed)
    local = LocalNeo4j(STATE / f"registry-{workload.scale}-s{workload.seed}" / "neo4j", port=args.neo4j_port)
    started = not local.status().running
    if started:
        local.start(timeout=180)
    pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    began: list[float] = [0.0]

    def timed(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
        else:
            pauses[info["generation"]].append((time.perf_counter() - began[0]) * 1000)

    try:
        settings = Settings(
            neo4j_uri=local.uri, neo4j_user=local.user, neo4j_password=local.password(), load_demo=False, auth=False
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            questions = RegistrySide(AsgiHttp(app), workload).questions()
            for index in range(args.warmup):
                for name in QUESTIONS:
                    await questions[name](index)
            if args.freeze:
                gc.collect()
                gc.freeze()
            latencies: list[float] = []
            gc.callbacks.append(timed)
            try:
                for index in range(args.calls):
                    for name in QUESTIONS:
                        asked = time.perf_counter()
                        await questions[name](index)
                        latencies.append((time.perf_counter() - asked) * 1000)
            finally:
                gc.callbacks.remove(timed)
            latencies.sort()
            print(
                f"{'frozen' if args.freeze else 'default'} heap, load average {os.getloadavg()}: {len(latencies)} "
                f"answers, p50 {statistics.median(latencies):.2f} ms, "
                f"p99 {latencies[int(len(latencies) * 0.99)]:.2f} ms, max {latencies[-1]:.2f} ms"
            )
            for generation, found in pauses.items():
                if found:
                    print(
                        f"  gen{generation}: {len(found)} collections, {sum(found):.0f} ms in all, "
                        f"p50 {statistics.median(found):.2f} ms, max {max(found):.2f} ms"
                    )
            print(f"  objects tracked {len(gc.get_objects())}, frozen {gc.get_freeze_count()}")
            gc.unfreeze()
    finally:
        if started:
            local.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--neo4j-port", type=int, default=7743, help="bench.run's 100x10 Neo4j by default")
    parser.add_argument("--scale", default="100x10")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--calls", type=int, default=1500, help="rounds of the four questions")
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--freeze", action="store_true")
    asyncio.run(_measure(parser.parse_args()))


if __name__ == "__main__":
    main()
