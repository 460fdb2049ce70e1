"""The benchmark driver: graph-registry and MLflow, the same workload, the same questions, one run.

    .venv/bin/python -m bench.run --scale 100x10
    .venv/bin/python -m bench.run --scale 1000x10 --reuse
    .venv/bin/python -m bench.run --scale 10000x10 --systems registry

Run by hand, never in pytest. Everything listens on 127.0.0.1; every loop is
bounded in count and time. State lives under .bench/ (ignored by git).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import shutil
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import neo4j
import psutil  # type: ignore[import-untyped]

from bench import http_client
from bench.http_client import Http
from bench.mlflow_side import MlflowServer, MlflowSide, mlflow_version
from bench.processes import RssWatch, folder_size, load_average, tree_rss
from bench.registry_side import RawCypher, RegistryServer, RegistrySide, bulk_ingest
from bench.timing import Counter, Figures, latencies, throughput
from bench.workload import LISTING_PAGE, LISTING_TAG, LISTING_TASK, Scale, Workload
from graph_registry.storage.local_neo4j import LocalNeo4j
from graph_registry.storage.queries import parse

ROOT = Path(__file__).resolve().parents[1]
STATE = ROOT / ".bench"
BENCH_QUERIES = {q.name: q.text for q in parse(Path(__file__).with_name("bench.cypher"))}


TABLES = ("comparison", "ratios", "memory")


@dataclass(frozen=True)
class Question:
    name: str
    text: str
    target: float
    issue_calls: str
    issue_p50_ms: float


QUESTIONS = (
    Question("register", "register a version with its lineage (run + 2 inputs + commit)", 3, "3", 34),
    Question("alias", "get the version an alias points at", 3, "1", 9),
    Question("champion_lineage", "which data and commit trained model X's champion", 3, "2", 19),
    Question("impact_direct", "which models' champions were trained on dataset version Y", 10, "4", 55),
    Question("impact_3_hops", "same, through datasets derived from Y (3 hops)", 10, "5", 70),
    Question("impact_any", "same, through any chain of derivations", 10, "~8", 95),
    Question("listing", "first page of 100 versions matching name + tag", 3, "1", 22),
)


@dataclass
class Options:
    iterations: int
    warmup: int
    concurrency: int
    time_limit: float
    load_concurrency: int


@dataclass
class SideReport:
    version: str = ""
    load_seconds: float | None = None
    load_requests: int = 0
    figures: dict[str, Figures] = field(default_factory=dict)
    # The same questions with a new connection per request (MLflow: see keep-alive in RESULTS.md).
    fresh_figures: dict[str, Figures] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def best(self, name: str) -> Figures | None:
        """The faster of the keep-alive and new-connection figures of a question."""
        found = [figures[name] for figures in (self.figures, self.fresh_figures) if name in figures]
        return min(found, key=lambda f: f.p50, default=None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "load_seconds": self.load_seconds,
            "load_requests": self.load_requests,
            "questions": {name: figures.as_dict() for name, figures in self.figures.items()},
            "questions_new_connection_each": {name: f.as_dict() for name, f in self.fresh_figures.items()},
            **self.extra,
        }


def expected(workload: Workload, name: str, index: int) -> object:
    if name in ("alias", "champion_lineage"):
        model = workload.alias_targets()[index % len(workload.alias_targets())]
        champion = workload.alias_target(model)
        if name == "alias":
            return champion
        spec = workload.model_version((model, champion))
        return frozenset(used.key for used in spec.inputs), spec.commit.sha
    targets = workload.impact_targets()
    hops = {"impact_direct": 0, "impact_3_hops": 3, "impact_any": None}[name]
    return frozenset(workload.impacted(targets[index % len(targets)], hops))


async def verify(side: Any, workload: Workload) -> list[str]:
    """Each question answered over all its targets, checked against the workload: the same registry."""
    wrong = []
    asks = side.questions()
    for name in ("alias", "champion_lineage", "impact_direct", "impact_3_hops", "impact_any"):
        count = len(workload.alias_targets() if name in ("alias", "champion_lineage") else workload.impact_targets())
        for index in range(count):
            got, want = await asks[name](index), expected(workload, name, index)
            if got != want:
                wrong.append(f"{side.name} {name}[{index}]: got {got}, expected {want}")
    listed = await asks["listing"](0)
    assert isinstance(listed, list)
    matching = {
        (spec.model, spec.version)
        for spec in workload.model_versions
        if LISTING_TASK in spec.model and spec.team == LISTING_TAG[1]
    }
    if len(listed) != min(LISTING_PAGE, len(matching)) or not set(listed) <= matching:
        wrong.append(f"{side.name} listing: {len(listed)} versions, {len(set(listed) - matching)} not matching")
    return wrong


async def time_questions(side: Any, options: Options, only: list[str] | None = None) -> dict[str, Figures]:
    asks = side.questions()
    await side.prepare_register()
    found = {}
    for question in QUESTIONS:
        if only is not None and question.name not in only:
            continue
        counter = Counter()
        before = side.calls
        samples = await latencies(
            asks[question.name],
            counter,
            iterations=options.iterations,
            warmup=options.warmup,
            time_limit=options.time_limit,
        )
        figures = Figures(latencies=samples, calls_per_question=(side.calls - before) / max(1, counter.value))
        figures.ops_per_second = await throughput(
            asks[question.name],
            counter,
            concurrency=options.concurrency,
            iterations=options.iterations,
            time_limit=options.time_limit,
        )
        found[question.name] = figures
        print(
            f"  {side.name:14} {question.name:17} p50 {figures.p50:8.2f} ms  p95 {figures.p95:8.2f} ms  "
            f"{figures.ops_per_second:8.1f} ops/s  {figures.calls_per_question:.1f} calls",
            flush=True,
        )
    return found


def _client(url: str, *, keep_alive: bool = True) -> AbstractAsyncContextManager[Http]:
    return http_client.client(url, connections=64, keep_alive=keep_alive)


def _fresh_state(folder: Path, workload: Workload, reuse: bool) -> bool:
    """True when `folder` already holds this workload (and --reuse was asked); else it is emptied."""
    marker = folder / "loaded.json"
    wanted = {"scale": str(workload.scale), "seed": workload.seed}
    if reuse and marker.exists() and json.loads(marker.read_text()) == wanted:
        return True
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return False


def _mark_loaded(folder: Path, workload: Workload) -> None:
    (folder / "loaded.json").write_text(json.dumps({"scale": str(workload.scale), "seed": workload.seed}))


async def keep_alive_check(url: str, make_side: Callable[[Http], Any], model: str) -> dict[str, float]:
    """p50 of one cheap question (alias) over a reused connection and over a new connection each time."""
    result = {}
    for label, keep in (("keep_alive_p50_ms", True), ("new_connection_p50_ms", False)):
        async with _client(url, keep_alive=keep) as http:
            side = make_side(http)
            samples = []
            for _ in range(105):
                start = time.perf_counter()
                await side.alias(model)
                samples.append((time.perf_counter() - start) * 1000)
        result[label] = round(Figures(latencies=samples[5:]).p50, 3)
    async with _client(url) as http:
        side = make_side(http)
        result["ops_per_second_8_clients"] = round(
            await throughput(lambda _: side.alias(model), Counter(), concurrency=8, iterations=400, time_limit=30), 1
        )
    return result


async def run_registry(workload: Workload, options: Options, args: argparse.Namespace) -> SideReport:
    report = SideReport(version="graph-registry (this checkout)")
    home = STATE / f"registry-{workload.scale}-s{workload.seed}"
    # A bench Neo4j left running by an earlier run (--keep) is stopped before its folder is reused or emptied.
    LocalNeo4j(home / "neo4j", port=args.neo4j_port).stop()
    loaded = _fresh_state(home, workload, args.reuse)
    server = RegistryServer.prepare(
        home, neo4j_port=args.neo4j_port, heap=args.neo4j_heap, pagecache_mb=args.pagecache_mb
    )
    driver = server.driver()
    try:
        server.start_api(workers=args.registry_workers, auth=args.auth)
        assert server.api is not None
        with RssWatch(server.api.pid) as rss:
            async with _client(server.url) as http:
                side = RegistrySide(http, workload)
                if not loaded:
                    before = await _counts(driver)
                    start = time.monotonic()
                    await side.load(concurrency=options.load_concurrency)
                    report.load_seconds = time.monotonic() - start
                    report.load_requests = side.calls
                    after = await _counts(driver)
                    created = after[0] + after[1] - before[0] - before[1]
                    report.extra["ingest"] = {
                        "path": f"GraphQL mutations, {options.load_concurrency} concurrent clients",
                        "nodes": after[0],
                        "edges": after[1],
                        "nodes_edges_per_second": round(created / report.load_seconds, 1),
                        "requests_per_second": round(side.calls / report.load_seconds, 1),
                    }
                    _mark_loaded(home, workload)
                    print(
                        f"  graph-registry loaded in {report.load_seconds:.1f}s: {report.extra['ingest']}", flush=True
                    )
                wrong = await verify(side, workload)
                report.extra["wrong_answers"] = wrong[:20]
                for line in wrong[:5]:
                    print("  WRONG", line)
                report.figures = await time_questions(side, options, args.questions)
            report.extra["api_workers"] = args.registry_workers
            report.extra["api_peak_rss_mb"] = round(rss.peak_process / 2**20, 1)
            report.extra["api_peak_rss_total_mb"] = round(rss.peak_total / 2**20, 1)
        report.extra["raw_cypher"] = await _raw_cypher(driver, workload, options, report.figures)
        report.extra["neo4j"] = await _neo4j_figures(driver, server)
        if args.bulk_ingest:
            report.extra["bulk_ingest"] = await bulk_ingest(server.neo4j, home, port=args.neo4j_port + 10)
            print(f"  bulk ingest    {report.extra['bulk_ingest']}", flush=True)
        if args.keep_alive_check:
            report.extra["keep_alive"] = await _registry_keep_alive(server, workload, args)
    finally:
        await driver.close()
        if args.keep:
            server.stop_api()
        else:
            server.stop()
    return report


async def _counts(driver: neo4j.AsyncDriver) -> tuple[int, int]:
    nodes, _, _ = await driver.execute_query(BENCH_QUERIES["count_nodes"], database_="neo4j")
    edges, _, _ = await driver.execute_query(BENCH_QUERIES["count_edges"], database_="neo4j")
    return nodes[0]["count"], edges[0]["count"]


async def _raw_cypher(
    driver: neo4j.AsyncDriver, workload: Workload, options: Options, figures: dict[str, Figures]
) -> dict[str, Any]:
    raw = RawCypher(driver, workload)
    found = {}
    for name, ask in raw.questions().items():
        samples = await latencies(
            ask, Counter(), iterations=options.iterations, warmup=options.warmup, time_limit=options.time_limit
        )
        floor = Figures(latencies=samples)
        entry = {"p50_ms": round(floor.p50, 3), "p95_ms": round(floor.p95, 3)}
        if name in figures:
            entry["graphql_over_cypher"] = round(figures[name].p50 / floor.p50, 2)
        found[name] = entry
        print(
            f"  raw cypher     {name:17} p50 {floor.p50:8.2f} ms  GraphQL/Cypher {entry.get('graphql_over_cypher')}",
            flush=True,
        )
    return found


async def _neo4j_figures(driver: neo4j.AsyncDriver, server: RegistryServer) -> dict[str, Any]:
    result: dict[str, Any] = {"data_mb": round(folder_size(server.neo4j.home / "data") / 2**20, 1)}
    try:
        rows, _, _ = await driver.execute_query(BENCH_QUERIES["heap_usage"], database_="neo4j")
        heap = rows[0]["heap"]
        result["heap_used_mb"] = round(heap["used"] / 2**20, 1)
        result["heap_committed_mb"] = round(heap["committed"] / 2**20, 1)
        result["heap_source"] = "dbms.queryJmx java.lang:type=Memory"
    except neo4j.exceptions.Neo4jError as error:
        result["heap_source"] = f"JMX unavailable ({error.code})"
    pid = server.neo4j.status().pid
    if pid is not None:
        result["jvm_rss_mb"] = round(tree_rss(pid)[1] / 2**20, 1)
    return result


async def _registry_keep_alive(server: RegistryServer, workload: Workload, args: argparse.Namespace) -> dict[str, Any]:
    model = workload.alias_targets()[0]
    found = {}
    for workers in (1, 2):
        server.start_api(workers=workers, auth=args.auth)
        found[f"workers_{workers}"] = await keep_alive_check(
            server.url, lambda http: RegistrySide(http, workload), model
        )
        print(f"  keep-alive     workers={workers}: {found[f'workers_{workers}']}", flush=True)
    return found


async def run_mlflow(workload: Workload, options: Options, args: argparse.Namespace) -> SideReport:
    venv = STATE / "mlflow-venv"
    state = STATE / f"mlflow-{workload.scale}-s{workload.seed}"
    loaded = _fresh_state(state, workload, args.reuse)
    server = MlflowServer.start(venv, state, workers=args.mlflow_workers)
    report = SideReport(version=f"MLflow {mlflow_version(venv)} (SQLite, {args.mlflow_workers} workers)")
    try:
        with RssWatch(server.process.pid) as rss:
            async with _client(server.url) as http:
                side = MlflowSide(http, workload)
                if not loaded:
                    start = time.monotonic()
                    await side.load(concurrency=options.load_concurrency)
                    report.load_seconds = time.monotonic() - start
                    report.load_requests = side.calls
                    _mark_loaded(state, workload)
                    print(f"  mlflow loaded in {report.load_seconds:.1f}s, {side.calls} calls", flush=True)
                else:
                    await side.attach()
                wrong = await verify(side, workload)
                report.extra["wrong_answers"] = wrong[:20]
                for line in wrong[:5]:
                    print("  WRONG", line)
                report.figures = await time_questions(side, options, args.questions)
                if args.mlflow_new_connections:
                    async with _client(server.url, keep_alive=False) as fresh_http:
                        fresh = MlflowSide(fresh_http, workload)
                        await fresh.attach()
                        print("  mlflow again, a new connection per request:", flush=True)
                        report.fresh_figures = await time_questions(fresh, options, args.questions)
            report.extra["server_peak_rss_total_mb"] = round(rss.peak_total / 2**20, 1)
        report.extra["database_mb"] = round(server.database.stat().st_size / 2**20, 1)
        if args.keep_alive_check:
            model = workload.alias_targets()[0]
            check = await keep_alive_check(server.url, lambda http: MlflowSide(http, workload), model)
            report.extra["keep_alive"] = {f"workers_{args.mlflow_workers}": check}
            print(f"  keep-alive     mlflow: {report.extra['keep_alive']}", flush=True)
    finally:
        server.stop()
    return report


def print_table(workload: Workload, reports: dict[str, SideReport]) -> None:
    mlflow, registry = reports.get("mlflow"), reports.get("registry")
    print(
        f"\nscale {workload.scale} (seed {workload.seed}): {len(workload.model_versions)} model versions, "
        f"{len(workload.dataset_versions)} dataset versions"
    )
    print(
        "| question | MLflow calls | MLflow p50 / p95 ms (keep-alive) | MLflow p50 / p95 ms (new connection) "
        "| MLflow ops/s | graph-registry p50 / p95 ms | graph-registry ops/s | p50 ratio (vs faster MLflow) | target |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for question in QUESTIONS:
        m = mlflow.figures.get(question.name) if mlflow else None
        f = mlflow.fresh_figures.get(question.name) if mlflow else None
        best = mlflow.best(question.name) if mlflow else None
        r = registry.figures.get(question.name) if registry else None
        ratio = f"{best.p50 / r.p50:.1f}x" if best and r else "-"
        if question.name == "register" and best and r:
            ratio += f" (rate {r.ops_per_second / best.ops_per_second:.1f}x)"
        print(
            f"| {question.text} | {f'{m.calls_per_question:.0f}' if m else '-'} "
            f"| {f'{m.p50:.1f} / {m.p95:.1f}' if m else '-'} | {f'{f.p50:.1f} / {f.p95:.1f}' if f else '-'} "
            f"| {f'{best.ops_per_second:.0f}' if best else '-'} "
            f"| {f'{r.p50:.2f} / {r.p95:.2f}' if r else '-'} | {f'{r.ops_per_second:.0f}' if r else '-'} "
            f"| {ratio} | {question.target:.0f}x |"
        )


def machine() -> dict[str, Any]:
    return {
        "cpu": platform.processor() or platform.machine(),
        "cores": psutil.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="100x10", help="models x versions (datasets: models/2 x versions)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--systems", choices=("both", "registry", "mlflow"), default="both")
    parser.add_argument("--questions", nargs="*", help="only these questions (default: all)")
    parser.add_argument("--iterations", type=int, default=200, help="timed calls per question (and per throughput run)")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=8, help="clients of the throughput runs")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per timed loop, at most")
    parser.add_argument("--load-concurrency", type=int, default=8)
    parser.add_argument("--registry-workers", type=int, default=2)
    parser.add_argument("--mlflow-workers", type=int, default=4)
    parser.add_argument("--neo4j-port", type=int, help="Bolt port of the bench Neo4j (default: by scale, 7713..)")
    parser.add_argument("--neo4j-heap", default="1g")
    parser.add_argument("--pagecache-mb", type=int, default=512)
    parser.add_argument("--auth", action="store_true", help="serve graph-registry with authentication on")
    parser.add_argument("--reuse", action="store_true", help="keep data loaded by an earlier run of the same scale")
    parser.add_argument("--keep", action="store_true", help="leave the bench Neo4j running afterwards")
    parser.add_argument("--no-keep-alive-check", dest="keep_alive_check", action="store_false")
    parser.add_argument("--no-bulk-ingest", dest="bulk_ingest", action="store_false")
    parser.add_argument(
        "--no-mlflow-new-connections",
        dest="mlflow_new_connections",
        action="store_false",
        help="skip timing MLflow a second time with a new connection per request",
    )
    parser.add_argument(
        "--tables",
        nargs="*",
        choices=TABLES,
        default=list(TABLES),
        help="comparison: both systems' questions (this module); ratios: GraphQL against raw Cypher and the "
        "32-client mixed load with 1 and 2 workers (bench.ratios); memory: API RSS and the search figure at "
        "each --memory-models (bench.supply)",
    )
    parser.add_argument("--memory-models", nargs="*", type=int, default=[100, 10_000])
    parser.add_argument("--ratio-rounds", type=int, default=5)
    args = parser.parse_args()
    workload = Workload.generate(Scale.parse(args.scale), seed=args.seed)
    args.neo4j_port = args.neo4j_port or workload.scale.neo4j_port
    options = Options(args.iterations, args.warmup, args.concurrency, args.time_limit, args.load_concurrency)
    STATE.mkdir(exist_ok=True)
    (STATE / ".gitignore").write_text("*\n")
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    load_before = load_average()
    print(f"bench {workload.scale}, load average {load_before}", flush=True)
    reports: dict[str, SideReport] = {}
    comparison = "comparison" in args.tables
    if comparison and args.systems in ("both", "registry"):
        reports["registry"] = asyncio.run(run_registry(workload, options, args))
    if comparison and args.systems in ("both", "mlflow"):
        reports["mlflow"] = asyncio.run(run_mlflow(workload, options, args))
    if comparison:
        print_table(workload, reports)
    # Imported here: bench.ratios builds on this module.
    from bench import ratios as bench_ratios
    from bench import supply as bench_supply

    tables: dict[str, Any] = {}
    if "ratios" in args.tables:
        tables["ratios"] = bench_ratios.run(
            bench_ratios.parse_args(
                ["--scale", str(workload.scale), "--seed", str(workload.seed), "--neo4j-port", str(args.neo4j_port)]
                + ["--label", "run", "--rounds", str(args.ratio_rounds), "--mixed"]
                + (["--reuse"] if args.reuse or comparison else [])
            )
        )
    if "memory" in args.tables:
        tables["memory"] = {
            models: bench_supply.run(bench_supply.parse_args(["--models", str(models), "--iterations", "100"]))
            for models in args.memory_models
        }
    result = {
        "started": started,
        "scale": str(workload.scale),
        "seed": workload.seed,
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "machine": machine(),
        "options": vars(args),
        **{name: report.as_dict() for name, report in reports.items()},
        **tables,
    }
    out = STATE / f"results-{workload.scale}-{args.systems}.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    print(f"\nwrote {out}")
    print(json.dumps({name: report.extra for name, report in reports.items()}, indent=2, default=str))


if __name__ == "__main__":
    main()
