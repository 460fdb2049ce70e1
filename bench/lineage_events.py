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
memory (RSS) before and after each round. Names are fresh per run (nothing collides), but
they stay in the Neo4j it writes to: point GRAPH_REGISTRY_HOME/PORT (or NEO4J_URI) at a scratch one.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from bench import http_client
from bench.http_client import Http
from bench.processes import free_port, stop_group, tree_rss, wait_http
from bench.timing import percentile
from graph_registry.bootstrap import neo4j_credentials, open_database
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


def start_api(settings: Settings, log: Path) -> tuple[str, subprocess.Popen[bytes]]:
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
    command = [sys.executable, "-m", "uvicorn", "--factory", "graph_registry.api.app:create_app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/readyz", process, timeout=120, log=log)
    return url, process


async def rounds(args: argparse.Namespace, settings: Settings, url: str, pid: int) -> None:
    tag = uuid.uuid4().hex[:8]
    events: list[float] = []
    versions: list[float] = []
    async with http_client.client(url, connections=args.clients) as http:
        await ingestion_round(http, f"{tag}w", 20, args.clients)
        await version_round(http, f"{tag}w", 20, args.clients)
        memory = [tree_rss(pid)[1]]
        for index in range(args.rounds):
            rate = await ingestion_round(http, f"{tag}e{index}", args.pairs, args.clients, advancing=args.advancing)
            events.append(rate)
            memory.append(tree_rss(pid)[1])
            versions.append(await version_round(http, f"{tag}v{index}", args.pairs, args.clients))
            memory.append(tree_rss(pid)[1])
        p50 = await single_p50(http, f"{tag}-p50")
    direct = await in_process_p50(settings, tag)
    ratio = statistics.median(events) / statistics.median(versions)
    print(f"events/s ({args.clients} clients): " + ", ".join(f"{rate:.1f}" for rate in events))
    print(f"createModelVersion/s ({args.clients} clients): " + ", ".join(f"{rate:.1f}" for rate in versions))
    print(f"ratio of the medians events/s : versions/s = {ratio:.2f} (asked: >= 3)")
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
        "--advancing",
        action="store_true",
        help="each run one second after the one before (every event then carries newer facets of the shared tables)",
    )
    args = parser.parse_args()
    base = Settings(load_demo=False)
    uri, user, password = neo4j_credentials(base)
    settings = Settings(neo4j_uri=uri, neo4j_user=user, neo4j_password=password, load_demo=False)
    state = Path(__file__).resolve().parents[1] / ".bench"
    state.mkdir(exist_ok=True)
    url, process = start_api(settings, state / "lineage-api.log")
    try:
        asyncio.run(rounds(args, settings, url, process.pid))
    finally:
        stop_group(process)


if __name__ == "__main__":
    main()
