"""Every code block of README.md runs as written against a fresh embedded default with its demo graph.

The convention, for whoever adds a README section:

- A fenced block is run by its language: ```graphql (POSTed to /graphql: no errors, and every
  root field answers with data, not null or an empty list), ```python (run as a script) and
  ```bash (run as one script with `set -euo pipefail`; every command line must print something).
- A block that cannot run against the embedded default (S3/MinIO, an MLflow server, Airflow,
  Spark or dbt configuration, docker compose, the CI itself, ...) carries a marker on the line
  right above its opening fence:

      <!-- not-run: needs MinIO -->

  The reason is required. Marked blocks, and blocks in other languages (json, text, ...), are
  reported as skipped with their reason (`pytest -ra` lists them), so nothing is left out silently.
- Blocks run in README order against ONE registry: `graph-registry serve` on a new state folder
  (its own Neo4j, the demo loaded), so a block may use what an earlier block recorded. The
  documented address `http://127.0.0.1:8000` is replaced by the test server's address, and the
  Python and shell blocks run in a scratch git repository holding the files the README names
  (data/transactions.csv, data/train.csv, model/, requirements.txt).
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live_server import free_port

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCUMENTED_URL = "http://127.0.0.1:8000"
RUNNABLE = {"graphql", "python", "bash"}
MARKER = re.compile(r"^<!--\s*not-run:\s*(?P<reason>.*?)\s*-->$")
LINE_END = "@@readme-line-done@@"


@dataclass(frozen=True)
class Block:
    line: int
    language: str
    code: str
    not_run: str | None

    @property
    def id(self) -> str:
        return f"{self.language or 'plain'}-line{self.line}"


def readme_blocks(text: str) -> list[Block]:
    """The fenced blocks of a Markdown text, with the not-run reason of the line above each."""
    blocks: list[Block] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        fence = re.match(r"^(```+|~~~+)\s*([\w+-]*)", lines[index])
        if fence is None:
            index += 1
            continue
        start, marker = index, fence.group(1)
        body: list[str] = []
        index += 1
        while index < len(lines) and not lines[index].startswith(marker):
            body.append(lines[index])
            index += 1
        above = MARKER.match(lines[start - 1].strip()) if start > 0 else None
        blocks.append(
            Block(
                line=start + 1,
                language=fence.group(2).lower(),
                code="\n".join(body) + "\n",
                not_run=above.group("reason") if above else None,
            )
        )
        index += 1
    return blocks


BLOCKS = readme_blocks(README.read_text(encoding="utf-8"))


@dataclass
class FreshRegistry:
    url: str
    home: Path
    workdir: Path
    log: Path

    def env(self) -> dict[str, str]:
        # What the suite's own process set (MLflow's client writes MLFLOW_* into os.environ) is not a
        # reader's shell: a README script sees only the documented variables.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "GRAPH_REGISTRY_", "MLFLOW_"))}
        env.update(
            GRAPH_REGISTRY_URL=self.url,
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            MLFLOW_DISABLE_TELEMETRY="true",
            DO_NOT_TRACK="true",
        )
        return env


def _git(workdir: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Ada", "-c", "user.email=ada@acme.example", *args],
        cwd=workdir,
        check=True,
        capture_output=True,
    )


def scratch_repository(workdir: Path) -> None:
    """A training repository as the README's snippets expect it: data, a model folder, requirements."""
    (workdir / "data").mkdir(parents=True)
    rows = ["id,amount,fraud", *(f"{i},{(i * 37) % 500}.{i % 100:02d},{int(i % 17 == 0)}" for i in range(200))]
    (workdir / "data" / "transactions.csv").write_text("\n".join(rows) + "\n")
    (workdir / "data" / "train.csv").write_text("\n".join(rows[:151]) + "\n")
    (workdir / "model").mkdir()
    (workdir / "model" / "model.json").write_text('{"trees": [], "max_depth": 8}\n')
    (workdir / "model" / "README.txt").write_text("a tiny model for the README's examples\n")
    (workdir / "requirements.txt").write_text("xgboost==2.0.3\npandas==2.2.2\n")
    (workdir / "train.py").write_text("print('training')\n")
    _git(workdir, "init", "-q", "-b", "main")
    _git(workdir, "add", "train.py", "requirements.txt")
    _git(workdir, "commit", "-q", "-m", "Train the fraud model")


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FreshRegistry]:
    """`graph-registry serve` on a new state folder: its own Neo4j, the demo graph loaded."""
    home = tmp_path_factory.mktemp("readme-home")
    workdir = tmp_path_factory.mktemp("readme-work")
    scratch_repository(workdir)
    neo4j_port, api_port = free_port(), free_port()
    registry = FreshRegistry(url=f"http://127.0.0.1:{api_port}", home=home, workdir=workdir, log=home / "serve.log")
    env = registry.env()
    env.pop("GRAPH_REGISTRY_URL")
    env.update(
        GRAPH_REGISTRY_HOME=str(home),
        GRAPH_REGISTRY_EMBEDDED_NEO4J_PORT=str(neo4j_port),
        GRAPH_REGISTRY_EMBEDDED_NEO4J_START_TIMEOUT="600",
    )
    with registry.log.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "graph_registry", "serve", "--port", str(api_port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 900  # a loaded machine: Maven, a JVM start, migrations, the demo
            while True:
                assert server.poll() is None, registry.log.read_text()
                try:
                    if httpx.get(f"{registry.url}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, registry.log.read_text()
                time.sleep(0.5)
            yield registry
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=120)


def graphql(registry: FreshRegistry, query: str) -> dict[str, Any]:
    body = httpx.post(f"{registry.url}/graphql", json={"query": query}, timeout=60).json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def _run_graphql(registry: FreshRegistry, block: Block) -> None:
    data = graphql(registry, block.code)
    for field, value in data.items():
        assert value not in (None, []), f"{field} answered {value!r} on the demo graph:\n{block.code}"


def _run_python(registry: FreshRegistry, block: Block) -> None:
    script = registry.workdir / f"readme_line{block.line}.py"
    script.write_text(block.code.replace(DOCUMENTED_URL, registry.url))
    done = subprocess.run(
        [sys.executable, script.name],
        cwd=registry.workdir,
        env=registry.env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    assert "Warning" not in done.stderr, done.stderr
    assert done.stdout.strip(), done.stderr


def _command_lines(code: str) -> list[str]:
    """The commands of a shell block: one a line, or several lines while a quote is open or a line ends in \\."""
    commands: list[str] = []
    pending = ""
    for line in code.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending = f"{pending}\n{line}" if pending else line
        try:
            shlex.split(pending, comments=True)
        except ValueError:
            continue
        if not pending.endswith("\\"):
            commands.append(pending)
            pending = ""
    assert not pending, f"an unfinished command in a README shell block: {pending}"
    return commands


def _run_bash(registry: FreshRegistry, block: Block) -> None:
    lines = _command_lines(block.code.replace(DOCUMENTED_URL, registry.url))
    script = "set -euo pipefail\n" + "".join(f"{line}\nprintf '\\n{LINE_END}\\n'\n" for line in lines)
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=registry.workdir,
        env=registry.env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    outputs = done.stdout.split(f"\n{LINE_END}\n")
    for line, output in zip(lines, outputs, strict=False):
        if not line.startswith("export "):
            assert output.strip(), f"`{line}` printed nothing; stderr:\n{done.stderr}"
    assert "null" not in done.stdout.split(), done.stdout


RUNNERS = {"graphql": _run_graphql, "python": _run_python, "bash": _run_bash}


def test_every_not_run_marker_gives_a_reason() -> None:
    text = README.read_text(encoding="utf-8")
    markers = [line for line in text.splitlines() if line.strip().startswith("<!-- not-run")]
    assert markers and all(MARKER.match(line.strip()) and MARKER.match(line.strip())["reason"] for line in markers)
    marked = [block for block in BLOCKS if block.not_run is not None]
    assert len(marked) == len(markers), "a not-run marker must sit on the line right above an opening fence"


def test_the_readme_runs_the_blocks_it_should() -> None:
    runnable = [block for block in BLOCKS if block.not_run is None and block.language in RUNNABLE]
    assert {block.language for block in runnable} == RUNNABLE
    assert sum(block.language == "graphql" for block in runnable) >= 8


def test_the_demo_has_its_fixed_past(fresh: FreshRegistry) -> None:
    """Point in time on the demo: v1 in January, v2 from 9 February, the champion before the challenger."""
    data = graphql(
        fresh,
        """{
          january: modelVersion(model: "fraud-detector", stage: PRODUCTION, at: "2026-01-20T12:00:00Z") { version }
          march: modelVersion(model: "fraud-detector", stage: PRODUCTION, at: "2026-03-03T12:00:00Z") { version }
          before: modelVersion(model: "fraud-detector", stage: PRODUCTION, at: "2026-01-13T12:00:00Z") { version }
          champion: modelVersion(model: "fraud-detector", alias: "champion", at: "2026-03-01T00:00:00Z") { version }
          challenger: modelVersion(model: "fraud-detector", alias: "challenger", at: "2026-03-01T00:00:00Z") { version }
          first: modelVersion(model: "fraud-detector", version: 1) {
            createdAt stageHistory { to at }
            producedBy { startedAt experiment { name } }
          }
          gaps: provenanceGaps(stage: PRODUCTION) { modelVersion { model { name } version } missing }
          staged: provenanceGaps(stage: STAGING) { modelVersion { model { name } version } missing }
        }""",
    )
    assert (data["january"], data["march"], data["before"]) == ({"version": 1}, {"version": 2}, None)
    assert (data["champion"], data["challenger"]) == ({"version": 2}, None)
    first = data["first"]
    assert first["createdAt"].startswith("2026-01-12T14:00:00")
    assert [(h["to"], h["at"][:10]) for h in first["stageHistory"]] == [
        ("PRODUCTION", "2026-01-14"),
        ("ARCHIVED", "2026-02-09"),
    ]
    assert first["producedBy"]["startedAt"].startswith("2026-01-12T10:00:00")
    assert data["gaps"] == []
    assert data["staged"] == [
        {"modelVersion": {"model": {"name": "fraud-detector"}, "version": 3}, "missing": ["ARTIFACT_NOT_READY"]}
    ]


def test_the_demo_production_artifacts_download_and_verify(fresh: FreshRegistry, tmp_path: Path) -> None:
    from graph_registry.client import Registry

    with Registry(fresh.url, progress=False) as registry:
        for target in ("fraud-detector:2", "fraud-detector-eu:1"):
            written = registry.download(target, to=tmp_path)
            assert written.name == "model.json" and b'"format"' in written.read_bytes()
            written.unlink()


# Last: the README blocks change the demo (the shell block promotes fraud-detector:3).
@pytest.mark.parametrize("block", BLOCKS, ids=[block.id for block in BLOCKS])
def test_readme_block_runs_as_written(block: Block, request: pytest.FixtureRequest) -> None:
    if block.not_run is not None:
        pytest.skip(f"README line {block.line} not run: {block.not_run}")
    if block.language not in RUNNABLE:
        pytest.skip(f"README line {block.line} not run: a {block.language or 'plain'} block is not code to run")
    registry: FreshRegistry = request.getfixturevalue("fresh")
    RUNNERS[block.language](registry, block)
