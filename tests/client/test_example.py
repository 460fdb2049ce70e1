"""examples/train_fraud.py against the real server, then its lineage read back through the client."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from graph_registry.client import Registry, Stage
from tests.live_server import LiveServer

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "train_fraud.py"


def test_training_example_records_full_lineage(
    api: LiveServer, registry: Registry, unique: str, tmp_path: Path
) -> None:
    # The example detects the commit of its own folder: give it a git work tree of its own.
    code = tmp_path / "code"
    code.mkdir()
    shutil.copy(EXAMPLE, code / "train_fraud.py")
    for args in (
        ["init", "-q", "-b", "main"],
        ["-c", "user.name=CI", "-c", "user.email=ci@example.com", "add", "train_fraud.py"],
        ["-c", "user.name=CI", "-c", "user.email=ci@example.com", "commit", "-q", "-m", "example"],
    ):
        subprocess.run(["git", *args], cwd=code, check=True, capture_output=True)

    model, prefix = f"fraud-{unique}", f"fx-{unique}"
    arguments = ["--workdir", str(tmp_path / "work"), "--model", model, "--dataset-prefix", prefix]
    done = subprocess.run(
        [sys.executable, str(code / "train_fraud.py"), *arguments, "--rows", "600", "--epochs", "5"],
        env={**os.environ, "GRAPH_REGISTRY_URL": api.url},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"promoted {model}:1 to PRODUCTION" in done.stdout

    version = registry.version(model, stage="production")
    assert version.artifact is not None and version.artifact.status == "READY"
    assert version.commit is not None and version.commit.message == "example"
    assert any(line.startswith("graph-registry==") for line in version.packages)
    assert set(version.metric_values) == {"loss", "auc"}
    assert sorted(d.dataset for d in registry.trained_on(version)) == [f"{prefix}-test", f"{prefix}-train"]

    run = registry.run(version.run_id or "")
    assert {(i.dataset_version.dataset, i.role) for i in run.inputs} == {
        (f"{prefix}-train", "training"),
        (f"{prefix}-test", "validation"),
    }
    assert run.params["model"] == "logistic-regression"

    graph = registry.lineage(version, depth=6)
    assert any(node.label.startswith(f"{prefix}-transactions") for node in graph.nodes)
    [hit] = registry.impact(f"{prefix}-transactions:1", stage=Stage.PRODUCTION)
    assert hit.model_version.key == version.key
    weights = registry.download(version, to=tmp_path / "weights.json")
    assert weights.read_bytes() == (tmp_path / "work" / "model" / "weights.json").read_bytes()
