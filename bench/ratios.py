"""GraphQL against raw Cypher over Bolt, side by side: the five questions of issue 18's target 1.

    .venv/bin/python -m bench.ratios --scale 100x10 --label before
    .venv/bin/python -m bench.ratios --scale 100x10 --reuse --profile champion_lineage --label after

Each question is asked through `graph-registry serve` (one keep-alive client) and as the one
minimal Cypher query that returns the same data (same async driver, same process, bench.cypher's
`floor_*` queries or the registry's own named query where that already is the minimum). The two
sides are interleaved: each round runs a batch of one side, then of the other (the order flips
every round), so a machine whose speed drifts slows both alike. The figures are the medians over
the rounds of each batch's p50, and the ratio is the median of the rounds' ratios.

`--profile Q` records a py-spy flame graph of the API worker while one client asks Q back to back
(bench/profiles/<Q>-<label>.svg). `--mixed` adds the 32-client mixed load (target 3): reads and
writes 9:1, p99 of the reads against their single-client p50, with 1 and 2 API workers.
Run by hand, never in pytest; everything listens on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import neo4j
import psutil  # type: ignore[import-untyped]

from bench import http_client
from bench.http_client import Http
from bench.processes import RssWatch, load_average
from bench.registry_side import RawCypher, RegistryServer, RegistrySide
from bench.run import BENCH_QUERIES, STATE, _fresh_state, _mark_loaded, verify
from bench.timing import percentile
from bench.workload import LISTING_PAGE, LISTING_TAG, LISTING_TASK, Scale, Workload
from graph_registry.api.graphql import ids
from graph_registry.storage.local_neo4j import LocalNeo4j

ROOT = Path(__file__).resolve().parents[1]
PROFILES = ROOT / "bench" / "profiles"
LINEAGE = """
query($id: ID!, $depth: Int!) {
  lineage(id: $id, direction: UPSTREAM, depth: $depth) {
    truncated nodes { depth kind label } edges { source target type }
  }
}
"""
LINEAGE_DEPTH = 5
QUESTIONS = ("alias", "champion_lineage", "listing", "impact_direct", "lineage_depth_5")
Ask = Callable[[int], Awaitable[object]]


class Sides:
    """Each question asked both ways: through the API (GraphQL) and as minimal Cypher over Bolt."""

    def __init__(self, http: Http, driver: neo4j.AsyncDriver, workload: Workload) -> None:
        self.api = RegistrySide(http, workload)
        self.raw = RawCypher(driver, workload)
        self.driver = driver
        self.workload = workload
        self.models = workload.alias_targets()
        self.targets = workload.impact_targets()

    async def cypher(self, query_name: str, /, **params: Any) -> list[neo4j.Record]:
        records, _, _ = await self.driver.execute_query(
            BENCH_QUERIES[query_name], params, database_="neo4j", routing_=neo4j.RoutingControl.READ
        )
        return records

    def _model(self, index: int) -> str:
        return self.models[index % len(self.models)]

    def _champion_id(self, index: int) -> str:
        model = self._model(index)
        return ids.global_id("ModelVersion", model, self.workload.alias_target(model))

    async def lineage(self, index: int) -> object:
        found = await self.api.graphql(LINEAGE, id=self._champion_id(index), depth=LINEAGE_DEPTH)
        return found["lineage"]

    def graphql(self) -> dict[str, Ask]:
        api = self.api
        return {
            "alias": lambda i: api.alias(self._model(i)),
            "champion_lineage": lambda i: api.champion_lineage(self._model(i)),
            "listing": lambda i: api.listing(),
            "impact_direct": lambda i: api.impact(self.targets[i % len(self.targets)], 0),
            "lineage_depth_5": self.lineage,
        }

    def floor(self) -> dict[str, Ask]:
        per_model = self.workload.scale.versions
        tag = f"{LISTING_TAG[0]}={LISTING_TAG[1]}"

        async def walk(index: int) -> object:
            model = self._model(index)
            return await self.raw.run(
                "walk_lineage",
                kind="ModelVersion",
                key=[model, self.workload.alias_target(model)],
                depth=LINEAGE_DEPTH,
                upstream=True,
                downstream=False,
            )

        return {
            "alias": lambda i: self.raw.run("find_version_by_alias", model=self._model(i), alias="champion"),
            "champion_lineage": lambda i: self.cypher("floor_champion_lineage", model=self._model(i), alias="champion"),
            "listing": lambda i: self.cypher(
                "floor_listing",
                name=LISTING_TASK,
                tag=tag,
                models=max(1, LISTING_PAGE // per_model),
                versions=per_model,
            ),
            "impact_direct": lambda i: self.raw.impact(self.targets[i % len(self.targets)], 0),
            "lineage_depth_5": walk,
        }


async def batch(ask: Ask, start: int, calls: int) -> list[float]:
    found = []
    for index in range(start, start + calls):
        began = time.perf_counter()
        await ask(index)
        found.append((time.perf_counter() - began) * 1000)
    return found


def _cpu_seconds(process: psutil.Process) -> float:
    """CPU time of all the process's threads: from the scheduler's nanosecond counters where Linux has
    them (/proc/<pid>/task/*/schedstat), else psutil's clock ticks (10 ms: coarse for a 2 ms answer)."""
    try:
        total = 0
        for task in Path(f"/proc/{process.pid}/task").iterdir():
            total += int((task / "schedstat").read_text().split()[0])
        return total / 1e9
    except (OSError, ValueError):
        times = process.cpu_times()
        return float(times.user + times.system)


async def ratios(
    sides: Sides, questions: list[str], *, rounds: int, calls: int, warmup: int, api_pid: int
) -> dict[str, Any]:
    """Interleaved rounds of both sides; besides the latencies, the CPU each answer cost: the API worker's
    for a GraphQL answer, this process's (the driver's client code) for a Cypher one. CPU per answer
    moves far less with the machine's load than latency does."""
    api, floor = sides.graphql(), sides.floor()
    server = psutil.Process(api_pid)
    for name in questions:
        await batch(api[name], 0, warmup)
        await batch(floor[name], 0, warmup)
    found: dict[str, Any] = {}
    per_round: dict[str, list[tuple[float, float]]] = {name: [] for name in questions}
    cpu: dict[str, list[tuple[float, float]]] = {name: [] for name in questions}
    for number in range(rounds):
        for name in questions:
            order = [("graphql", api[name]), ("cypher", floor[name])]
            if number % 2:
                order.reverse()
            p50, cpu_ms = {}, {}
            for side, ask in order:
                before = _cpu_seconds(server) if side == "graphql" else time.process_time()
                p50[side] = percentile(await batch(ask, number * calls, calls), 50)
                after = _cpu_seconds(server) if side == "graphql" else time.process_time()
                cpu_ms[side] = (after - before) * 1000 / calls
            per_round[name].append((p50["graphql"], p50["cypher"]))
            cpu[name].append((cpu_ms["graphql"], cpu_ms["cypher"]))
        print(f"  round {number + 1}/{rounds} done, load average {load_average()}", flush=True)
    for name, pairs in per_round.items():
        graphql_p50 = statistics.median(pair[0] for pair in pairs)
        cypher_p50 = statistics.median(pair[1] for pair in pairs)
        ratio = statistics.median(pair[0] / pair[1] for pair in pairs)
        api_cpu = statistics.median(pair[0] for pair in cpu[name])
        driver_cpu = statistics.median(pair[1] for pair in cpu[name])
        found[name] = {
            "graphql_p50_ms": round(graphql_p50, 3),
            "cypher_p50_ms": round(cypher_p50, 3),
            "ratio": round(ratio, 2),
            "api_cpu_ms_per_answer": round(api_cpu, 3),
            "cypher_client_cpu_ms_per_answer": round(driver_cpu, 3),
            "rounds": [[round(g, 3), round(c, 3)] for g, c in pairs],
        }
        print(
            f"  {name:17} GraphQL p50 {graphql_p50:7.2f} ms  Cypher p50 {cypher_p50:7.2f} ms  ratio {ratio:5.2f}"
            f"  | API CPU {api_cpu:6.2f} ms/answer, Cypher client CPU {driver_cpu:5.2f} ms/answer",
            flush=True,
        )
    return found


def _worker_pid(server: RegistryServer) -> int:
    """The uvicorn process that answers (serve with one worker may run it in the parent itself)."""
    assert server.api is not None
    parent = psutil.Process(server.api.pid)
    children = [child for child in parent.children(recursive=True) if "python" in child.name().lower()]
    return children[-1].pid if children else parent.pid


async def profile(
    server: RegistryServer, sides: Sides, question: str, label: str, seconds: int, *, raw: bool = False
) -> str:
    """py-spy of the API worker while one client asks `question` back to back (`raw`: collapsed stacks,
    one line per stack with its sample count, into .bench/ for reading the self time of each frame)."""
    PROFILES.mkdir(exist_ok=True)
    name = f"{question.replace('_', '-')}-{label}"
    out = STATE / f"{name}.txt" if raw else PROFILES / f"{name}.svg"
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    recorder = await asyncio.create_subprocess_exec(
        spy,
        "record",
        "--pid",
        str(_worker_pid(server)),
        "--duration",
        str(seconds),
        "--rate",
        "250",
        "--format",
        "raw" if raw else "flamegraph",
        "--output",
        str(out),
        "--nonblocking",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    ask = sides.graphql()[question]
    deadline = time.monotonic() + seconds + 30
    count = 0
    while recorder.returncode is None and time.monotonic() < deadline:
        await ask(count)
        count += 1
    _, error = await asyncio.wait_for(recorder.communicate(), timeout=60)
    if recorder.returncode != 0:
        raise RuntimeError(f"py-spy failed: {error.decode(errors='replace')[-2000:]}")
    print(f"  profile {question}: {count} answers in ~{seconds}s -> {out}", flush=True)
    return str(out.relative_to(ROOT))


async def mixed(
    url: str, workload: Workload, *, clients: int, seconds: float, index_base: int, think_ms: float = 0.0
) -> dict[str, Any]:
    """`clients` keep-alive clients, reads and writes 9:1 for `seconds`; then one client, reads alone.

    With `think_ms` each client pauses between its requests (exponentially distributed, that mean), as
    people and services do: the offered load is then about clients / (think + answer time), and the
    p99 says how the tail behaves below saturation. Without it every client asks back to back, so the
    32 requests always in flight queue for the machine's cores (Little's law bounds the wait).
    """
    async with http_client.client(url, connections=clients + 4) as http:
        side = RegistrySide(http, workload)
        asks = side.questions()
        reads = ("alias", "champion_lineage", "impact_direct", "listing")
        errors = 0
        counter = iter(range(index_base, index_base + 1_000_000))

        async def one(rng: random.Random, latencies: dict[str, list[float]]) -> None:
            nonlocal errors
            write = rng.random() < 0.1
            name = "register" if write else rng.choice(reads)
            began = time.perf_counter()
            try:
                await asks[name](next(counter) % 10_000)  # register: workload.new_versions(10_000)
            except Exception:  # counted: the target says "no errors"
                errors += 1
                return
            took = (time.perf_counter() - began) * 1000
            latencies.setdefault("write" if write else "read", []).append(took)
            if not write:
                latencies.setdefault(name, []).append(took)

        single: dict[str, list[float]] = {}
        rng = random.Random(1)  # noqa: S311 - which question to ask, not a secret
        deadline = time.monotonic() + seconds / 2
        while time.monotonic() < deadline:
            await one(rng, single)
        loaded: dict[str, list[float]] = {}

        async def client(seed: int) -> None:
            local = random.Random(seed)  # noqa: S311 - which question to ask, and the pause
            if think_ms:
                await asyncio.sleep(local.uniform(0, think_ms) / 1000)  # no synchronised start
            while time.monotonic() < stop:
                await one(local, loaded)
                if think_ms:
                    await asyncio.sleep(local.expovariate(1000 / think_ms))

        stop = time.monotonic() + seconds
        began = time.perf_counter()
        await asyncio.gather(*(client(seed) for seed in range(clients)))
        elapsed = time.perf_counter() - began
    reads_p50 = percentile(single.get("read", []), 50)
    read_p99 = percentile(loaded.get("read", []), 99)
    done = len(loaded.get("read", [])) + len(loaded.get("write", []))
    # Each read against its own single-client p50 too: the mix's p99 against the mix's p50 also
    # counts the spread between questions (a listing takes ~3x an alias with no load at all).
    per_read = {
        name: {
            "single_client_p50_ms": round(percentile(single[name], 50), 2),
            "single_client_p99_ms": round(percentile(single[name], 99), 2),
            "loaded_p99_ms": round(percentile(loaded[name], 99), 2),
            "p99_over_single_p50": round(percentile(loaded[name], 99) / percentile(single[name], 50), 2),
        }
        for name in reads
        if single.get(name) and loaded.get(name)
    }
    return {
        "single_client_read_p50_ms": round(reads_p50, 2),
        "single_client_read_p99_ms": round(percentile(single.get("read", []), 99), 2),
        "loaded_read_p50_ms": round(percentile(loaded.get("read", []), 50), 2),
        "loaded_read_p99_ms": round(read_p99, 2),
        "loaded_write_p99_ms": round(percentile(loaded.get("write", []), 99), 2),
        "p99_over_single_p50": round(read_p99 / reads_p50, 2),
        "ops_per_second": round(done / elapsed, 1),
        "think_ms": think_ms,
        "errors": errors,
        "per_read": per_read,
        "worst_read_p99_over_its_single_p50": max(
            (found["p99_over_single_p50"] for found in per_read.values()), default=None
        ),
    }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    workload = Workload.generate(Scale.parse(args.scale), seed=args.seed)
    args.neo4j_port = args.neo4j_port or workload.scale.neo4j_port
    home = STATE / f"registry-{workload.scale}-s{workload.seed}"
    LocalNeo4j(home / "neo4j", port=args.neo4j_port).stop()
    loaded = _fresh_state(home, workload, args.reuse)
    server = RegistryServer.prepare(home, neo4j_port=args.neo4j_port)
    driver = server.driver()
    result: dict[str, Any] = {"scale": str(workload.scale), "label": args.label, "workers": args.workers}
    try:
        server.start_api(workers=args.workers)
        assert server.api is not None
        with RssWatch(server.api.pid) as rss:
            async with http_client.client(server.url, connections=16) as http:
                sides = Sides(http, driver, workload)
                if not loaded:
                    began = time.monotonic()
                    await sides.api.load(concurrency=8)
                    _mark_loaded(home, workload)
                    print(f"  loaded in {time.monotonic() - began:.1f}s", flush=True)
                if args.verify:
                    wrong = await verify(sides.api, workload)
                    result["wrong_answers"] = wrong[:20]
                    print(f"  checked every answer against the workload: {len(wrong)} wrong", flush=True)
                    for line in wrong[:5]:
                        print("  WRONG", line, flush=True)
                result["load_average_before"] = load_average()
                result["ratios"] = await ratios(
                    sides,
                    args.questions,
                    rounds=args.rounds,
                    calls=args.calls,
                    warmup=args.warmup,
                    api_pid=_worker_pid(server),
                )
                result["load_average_after_ratios"] = load_average()
                result["profiles"] = [
                    await profile(server, sides, question, args.label, args.profile_seconds, raw=args.profile_raw)
                    for question in args.profile or []
                ]
            result["api_peak_rss_mb"] = round(rss.peak_process / 2**20, 1)
        if args.mixed:
            result["mixed"] = {}
            for workers in (1, 2):
                server.start_api(workers=workers)
                for think_ms in (0.0, *args.think_ms):
                    key = f"workers_{workers}" + (f"_think_{think_ms:g}ms" if think_ms else "")
                    result["mixed"][key] = found = await mixed(
                        server.url,
                        workload,
                        clients=args.clients,
                        seconds=args.mixed_seconds,
                        index_base=workers * 3_000 + int(think_ms) * 7,
                        think_ms=think_ms,
                    )
                    overall = {key: value for key, value in found.items() if key != "per_read"}
                    print(
                        f"  mixed, {args.clients} clients, workers={workers}, think {think_ms:g} ms: {overall}",
                        flush=True,
                    )
                    for name, figures in found["per_read"].items():
                        print(f"    {name:17s} {figures}", flush=True)
            result["load_average_after_mixed"] = load_average()
    finally:
        await driver.close()
        server.stop()
    return result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="100x10")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--label", default="run", help="names the JSON and the profiles (before, after, ...)")
    parser.add_argument("--questions", nargs="*", default=list(QUESTIONS), choices=QUESTIONS)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=40, help="calls per batch (one side, one round)")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1, help="API workers for the ratios")
    parser.add_argument("--neo4j-port", type=int, help="default: the bench port of the scale (bench.run's)")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--no-verify", dest="verify", action="store_false", help="skip checking the answers")
    parser.add_argument("--profile", nargs="*", choices=QUESTIONS, help="py-spy flame graphs of these questions")
    parser.add_argument("--profile-seconds", type=int, default=15)
    parser.add_argument("--profile-raw", action="store_true", help="collapsed stacks (.bench/*.txt), not SVG")
    parser.add_argument("--mixed", action="store_true", help="also the 32-client mixed load, 1 and 2 workers")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--mixed-seconds", type=float, default=20)
    parser.add_argument(
        "--think-ms",
        type=float,
        nargs="*",
        default=[],
        help="also run the mixed load with each client pausing this long on average between requests",
    )
    parser.add_argument(
        "--server-source",
        type=Path,
        help="serve the API from this source tree instead (e.g. `git archive` of the commit before a change)",
    )
    args = parser.parse_args(argv)
    if args.server_source:
        # Only the API subprocess imports from there (PYTHONPATH comes before the editable install).
        os.environ["PYTHONPATH"] = str(args.server_source.resolve())
    return args


def run(args: argparse.Namespace) -> dict[str, Any]:
    """The ratios (and the mixed load, profiles) of one invocation; also written to .bench/ratios-*.json."""
    STATE.mkdir(exist_ok=True)
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    print(f"bench.ratios {args.scale} {args.label}, load average {load_average()}", flush=True)
    result = {"started": started, **asyncio.run(main_async(args))}
    out = STATE / f"ratios-{args.scale}-{args.label}.json"
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out}")
    return result


def main() -> None:
    run(parse_args())


if __name__ == "__main__":
    main()
