"""What the CLI prints for people: whole names at 80 columns, run names, edges that read the way
they are drawn, downloaded files dated now, and nothing on stdout but the answer."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import Result
from rich.console import Console
from typer.testing import CliRunner

from graph_registry.cli import output
from graph_registry.cli.main import app
from graph_registry.client import Registry
from tests.live_server import LiveServer


@pytest.fixture
def cli80(api: LiveServer, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The CLI on an 80-column terminal."""
    monkeypatch.setattr(output, "stdout", Console(width=80, highlight=False))
    runner = CliRunner()

    def run(*args: str) -> Result:
        result = runner.invoke(app, [*args, "--url", api.url])
        assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
        return result

    return run


def squeezed(table: str) -> str:
    """A table's text without borders or spaces, so folded cells read as one string per column."""
    return "".join(char for char in table if not char.isspace() and not "\u2500" <= char <= "\u257f")


@pytest.fixture
def trained(registry: Registry, unique: str) -> dict[str, str]:
    """raw -> train -> run `xgb-<unique>` -> model version."""
    raw = registry.log_dataset(f"raw-{unique}", "d" * 64)
    train = registry.log_dataset(f"train-{unique}", "e" * 64, derived_from=[raw])
    with registry.start_run(f"exp-{unique}", name=f"xgb-{unique}", commit=None) as run:
        run.log_input(train)
        registry.register_model(f"fraud-detector-{unique}", run=run, requirements=None)
    registry.register_model(f"fraud-detector-{unique}-eu", requirements=None, commit=None)
    return {"model": f"fraud-detector-{unique}", "raw": f"raw-{unique}:1", "run": f"xgb-{unique}", "id": run.run_id}


def test_models_list_keeps_the_identifying_column_whole(cli80, trained: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    listing = cli80("models", "list", "--name-contains", trained["model"]).stdout
    assert f" {trained['model']} " in listing and f" {trained['model']}-eu " in listing
    assert "…" not in listing


def test_impact_names_runs_and_shows_ids_on_request(cli80, trained: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    table = squeezed(cli80("impact", trained["raw"]).stdout)
    assert f"run{trained['run']}" in table and trained["id"] not in table
    with_ids = squeezed(cli80("impact", trained["raw"], "--ids").stdout)
    assert f"{trained['run']}({trained['id']})" in with_ids


def test_pictures_label_edges_in_the_direction_they_are_drawn(cli80, trained: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    mermaid = cli80("lineage", f"{trained['model']}:1", "--format", "mermaid").stdout
    assert '-->|"used by"|' in mermaid and '-->|"produced"|' in mermaid and '-->|"derived into"|' in mermaid
    assert "PRODUCED_BY" not in mermaid and "USED" not in mermaid
    dot = cli80("lineage", f"{trained['model']}:1", "--format", "dot").stdout
    assert '[label="produced"]' in dot and '[label="used by"]' in dot
    tree = cli80("lineage", f"{trained['model']}:1", "--direction", "upstream").stdout
    assert "produced by" in tree and "derived from" in tree
    downstream = cli80("lineage", f"{trained['model']}:1", "--direction", "downstream").stdout
    assert "PRODUCED_BY" not in downstream


def test_artifacts_print_only_their_answer_and_files_are_dated_now(cli80, unique: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "weights.bin").write_bytes(b"\x01" * 3000)
    uploaded = cli80("artifact", "upload", f"model-{unique}", str(folder))
    assert uploaded.stdout.count("\n") == 1 and uploaded.stdout.startswith(f"model-{unique}:1: artifact READY")
    before = time.time()
    target = tmp_path / "serving"
    downloaded = cli80("artifact", "download", f"model-{unique}:1", "--to", str(target))
    assert downloaded.stdout == f"{target}\n"
    written = target / "weights.bin"
    assert written.read_bytes() == b"\x01" * 3000
    assert written.stat().st_mtime >= before - 1
