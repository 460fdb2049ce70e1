"""Before/after in one run: two API servers, this tree and another, against the same loaded graph.

    .venv/bin/python -m bench.ab --neo4j-port 7751 --before .bench/src-<commit> [--after .bench/src-<commit>]

`bench.ratios --server-source` runs one tree after the other, minutes apart; on a shared machine
whose load swings by 5x in that time, the two runs measure the load more than the change. Here both
servers are up together (one worker each, the same bench Neo4j loaded by bench.ratios or bench.run)
and every round asks each question of one, then of the other (the order flips every round), so a
load swing hits both alike. Per question: the medians over the rounds of each side's p50 and of
each API worker's CPU per answer, and the median of the rounds' after/before ratios.

Questions: the five of bench.ratios, `register` (a version with its lineage, on the bench's own
register models: the loaded workload stays as it was) and `overhead` (`{ __typename }`: the HTTP
and GraphQL machinery of one request, no database). Run by hand, never in pytest; 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]

from bench import http_client
from bench.processes import load_average
from bench.ratios import QUESTIONS, Ask, Sides, _cpu_seconds, _worker_pid, batch
from bench.registry_side import RegistryServer
from bench.run import STATE
from bench.timing import percentile
from bench.workload import Scale, Workload
from graph_registry.storage.local_neo4j import LocalNeo4j

AB_QUESTIONS = (*QUESTIONS, "register", "overhead")
OVERHEAD = "{ __typename }"


@contextmanager
def _source(tree: Path | None) -> Iterator[None]:
    """The API subprocess started inside imports from `tree` (PYTHONPATH before the editable install)."""
    saved = os.environ.get("PYTHONPATH")
    if tree is not None:
        os.environ["PYTHONPATH"] = str(tree.resolve())
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved


def _asks(sides: Sides, offset: int) -> dict[str, Ask]:
    """The questions of one side; `offset` keeps the two sides' registrations apart."""
    asks = sides.graphql()

    async def register(index: int) -> object:
        return await sides.api.register((offset + index) % 10_000)

    async def overhead(index: int) -> object:
        return await sides.api.graphql(OVERHEAD)

    return {**asks, "register": register, "overhead": overhead}


async def compare(args: argparse.Namespace) -> dict[str, Any]:
    workload = Workload.generate(Scale.parse(args.scale), seed=args.seed)
    home = STATE / f"registry-{workload.scale}-s{workload.seed}"
    if not (home / "loaded.json").exists():
        raise SystemExit(f"{home} holds no loaded graph: run bench.ratios (or bench.run) at {workload.scale} first")
    LocalNeo4j(home / "neo4j", port=args.neo4j_port).stop()  # one left by an interrupted run
    before_server = RegistryServer.prepare(home, neo4j_port=args.neo4j_port)
    after_server = RegistryServer(home=home, neo4j=before_server.neo4j)
    result: dict[str, Any] = {
        "scale": str(workload.scale),
        "before": str(args.before),
        "after": str(args.after or "this tree"),
        "questions": {},
    }
    driver = before_server.driver()
    try:
        with _source(args.before):
            before_server.start_api(workers=1)
        with _source(args.after):
            after_server.start_api(workers=1)
        async with (
            http_client.client(before_server.url, connections=4) as before_http,
            http_client.client(after_server.url, connections=4) as after_http,
        ):
            sides = {
                "before": _asks(Sides(before_http, driver, workload), 0),
                "after": _asks(Sides(after_http, driver, workload), 5_000),
            }
            workers = {
                "before": psutil.Process(_worker_pid(before_server)),
                "after": psutil.Process(_worker_pid(after_server)),
            }
            result["load_average_before"] = load_average()
            for name in args.questions:
                for side in ("before", "after"):
                    await batch(sides[side][name], 0, args.warmup)
            # Each side's register calls take the next indices of its own range, never one used twice.
            counters = {side: itertools.count(args.warmup) for side in ("before", "after")}
            for name in args.questions:
                rounds: list[dict[str, float]] = []
                for number in range(args.rounds):
                    order = ["before", "after"] if number % 2 == 0 else ["after", "before"]
                    found: dict[str, float] = {}
                    for side in order:
                        cpu = _cpu_seconds(workers[side])
                        start = next(counters[side]) * args.calls if name == "register" else number * args.calls
                        found[f"{side}_p50"] = percentile(await batch(sides[side][name], start, args.calls), 50)
                        found[f"{side}_cpu"] = (_cpu_seconds(workers[side]) - cpu) * 1000 / args.calls
                    rounds.append(found)
                summary = {
                    key: round(statistics.median(found[key] for found in rounds), 3)
                    for key in ("before_p50", "after_p50", "before_cpu", "after_cpu")
                }
                summary["p50_after_over_before"] = round(
                    statistics.median(found["after_p50"] / found["before_p50"] for found in rounds), 3
                )
                result["questions"][name] = {**summary, "rounds": rounds}
                print(
                    f"  {name:17} p50 {summary['before_p50']:7.2f} -> {summary['after_p50']:7.2f} ms"
                    f" (x{summary['p50_after_over_before']:.2f})  API CPU {summary['before_cpu']:6.2f} ->"
                    f" {summary['after_cpu']:6.2f} ms/answer  [load {load_average()}]",
                    flush=True,
                )
            result["load_average_after"] = load_average()
    finally:
        await driver.close()
        after_server.stop_api()
        before_server.stop()
    return result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True, help="source tree of the 'before' side (git archive)")
    parser.add_argument("--after", type=Path, help="source tree of the 'after' side (default: this tree)")
    parser.add_argument("--scale", default="100x10")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--neo4j-port", type=int, required=True, help="the bench Neo4j's Bolt port")
    parser.add_argument("--label", default="ab")
    parser.add_argument("--questions", nargs="*", default=list(AB_QUESTIONS), choices=AB_QUESTIONS)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--calls", type=int, default=40, help="calls per batch (one side, one round)")
    parser.add_argument("--warmup", type=int, default=20)
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args()
    STATE.mkdir(exist_ok=True)
    print(f"bench.ab {args.scale} {args.label} (before: {args.before}), load average {load_average()}", flush=True)
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    result = {"started": started, **asyncio.run(compare(args))}
    out = STATE / f"ab-{args.scale}-{args.label}.json"
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
