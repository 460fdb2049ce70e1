"""The API's own CPU per answer, in process, before/after: for levers too small for bench.ab.

    .venv/bin/python -m bench.inproc --neo4j-port 7761 --before .bench/src-<c1> --after .bench/src-<c2>

bench.ab serves two trees side by side over sockets; on a 2-core machine shared by several
engineers, two servers running the same code differ there by up to ~10% in CPU per answer, so a
lever worth 1-5% is lost in it. Here each tree runs in a process of its own (PYTHONPATH = the tree)
that calls the ASGI app directly (no sockets, no uvicorn, no client: the process's CPU is the app's,
Strawberry's, the services' and the driver's), asks each question `--calls` times after a warm-up,
and reports the process CPU (`time.process_time`) per answer. Processes alternate before/after,
order flipped each round; the figure is the median over the rounds. The same bench graph as
bench.ab (bench.ratios loads it); this module starts its Neo4j if it is not running and stops it
only if it started it. Run by hand, never in pytest; 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench.http_client import _Read

STATE = Path(__file__).resolve().parents[1] / ".bench"
QUESTIONS = ("overhead", "alias", "champion_lineage", "listing", "impact_direct")


class AsgiHttp:
    """bench.http_client.Http over a direct ASGI call: the app's work and nothing else."""

    def __init__(self, app: Any) -> None:
        self._app = app

    async def post(self, url: str, *, json: Any = None) -> _Read:
        body = _dumps(json)
        headers = [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        return await self._call("POST", url, headers, body)

    async def get(self, url: str, *, params: Mapping[str, Any] | None = None) -> _Read:
        return await self._call("GET", url, [(b"host", b"127.0.0.1")], b"")

    async def _call(self, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes) -> _Read:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        sent = False
        status = 0
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.Event().wait()  # the client never disconnects
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self._app(scope, receive, send)
        return _Read(status_code=status, content=b"".join(chunks))


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode()


async def _worker(args: argparse.Namespace) -> dict[str, Any]:
    import graph_registry
    from bench.registry_side import RegistrySide
    from bench.workload import Scale, Workload
    from graph_registry.api.app import create_app
    from graph_registry.settings import Settings
    from graph_registry.storage.local_neo4j import LocalNeo4j

    workload = Workload.generate(Scale.parse(args.scale), seed=args.seed)
    local = LocalNeo4j(STATE / f"registry-{workload.scale}-s{workload.seed}" / "neo4j", port=args.neo4j_port)
    settings = Settings(
        neo4j_uri=local.uri, neo4j_user=local.user, neo4j_password=local.password(), load_demo=False, auth=False
    )
    app = create_app(settings)
    found: dict[str, Any] = {"source": graph_registry.__file__}
    async with app.router.lifespan_context(app):
        side = RegistrySide(AsgiHttp(app), workload)
        questions = side.questions()

        async def overhead(_: int) -> object:
            return await side.graphql("{ __typename }")

        questions["overhead"] = overhead
        for name in args.questions:
            ask = questions[name]
            for index in range(args.warmup):
                await ask(index)
            began = time.process_time()
            for index in range(args.calls):
                await ask(index)
            found[name] = (time.process_time() - began) / args.calls * 1000
    return found


def _run_tree(tree: Path, args: argparse.Namespace) -> dict[str, Any]:
    # The tree first (cwd and PYTHONPATH: `-m` puts the cwd before everything), then this checkout for bench/.
    env = {**os.environ, "PYTHONPATH": f"{tree.resolve()}{os.pathsep}{Path(__file__).resolve().parents[1]}"}
    command = [sys.executable, "-m", "bench.inproc", "--worker", "--neo4j-port", str(args.neo4j_port)]
    command += ["--scale", args.scale, "--seed", str(args.seed), "--calls", str(args.calls)]
    command += ["--warmup", str(args.warmup), "--questions", *args.questions]
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True, cwd=tree)
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    served_from = Path(found.pop("source"))
    if not served_from.is_relative_to(tree.resolve()):
        raise RuntimeError(f"the worker imported graph_registry from {served_from}, not from {tree}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path)
    parser.add_argument("--after", type=Path)
    parser.add_argument("--neo4j-port", type=int, required=True)
    parser.add_argument("--scale", default="100x10")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--questions", nargs="*", default=list(QUESTIONS), choices=QUESTIONS)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--label", default="run")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(asyncio.run(_worker(args))))
        return
    if args.before is None or args.after is None:
        parser.error("--before and --after are both needed")

    from bench.workload import Scale, Workload
    from graph_registry.storage.local_neo4j import LocalNeo4j

    workload = Workload.generate(Scale.parse(args.scale), seed=args.seed)
    local = LocalNeo4j(STATE / f"registry-{workload.scale}-s{workload.seed}" / "neo4j", port=args.neo4j_port)
    started = not local.status().running
    if started:
        local.start(timeout=180)
    print(f"bench.inproc {args.scale} {args.label}, load average {os.getloadavg()}", flush=True)
    samples: dict[str, dict[str, list[float]]] = {q: {"before": [], "after": []} for q in args.questions}
    try:
        for round_ in range(args.rounds):
            order = [("before", args.before), ("after", args.after)]
            for side, tree in order if round_ % 2 == 0 else order[::-1]:
                for question, cpu in _run_tree(tree, args).items():
                    samples[question][side].append(cpu)
            print(f"  round {round_ + 1}/{args.rounds}, load average {os.getloadavg()}", flush=True)
    finally:
        if started:
            local.stop()
    result = {"label": args.label, "before": str(args.before), "after": str(args.after), "questions": {}}
    for question, sides in samples.items():
        before, after = statistics.median(sides["before"]), statistics.median(sides["after"])
        ratios = [a / b for a, b in zip(sides["after"], sides["before"], strict=True)]
        result["questions"][question] = {**sides, "ratio_median": statistics.median(ratios)}
        print(
            f"  {question:17s} in-process CPU {before:6.3f} -> {after:6.3f} ms/answer "
            f"(x{statistics.median(ratios):.3f}; rounds: {', '.join(f'{r:.3f}' for r in ratios)})"
        )
    out = STATE / f"inproc-{args.scale}-{args.label}.json"
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
