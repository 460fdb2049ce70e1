"""N concurrent clients for a bounded time; afterwards every promise is checked on the whole graph."""

from __future__ import annotations

from typing import Any

import pytest

from graph_registry.storage.database import Database
from tests.reliability.conftest import load_clients, load_seconds, max_requests, min_requests
from tests.reliability.graph import Graph
from tests.reliability.harness import EXPECTED_REFUSALS, LoadRun, LoadSize
from tests.reliability.invariants import check_all
from tests.reliability.servers import ApiProcess


@pytest.mark.parametrize("clients", load_clients())
async def test_concurrent_clients_keep_every_promise(
    clients: int, scratch_api: ApiProcess, scratch_database: Database, figures: dict[str, Any], unique: str
) -> None:
    run = LoadRun(
        scratch_api.url, f"load{clients}-{unique}", LoadSize(clients, load_seconds(), max_requests(), min_requests())
    )
    log = await run.run()
    graph = await Graph.read(scratch_database)
    problems = log.violations + check_all(graph, log, run.prefix)

    durations = sorted(outcome.ended - outcome.started for outcome in log.outcomes)
    figures[f"load {clients} clients"] = {
        "requests": len(log.outcomes),
        "acknowledged writes": log.acknowledged(),
        "results": dict(log.results()),
        "state samples": log.samples,
        "max PRODUCTION seen": log.max_production_seen,
        "p50 ms": round(durations[len(durations) // 2] * 1000),
        "p99 ms": round(durations[int(len(durations) * 0.99)] * 1000),
        "lost": len([p for p in problems if p.startswith("acknowledged")]),
        "violations": len(problems),
    }
    assert not problems, "\n".join(problems[:30])
    assert set(log.results()) <= {"ok", *EXPECTED_REFUSALS}, log.by_op()
    assert scratch_api.alive()
    # The mix really exercised the rules: promotions, alias moves, repeated digests.
    assert any(stage == "PRODUCTION" for *_, stage, _ in log.transitions)
    assert log.aliases and log.versions
    assert log.by_op()["registerDatasetVersion"]["ok"] > len(log.datasets)
