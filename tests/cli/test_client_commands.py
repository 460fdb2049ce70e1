"""The CLI's registry commands, run in-process against the real server."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from rich.console import Console
from typer.testing import CliRunner

from graph_registry.cli import output
from graph_registry.cli.main import app
from graph_registry.client import Registry
from tests.live_server import LiveServer, free_port

Cli = Callable[..., Result]


@pytest.fixture
def cli(api: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Cli:
    # Wide enough that tables never wrap what the assertions look for.
    monkeypatch.setattr(output, "stdout", Console(width=250, highlight=False))
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> Result:
        result = runner.invoke(app, [*args, "--url", api.url])
        assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr, result.exception)
        return result

    return run


def as_json(result: Result) -> Any:
    return json.loads(result.stdout)


@pytest.fixture
def lineage(registry: Registry, unique: str, tmp_path: Path) -> dict[str, str]:
    """A model with two versions trained on two dataset versions derived from one raw dataset."""
    raw = registry.log_dataset(f"raw-{unique}", "a" * 64)
    names = {"model": f"model-{unique}", "raw": f"raw-{unique}:1"}
    for index, digest in enumerate(("b" * 64, "c" * 64), start=1):
        train = registry.log_dataset(f"train-{unique}", digest, derived_from=[raw])
        with registry.start_run(f"exp-{unique}", params={"lr": 0.1 * index}, commit=None) as run:
            run.log_input(train)
            run.log_metric("auc", 0.8 + index / 100)
            registry.register_model(
                names["model"],
                run=run,
                requirements=[f"torch==2.{index}.0"],
                commit=None,
            )
    return names


def test_models_and_versions_lists(cli: Cli, registry: Registry, model_name: str) -> None:
    registry.register_model(model_name, requirements=None, commit=None)
    registry.register_model(model_name, requirements=None, commit=None)
    registry.set_alias(f"{model_name}:1", "champion")

    models = as_json(cli("models", "list", "--name-contains", model_name, "--json"))
    assert [(m["name"], m["latest_version"], m["aliases"]) for m in models] == [(model_name, 2, {"champion": 1})]
    assert model_name in cli("models", "list", "--name-contains", model_name).stdout

    versions = as_json(cli("versions", "list", model_name, "--json"))
    assert [v["version"] for v in versions] == [2, 1]
    assert as_json(cli("versions", "list", model_name, "--stage", "staging", "--json")) == []
    table = cli("versions", "list", model_name).stdout
    assert "champion" in table and "NONE" in table


def test_show_promote_and_aliases(cli: Cli, registry: Registry, model_name: str) -> None:
    registry.register_model(model_name, requirements=None, commit=None, description="first")
    registry.register_model(model_name, requirements=None, commit=None)

    shown = as_json(cli("show", f"{model_name}:1", "--json"))
    assert (shown["version"]["version"], shown["version"]["description"], shown["trainedOn"]) == (1, "first", [])
    assert "first" in cli("show", f"{model_name}:1").stdout

    promoted = as_json(cli("promote", f"{model_name}:2", "staging", "--comment", "canary", "--json"))
    assert promoted["stage"] == "STAGING"
    assert "STAGING" in cli("show", f"{model_name}@staging").stdout

    assert as_json(cli("alias", "set", f"{model_name}:1", "champion", "--json"))["aliases"] == ["champion"]
    assert f"{model_name}@champion → v2" in cli("alias", "set", f"{model_name}:2", "champion").stdout
    assert as_json(cli("show", f"{model_name}@champion", "--json"))["version"]["version"] == 2
    assert as_json(cli("alias", "delete", model_name, "champion", "--json")) == {"deleted": True}


def test_failures_exit_with_the_code_of_the_contract_error(cli: Cli, registry: Registry, model_name: str) -> None:
    registry.register_model(model_name, requirements=None, commit=None)
    missing = cli("show", f"{model_name}:9", code=3)
    assert "NOT_FOUND" in missing.stderr
    registry.execute("mutation($m: String!) { deleteModelVersion(model: $m, version: 1) }", {"m": model_name})
    assert "PRECONDITION_FAILED" in cli("promote", f"{model_name}:1", "staging", code=6).stderr
    assert "INVALID_INPUT" in cli("alias", "set", f"{model_name}:9", "9bad", code=5).stderr
    assert cli("alias", "delete", model_name, "nothing", code=3).stderr
    cli("show", f"{model_name}:latest", code=2)
    cli("impact", "no-version-given", code=2)

    runner = CliRunner()
    unreachable = runner.invoke(app, ["models", "list", "--url", f"http://127.0.0.1:{free_port()}"])
    assert unreachable.exit_code == 7
    assert "TRANSPORT" in unreachable.stderr


def test_lineage_in_every_format(cli: Cli, lineage: dict[str, str]) -> None:
    model = lineage["model"]
    tree = cli("lineage", f"{model}:2", "--direction", "upstream", "--depth", "5").stdout
    assert "RUN" in tree and "DATASET_VERSION" in tree and lineage["raw"].split(":")[0] in tree
    assert cli("lineage", f"{model}:2", "--format", "mermaid").stdout.startswith("flowchart")
    assert cli("lineage", f"{model}:2", "--format", "dot").stdout.lstrip().startswith("digraph")
    graph = as_json(cli("lineage", f"{model}:2", "--format", "json"))
    assert graph["root"] == next(node["id"] for node in graph["nodes"] if node["depth"] == 0)
    assert {edge["type"] for edge in graph["edges"]} >= {"USED", "DERIVED_FROM"}
    both = cli("lineage", f"{model}:2", "--direction", "both", "--depth", "2").stdout
    assert "MODEL_VERSION" in both
    shallow = as_json(cli("lineage", f"{model}:2", "--depth", "1", "--json"))
    assert shallow["truncated"] is True


def test_impact_and_diff(cli: Cli, lineage: dict[str, str]) -> None:
    model, raw = lineage["model"], lineage["raw"]
    hits = as_json(cli("impact", raw, "--json"))
    assert sorted(hit["model_version"]["version"] for hit in hits) == [1, 2]
    assert hits[0]["path"][0]["label"] == raw
    assert f"{model}:1" in cli("impact", raw).stdout
    assert cli("impact", raw, "--stage", "production", "--json").stdout.strip() == "[]"
    assert "no model version depends" in cli("impact", raw, "--stage", "production").stdout

    diff = as_json(cli("diff", f"{model}:1", f"{model}:2", "--json"))
    assert {(c["key"], c["a"], c["b"]) for c in diff["package_changes"]} == {("torch", "2.1.0", "2.2.0")}
    assert [d["version"] for d in diff["datasets_added"]] == [2]
    table = cli("diff", f"{model}:1", f"{model}:2").stdout
    assert "torch" in table and "lr" in table


def test_artifact_upload_and_download(cli: Cli, registry: Registry, model_name: str, tmp_path: Path) -> None:
    weights = tmp_path / "weights.bin"
    weights.write_bytes(b"\x07" * 5000)
    created = as_json(cli("artifact", "upload", model_name, str(weights), "--json"))
    assert (created["version"], created["artifact"]["status"]) == (1, "READY")

    # A version that declared its artifact but never sent it (an interrupted upload).
    sha256 = hashlib.sha256(weights.read_bytes()).hexdigest()
    registry.execute(
        "mutation($m: String!, $s: String!) { createModelVersion(input: {model: $m, "
        "artifact: {sha256: $s, sizeBytes: 5000}}) { version } }",
        {"m": model_name, "s": sha256},
    )
    assert "READY" in cli("artifact", "upload", f"{model_name}:2", str(weights)).stdout
    other = tmp_path / "other.bin"
    other.write_bytes(b"\x08" * 5000)
    registry.execute(
        "mutation($m: String!, $s: String!) { createModelVersion(input: {model: $m, "
        "artifact: {sha256: $s, sizeBytes: 5000}}) { version } }",
        {"m": model_name, "s": sha256},
    )
    assert "ARTIFACT" in cli("artifact", "upload", f"{model_name}:3", str(other), code=1).stderr

    out = tmp_path / "out.bin"
    written = as_json(cli("artifact", "download", f"{model_name}:2", "--to", str(out), "--json"))
    assert written == {"path": str(out)}
    assert out.read_bytes() == weights.read_bytes()
    assert "has no verified artifact" in cli("artifact", "download", f"{model_name}:3", code=3).stderr


def test_watch_prints_events(cli: Cli, registry: Registry, model_name: str) -> None:
    created = registry.execute("mutation($n: String!) { createModel(name: $n) { createdAt } }", {"n": model_name})
    since = datetime.fromisoformat(created["createModel"]["createdAt"]).isoformat()
    registry.register_model(model_name, requirements=None, commit=None)
    registry.promote(f"{model_name}:1", "staging")
    lines = cli("watch", model_name, "--since", since, "--count", "2", "--json").stdout.splitlines()
    assert [(e["type"], e["version"], e["seq"]) for e in map(json.loads, lines)] == [
        ("VERSION_CREATED", 1, 1),
        ("STAGE_CHANGED", 1, 2),
    ]
    human = cli("watch", model_name, "--since", since, "--count", "2").stdout
    assert f"STAGE_CHANGED {model_name}:1 NONE -> STAGING by anonymous" in human
