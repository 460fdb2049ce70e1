"""The embedded Neo4j that `serve` started is SIGKILLed under a write load (as the OOM killer would):
serve restarts it by itself, says so in its log, /readyz goes 503 and recovers, requests in the gap
get UNAVAILABLE (or are held by the driver's retry until the restart), and every acknowledged write
is in the graph afterwards."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path
from typing import Any

import httpx

from graph_registry.bootstrap import open_database
from graph_registry.settings import Settings
from graph_registry.storage.database import Database
from tests.reliability.embedded import EmbeddedServe, alive
from tests.reliability.graph import Graph
from tests.reliability.harness import EXPECTED_REFUSALS, LoadRun, LoadSize
from tests.reliability.invariants import check_all

WRITES = {"createModelVersion", "registerDatasetVersion", "transitionStage", "setAlias"}
# Guards against a hang, not timing assertions.
PATIENCE = 600.0


async def _until(condition: Any, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


async def _ready(url: str) -> int:
    async with httpx.AsyncClient(timeout=30) as http:
        try:
            return (await http.get(f"{url}/readyz")).status_code
        except httpx.TransportError:
            return 0


async def test_serve_restarts_its_killed_neo4j_and_loses_no_acknowledged_write(
    tmp_path: Path, figures: dict[str, Any], unique: str
) -> None:
    # A short retry, so requests in the gap are answered UNAVAILABLE rather than held for long.
    serve = EmbeddedServe(tmp_path, GRAPH_REGISTRY_NEO4J_RETRY_TIME="3")
    serve.start()
    try:
        await asyncio.to_thread(serve.wait_ready)
        run = LoadRun(serve.url, f"supervised-{unique}", LoadSize(clients=6, seconds=600, max_requests=20_000))
        load = asyncio.create_task(run.run())
        await _until(lambda: len(run.log.versions) >= 10, PATIENCE, "versions before the kill")

        first = serve.neo4j_pid()
        assert first is not None
        killed_at = time.monotonic()
        os.kill(first, signal.SIGKILL)
        statuses: list[int] = []

        async def readiness() -> None:
            while not statuses or statuses[-1] != 200 or 503 not in statuses:
                statuses.append(await _ready(serve.url))
                await asyncio.sleep(0.2)

        try:
            await asyncio.wait_for(readiness(), PATIENCE)
        except TimeoutError:
            # What serve and its supervisor did meanwhile is the diagnosis.
            raise AssertionError(f"/readyz never went 503 then 200: {statuses[-20:]}\n{serve.log()[-4000:]}") from None
        ready_again_at = time.monotonic()

        def written_since(moment: float) -> list[float]:
            return [o.ended for o in run.log.outcomes if o.op in WRITES and o.result == "ok" and o.started >= moment]

        await _until(lambda: len(written_since(ready_again_at)) >= 20, PATIENCE, "writes after the restart")
        run.stop()
        log = await load

        second = serve.neo4j_pid()
        assert second is not None and second != first and alive(second) and not alive(first)
        serve_log = serve.log()
        assert "the embedded Neo4j exited (status -9); restarting it" in serve_log, serve_log[-3000:]
        assert "the embedded Neo4j is back" in serve_log

        settings = Settings(
            neo4j_uri=serve.neo4j.uri, neo4j_user=serve.neo4j.user, neo4j_password=serve.neo4j.password()
        )
        database: Database = open_database(settings)
        try:
            graph = await Graph.settled(database)
        finally:
            await database.close()
        problems = log.violations + check_all(graph, log, run.prefix)
        during = [o for o in log.outcomes if o.started < ready_again_at and o.ended > killed_at]
        figures["embedded Neo4j SIGKILL, restarted by serve"] = {
            "requests": len(log.outcomes),
            "acknowledged writes": log.acknowledged(),
            "results": dict(log.results()),
            "kill to /readyz 200 seconds": round(ready_again_at - killed_at, 1),
            "UNAVAILABLE in the gap": sum(o.result == "UNAVAILABLE" for o in during),
            "lost": len([p for p in problems if p.startswith("acknowledged")]),
        }
        assert not problems, "\n".join(problems[:30])
        # In the gap: answered, or refused with UNAVAILABLE; never a hang (the client's timeout) or a 500.
        assert {o.result for o in log.outcomes} <= {"ok", "UNAVAILABLE", *EXPECTED_REFUSALS}, log.by_op()
    finally:
        serve.signal(signal.SIGTERM)
        status = await asyncio.to_thread(serve.wait_exit)
        serve.close()
    assert status == 0
