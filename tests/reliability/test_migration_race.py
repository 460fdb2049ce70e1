"""Two API processes starting at once on a fresh database both migrate it: one end state, whichever
wins each race, and the same again when both start a second time."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from graph_registry.storage import migrations
from tests.reliability.servers import ApiProcess, ScratchNeo4j

_NAMED = re.compile(r"CREATE (CONSTRAINT|INDEX) (\w+) IF NOT EXISTS")


def _start_together(neo4j: ScratchNeo4j, home: Path) -> list[float]:
    # One deployment: both processes share the configuration and the state folder.
    apis = [ApiProcess(neo4j, home), ApiProcess(neo4j, home)]
    began = time.monotonic()
    for api in apis:
        api.start()
    try:
        ready = []
        for api in apis:
            api.wait_ready()
            ready.append(time.monotonic() - began)  # since both were launched (an upper bound)
        for api in apis:
            assert "Traceback" not in api.log(), api.log()
        return ready
    finally:
        for api in apis:
            api.stop()


def test_two_processes_migrating_a_fresh_database_at_once_agree(
    blank_neo4j: ScratchNeo4j, tmp_path: Path, figures: dict[str, Any]
) -> None:
    blank_neo4j.wipe()
    fresh = blank_neo4j.schema()
    assert fresh["constraints"] == [] and fresh["migrations"] == []
    ready = _start_together(blank_neo4j, tmp_path / "deployment")
    first = blank_neo4j.schema()

    declared = [_NAMED.search(statement) for m in migrations.load() for statement in m.statements]
    constraints = sorted(match[2] for match in declared if match and match[1] == "CONSTRAINT")
    indexes = sorted(match[2] for match in declared if match and match[1] == "INDEX")
    assert first["constraints"] == constraints
    online = {entry.split(":")[0] for entry in first["indexes"] if entry.endswith(":ONLINE")}
    assert set(indexes) | set(constraints) <= online, first["indexes"]
    assert first["migrations"] == [f"V{m.version:04d}x1" for m in migrations.load()]

    again = _start_together(blank_neo4j, tmp_path / "deployment")
    assert blank_neo4j.schema() == first
    figures["migrations raced by two processes"] = {
        "seconds to ready (fresh)": [round(seconds, 1) for seconds in ready],
        "seconds to ready (again)": [round(seconds, 1) for seconds in again],
        "constraints": len(constraints),
        "indexes": len(indexes),
    }
