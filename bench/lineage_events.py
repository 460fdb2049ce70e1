"""OpenLineage ingestion against model-version writes, in one run (issue 15). By hand:

    export GRAPH_REGISTRY_HOME=$PWD/.graph-registry-test GRAPH_REGISTRY_EMBEDDED_NEO4J_PORT=7703
    .venv/bin/graph-registry neo4j start
    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python -m bench.lineage_events --pairs 150 --clients 8

Starts the API (uvicorn, one worker, auth off on loopback) against the local Neo4j, warms it up
(a small round of each kind, not counted), then alternates, `--rounds` times: 8 clients sending
realistic run events (START + COMPLETE, 2 inputs, 1 output, schema facets) to POST /api/v1/lineage;
8 clients calling createModelVersion with lineage (2 training datasets and a commit, through an
implicit run). Alternating short rounds keeps the ratio fair on a shared machine whose load moves
by the minute. It prints events/s against versions/s per round and the ratio of their medians (the
issue asks for at least 3x), the p50 of one event over HTTP against the p50 of the same merge run
in-process as one transaction (OpenLineageService.ingest, no HTTP: asked within 2x), and the API's
memory (RSS) before and after each round, and the CPU each event and each version cost the API
worker and Neo4j (the scheduler's counters of each process over the round, divided by its count).
Names are fresh per run (nothing collides), but they stay in the Neo4j it writes to: point
GRAPH_REGISTRY_HOME/PORT (or NEO4J_URI) at a scratch one.

`--control DIR` serves a second API from another source tree (`git archive <commit> graph_registry
cypher | tar -x -C DIR`) on the same Neo4j: every round then ingests through both, the order flipped
each round, so a before/after comparison sees the same load (the version rounds go to this tree's
API). `--profile NAME` records a py-spy flame graph of this tree's API worker during an extra
ingestion round (not counted) into bench/profiles/NAME.svg; `--control-profile NAME` the control's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from bench import http_client
from bench.http_client import Http
from bench.processes import free_port, load_average, stop_group, tree_rss, wait_http
from bench.timing import percentile
from graph_registry.bootstrap import local_neo4j, neo4j_credentials, open_database
from graph_registry.domain.openlineage import parse_event
from graph_registry.services.openlineage import OpenLineageService
from graph_registry.settings import Settings

SCHEMA = {
    "schema": {
        "_producer": "https://github.com/acme/bench",
        "_schemaURL": "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet",
        "fields": [{"name": f"column_{index}", "type": "DOUBLE"} for index in range(12)],
    }
}
CREATE = "mutation($input: CreateModelVersionInput!) { createModelVersion(input: $input) { version } }"
REGISTER = "mutation($input: RegisterDatasetVersionInput!) { registerDatasetVersion(input: $input) { version } }"


def _events(tag: str, index: int, *, advancing: bool = False) -> list[dict[str, Any]]:
    """One run's START and COMPLETE; with `advancing`, run `index` starts `index` seconds later than run 0
    (as a scheduler's runs do), else every run starts at one time."""
    run_id = str(uuid.uuid4())
    began = datetime(2026, 11, 30, 1, 0, tzinfo=UTC) + timedelta(seconds=index if advancing else 0)
    lake = f"s3://bench-{tag}"
    base = {
        "producer": "https://github.com/acme/bench",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": run_id, "facets": {}},
        "job": {"namespace": f"bench-{tag}", "name": f"step_{index % 20}", "facets": {}},
        "inputs": [
            {"namespace": lake, "name": f"raw/table_{index % 10}", "facets": SCHEMA},
            {"namespace": lake, "name": f"raw/lookup_{index % 5}", "facets": SCHEMA},
        ],
    }
    start = {**base, "eventType": "START", "eventTime": began.isoformat(), "outputs": []}
    complete = {
        **base,
        "eventType": "COMPLETE",
        "eventTime": (began + timedelta(minutes=5)).isoformat(),
        "outputs": [{"namespace": lake, "name": f"features/out_{index}", "facets": SCHEMA}],
    }
    return [start, complete]


async def _clients(work: list[Any], clients: int, send: Any) -> tuple[float, list[float]]:
    queue: asyncio.Queue[Any] = asyncio.Queue()
    for item in work:
        queue.put_nowait(item)
    latencies: list[float] = []

    async def client() -> None:
        while not queue.empty():
            item = queue.get_nowait()
            began = time.perf_counter()
            await send(item)
            latencies.append(time.perf_counter() - began)

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return time.perf_counter() - began, latencies


async def _post(http: Http, path: str, **body: Any) -> None:
    response = await http.post(path, json=body["json"])
    if response.status_code not in (200, 201) or b'"errors"' in response.content:
        raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")


async def ingestion_round(http: Http, tag: str, pairs: int, clients: int, *, advancing: bool = False) -> float:
    # Each client sends whole runs (START then COMPLETE), as a producer does.
    runs = [_events(tag, index, advancing=advancing) for index in range(pairs)]

    async def send(run: list[dict[str, Any]]) -> None:
        for event in run:
            await _post(http, "/api/v1/lineage", json=event)

    elapsed, _ = await _clients(runs, clients, send)
    return 2 * pairs / elapsed


async def single_p50(http: Http, tag: str) -> float:
    """p50 of one event over HTTP, sent one at a time."""
    single: list[float] = []
    for run in [_events(tag, index) for index in range(60)]:
        for event in run:
            began = time.perf_counter()
            await _post(http, "/api/v1/lineage", json=event)
            single.append(time.perf_counter() - began)
    return percentile(single, 50)


async def version_round(http: Http, tag: str, versions: int, clients: int) -> float:
    datasets = []
    for index in range(10):
        name = f"bench-train-{tag}-{index}"
        digest = "sha256:" + uuid.uuid4().hex * 2
        await _post(
            http, "/graphql", json={"query": REGISTER, "variables": {"input": {"dataset": name, "digest": digest}}}
        )
        datasets.append(name)
    inputs = [
        {
            "model": f"bench-model-{tag}-{index % 20}",
            "trainedOn": [
                {"dataset": datasets[index % 10], "version": 1},
                {"dataset": datasets[(index + 1) % 10], "version": 1},
            ],
            "commit": {"repo": "github.com/acme/bench", "sha": uuid.uuid4().hex + uuid.uuid4().hex[:8]},
        }
        for index in range(versions)
    ]

    async def send(value: dict[str, Any]) -> None:
        await _post(http, "/graphql", json={"query": CREATE, "variables": {"input": value}})

    elapsed, _ = await _clients(inputs, clients, send)
    return versions / elapsed


async def in_process_p50(settings: Settings, tag: str) -> float:
    database = open_database(settings)
    service = OpenLineageService(database)
    timings = []
    try:
        for run in [_events(f"{tag}-direct", index) for index in range(60)]:
            for event in run:
                parsed = parse_event(orjson.dumps(event))
                began = time.perf_counter()
                await service.ingest(parsed)
                timings.append(time.perf_counter() - began)
    finally:
        await database.close()
    return percentile(timings, 50)


ROOT = Path(__file__).resolve().parents[1]
PROFILES = ROOT / "bench" / "profiles"
THIS = "this tree"


def cpu_seconds(pid: int | None) -> float:
    """CPU time of all of a process's threads, from the scheduler's nanosecond counters (0 when unknown)."""
    if pid is None:
        return 0.0
    total = 0
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                total += int((task / "schedstat").read_text().split()[0])
            except (OSError, ValueError):
                continue  # a thread that ended meanwhile
    except OSError:
        return 0.0
    return total / 1e9


@dataclass
class Usage:
    """What one kind of round cost: the rates and the CPU per item of the API worker and of Neo4j."""

    rates: list[float] = field(default_factory=list)
    api_ms: list[float] = field(default_factory=list)
    neo4j_ms: list[float] = field(default_factory=list)

    async def measure(self, work: Awaitable[tuple[int, float]], api: int, neo4j: int | None) -> None:
        api_before, neo4j_before = cpu_seconds(api), cpu_seconds(neo4j)
        items, elapsed = await work
        self.rates.append(items / elapsed)
        self.api_ms.append((cpu_seconds(api) - api_before) * 1000 / items)
        self.neo4j_ms.append((cpu_seconds(neo4j) - neo4j_before) * 1000 / items)

    def line(self, what: str) -> str:
        rates = ", ".join(f"{rate:.1f}" for rate in self.rates)
        return (
            f"{what}: {rates} (median {statistics.median(self.rates):.1f}); CPU per item: API"
            f" {statistics.median(self.api_ms):.2f} ms, Neo4j {statistics.median(self.neo4j_ms):.2f} ms"
        )


def start_api(
    settings: Settings, log: Path, source: Path | None = None, extra_env: dict[str, str] | None = None
) -> tuple[str, subprocess.Popen[bytes]]:
    """The API in a subprocess; with `source`, imported from that tree (PYTHONPATH before the editable
    install); `extra_env` set in its environment."""
    uri, user, password = neo4j_credentials(settings)
    port = free_port()
    env = {
        **os.environ,
        "NEO4J_URI": uri,
        "NEO4J_USER": user,
        "NEO4J_PASSWORD": password,
        "GRAPH_REGISTRY_AUTH": "off",
        "GRAPH_REGISTRY_LOAD_DEMO": "false",
    }
    env.update(extra_env or {})
    if source is not None:
        env["PYTHONPATH"] = str(source.resolve())
    # `python -m` puts the working directory first on sys.path: the tree served must be that directory.
    cwd = ROOT if source is None else source.resolve()
    command = [sys.executable, "-m", "uvicorn", "--factory", "graph_registry.api.app:serving_app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=env, cwd=cwd, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/readyz", process, timeout=120, log=log)
    return url, process


async def ingestion_timed(http: Http, tag: str, pairs: int, clients: int, *, advancing: bool) -> tuple[int, float]:
    rate = await ingestion_round(http, tag, pairs, clients, advancing=advancing)
    return 2 * pairs, 2 * pairs / rate


async def version_timed(http: Http, tag: str, versions: int, clients: int) -> tuple[int, float]:
    rate = await version_round(http, tag, versions, clients)
    return versions, versions / rate


async def profiled(pid: int, name: str, work: Awaitable[object]) -> None:
    """py-spy of the process `pid` while `work` runs, into bench/profiles/`name`.svg."""
    PROFILES.mkdir(exist_ok=True)
    out = PROFILES / f"{name}.svg"
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    recorder = await asyncio.create_subprocess_exec(
        spy, "record", "--pid", str(pid), "--rate", "250", "--format", "flamegraph", "--output", str(out),
        "--nonblocking", stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    await asyncio.sleep(1.0)  # py-spy attaches
    try:
        await work
    finally:
        recorder.send_signal(signal.SIGINT)  # py-spy writes what it recorded
        _, error = await asyncio.wait_for(recorder.communicate(), timeout=60)
    if not out.exists():
        raise RuntimeError(f"py-spy wrote no profile: {error.decode(errors='replace')[-2000:]}")
    print(f"profile of the API worker during an ingestion round (not counted): {out.relative_to(ROOT)}")


async def rounds(
    args: argparse.Namespace, settings: Settings, apis: dict[str, tuple[str, int]], neo4j: int | None
) -> None:
    tag = uuid.uuid4().hex[:8]
    events = {side: Usage() for side in apis}
    versions = Usage()
    pid = apis[THIS][1]
    async with contextlib.AsyncExitStack() as stack:
        https = {
            side: await stack.enter_async_context(http_client.client(url, connections=args.clients))
            for side, (url, _) in apis.items()
        }
        for number, http in enumerate(https.values()):
            await ingestion_round(http, f"{tag}w{number}", args.warmup, args.clients)
        await version_round(https[THIS], f"{tag}w", args.warmup, args.clients)
        memory = [tree_rss(pid)[1]]
        for index in range(args.rounds):
            order = list(enumerate(apis)) if index % 2 == 0 else list(reversed(list(enumerate(apis))))
            for number, side in order:
                work = ingestion_timed(
                    https[side], f"{tag}e{index}s{number}", args.pairs, args.clients, advancing=args.advancing
                )
                await events[side].measure(work, apis[side][1], neo4j)
            memory.append(tree_rss(pid)[1])
            await versions.measure(version_timed(https[THIS], f"{tag}v{index}", args.pairs, args.clients), pid, neo4j)
            memory.append(tree_rss(pid)[1])
        p50 = await single_p50(https[THIS], f"{tag}-p50")
        profiles = {THIS: args.profile, **{side: args.control_profile for side in apis if side != THIS}}
        for number, (side, name) in enumerate(profiles.items()):
            if name:
                extra = ingestion_round(
                    https[side], f"{tag}p{number}", args.pairs, args.clients, advancing=args.advancing
                )
                await profiled(apis[side][1], name, extra)
    direct = await in_process_p50(settings, tag)
    print(f"{args.clients} clients each, {args.pairs} runs (2 events each) or versions a round, load {load_average()}")
    for side, usage in events.items():
        print(usage.line(f"events/s ({side})"))
    print(versions.line("createModelVersion/s"))
    for side, usage in events.items():
        ratio = statistics.median(usage.rates) / statistics.median(versions.rates)
        print(f"ratio of the medians events/s : versions/s ({side}) = {ratio:.2f} (asked: >= 3)")
    print(
        f"p50 one event over HTTP {p50 * 1000:.1f} ms; same merge in-process {direct * 1000:.1f} ms; "
        f"ratio {p50 / direct:.2f} (asked: <= 2)"
    )
    print("API RSS MiB before and after each round: " + " / ".join(f"{value / 2**20:.0f}" for value in memory))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--pairs", type=int, default=150, help="runs (START + COMPLETE) per ingestion round; versions per version round"
    )
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="ingestion rounds, each followed by a version round")
    parser.add_argument(
        "--warmup",
        type=int,
        default=20,
        help="runs and versions of the uncounted first round of each kind (Neo4j's JIT compiles each new plan's"
        " code for thousands of executions: its compiler threads cost more CPU than the queries until then)",
    )
    parser.add_argument(
        "--advancing",
        action="store_true",
        help="each run one second after the one before (every event then carries newer facets of the shared tables)",
    )
    parser.add_argument(
        "--control",
        type=Path,
        help="a second API served from this source tree (git archive), ingesting beside this one",
    )
    parser.add_argument("--profile", help="py-spy flame graph of an extra ingestion round: bench/profiles/NAME.svg")
    parser.add_argument("--control-profile", help="the same of the control API")
    parser.add_argument(
        "--control-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set in the control API's environment (e.g. the same tree with another setting)",
    )
    args = parser.parse_args()
    base = Settings(load_demo=False)
    uri, user, password = neo4j_credentials(base)
    settings = Settings(neo4j_uri=uri, neo4j_user=user, neo4j_password=password, load_demo=False)
    state = Path(__file__).resolve().parents[1] / ".bench"
    state.mkdir(exist_ok=True)
    print(f"bench.lineage_events, load {load_average()}", flush=True)
    processes = []
    try:
        url, process = start_api(settings, state / "lineage-api.log")
        processes.append(process)
        apis = {THIS: (url, process.pid)}
        if args.control is not None:
            control_env = dict(item.split("=", 1) for item in args.control_env)
            control_url, control = start_api(
                settings, state / "lineage-api-control.log", source=args.control, extra_env=control_env
            )
            processes.append(control)
            apis[f"control {args.control.name}"] = (control_url, control.pid)
        neo4j = local_neo4j(base).status().pid if base.embedded else None
        asyncio.run(rounds(args, settings, apis, neo4j))
    finally:
        for process in processes:
            stop_group(process)


if __name__ == "__main__":
    main()
