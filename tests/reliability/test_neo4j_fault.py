"""Neo4j SIGKILLed and restarted under load: nothing acknowledged is lost, nothing half-written is
visible, in-flight requests fail with UNAVAILABLE (or succeed), and the same API process serves again."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from graph_registry.storage.database import Database
from tests.reliability.conftest import max_requests
from tests.reliability.graph import Graph
from tests.reliability.harness import EXPECTED_REFUSALS, LoadRun, LoadSize
from tests.reliability.invariants import check_all
from tests.reliability.servers import ApiProcess, ScratchNeo4j

WRITES = {"createModelVersion", "registerDatasetVersion", "transitionStage", "setAlias"}


async def _until(condition: Any, within: float) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def test_neo4j_killed_mid_load_loses_nothing_and_recovers(
    scratch_neo4j: ScratchNeo4j,
    scratch_api: ApiProcess,
    scratch_database: Database,
    figures: dict[str, Any],
    unique: str,
) -> None:
    run = LoadRun(scratch_api.url, f"fault-{unique}", LoadSize(clients=8, seconds=300, max_requests=max_requests()))
    load = asyncio.create_task(run.run())
    await _until(lambda: len(run.log.versions) >= 10, within=120)

    killed_at = time.monotonic()
    scratch_neo4j.kill()
    await asyncio.sleep(2)  # requests keep arriving at an API whose database is gone
    restart_seconds = await asyncio.to_thread(scratch_neo4j.start)
    restarted_at = time.monotonic()

    def written_since(moment: float) -> list[float]:
        return [o.ended for o in run.log.outcomes if o.op in WRITES and o.result == "ok" and o.started >= moment]

    await _until(lambda: len(written_since(restarted_at)) >= 20, within=120)
    recovered_at = min(written_since(restarted_at))
    run.stop()
    log = await load

    graph = await Graph.settled(scratch_database)
    problems = log.violations + check_all(graph, log, run.prefix)
    in_flight = [o for o in log.outcomes if o.started < killed_at < o.ended]
    during = [o for o in log.outcomes if killed_at <= o.started < recovered_at]
    # Every load operation needs Neo4j, so a request caught by the outage either failed with UNAVAILABLE
    # or was held by the driver's retry until the restarted server answered it.
    waited_out = [
        o
        for o in in_flight + during
        if o.result == "ok" and o.started <= killed_at + 2 and o.ended >= restarted_at - 0.5
    ]
    unavailable = [o for o in in_flight + during if o.result == "UNAVAILABLE"]
    late_failures = [
        o for o in log.outcomes if o.started >= recovered_at + 15 and o.result not in {"ok", *EXPECTED_REFUSALS}
    ]
    async with httpx.AsyncClient(base_url=scratch_api.url) as http:
        ready = (await http.get("/readyz")).status_code

    figures["neo4j SIGKILL under load"] = {
        "requests": len(log.outcomes),
        "acknowledged writes": log.acknowledged(),
        "results": dict(log.results()),
        "in flight at the kill": {r: sum(o.result == r for o in in_flight) for r in {o.result for o in in_flight}},
        "neo4j restart seconds": round(restart_seconds, 1),
        "recovery after restart seconds": round(recovered_at - restarted_at, 2),
        "outage seconds (kill to first acknowledged write)": round(recovered_at - killed_at, 1),
        "UNAVAILABLE during the outage": len(unavailable),
        "held by the driver's retry until the restart": len(waited_out),
        "slowest UNAVAILABLE seconds": round(
            max((o.ended - o.started for o in log.outcomes if o.result == "UNAVAILABLE"), default=0), 1
        ),
        "lost": len([p for p in problems if p.startswith("acknowledged")]),
        "violations": len(problems),
    }
    assert not problems, "\n".join(problems[:30])
    assert {o.result for o in log.outcomes} <= {"ok", "UNAVAILABLE", *EXPECTED_REFUSALS}, log.by_op()
    assert {o.result for o in during} <= {"ok", "UNAVAILABLE", *EXPECTED_REFUSALS}
    assert unavailable or waited_out, "the outage was not observed"
    assert not late_failures, late_failures[:5]
    assert scratch_api.alive() and ready == 200
