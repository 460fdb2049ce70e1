"""Recording provenance with the client against the real server: datasets, runs, models, artifacts."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import pytest

from graph_registry.client import ArtifactError, ConflictError, Registry, RunStatus, Stage


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git work tree with one commit, as training code would live in."""
    path = tmp_path / "code"
    path.mkdir()

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=path, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("config", "user.email", "ds@example.com")
    git("config", "user.name", "Data Scientist")
    git("remote", "add", "origin", "https://token:secret@github.com/acme/fraud.git")
    (path / "train.py").write_text("print('train')\n")
    git("add", "train.py")
    git("commit", "-q", "-m", "first model")
    return path


def test_log_dataset_is_idempotent_by_content(registry: Registry, unique: str, tmp_path: Path) -> None:
    data = tmp_path / "train.csv"
    data.write_text("amount,label\n10,0\n99,1\n")
    first = registry.log_dataset(f"tx-{unique}", data)
    again = registry.log_dataset(f"tx-{unique}", str(data))
    assert (first.version, again.version, again.digest) == (1, 1, first.digest)
    assert first.uri == data.resolve().as_uri()

    data.write_text("amount,label\n10,0\n99,1\n5,0\n")
    changed = registry.log_dataset(f"tx-{unique}", data)
    assert changed.version == 2

    frame = pd.DataFrame({"amount": [10, 99], "label": [0, 1]})
    features = registry.log_dataset(f"features-{unique}", frame, derived_from=[changed])
    assert (features.row_count, features.uri) == (2.0, None)
    assert registry.dataset_version((f"features-{unique}", 1)).digest == features.digest
    assert registry.log_dataset(f"features-{unique}", frame.copy()).version == 1


def test_a_run_records_params_inputs_commit_and_metrics(
    registry: Registry, unique: str, tmp_path: Path, repo: Path
) -> None:
    train = registry.log_dataset(f"tx-{unique}", "sha256:" + "a" * 64)
    valid = registry.log_dataset(f"tx-valid-{unique}", "b" * 64)
    with registry.start_run(f"exp-{unique}", name="baseline", params={"lr": 0.1}, code_path=repo) as run:
        run.log_input(train)
        run.log_input(f"tx-valid-{unique}:1", role="validation")
        run.log_param("epochs", 3)
        for step, loss in enumerate([0.9, 0.5, 0.3]):
            run.log_metric("loss", loss, step=step)
        run.log_metrics({"auc": 0.93})

    recorded = registry.run(run.run_id)
    assert recorded.status is RunStatus.FINISHED
    assert recorded.params == {"lr": "0.1", "git.dirty": "false", "epochs": "3"}
    assert {(i.dataset_version.digest, i.role) for i in recorded.inputs} == {
        (train.digest, "training"),
        (valid.digest, "validation"),
    }
    assert recorded.commit is not None
    assert recorded.commit.repo == "github.com/acme/fraud"
    assert (recorded.commit.branch, recorded.commit.message) == ("main", "first model")
    assert recorded.commit.author == "Data Scientist <ds@example.com>"
    assert len(recorded.commit.sha) == 40
    assert {(m.key, m.value, m.step) for m in recorded.metrics} >= {("loss", 0.3, 2), ("auc", 0.93, None)}
    assert run.metric_values == {"loss": 0.3, "auc": 0.93}


def test_a_run_fails_when_its_block_raises(registry: Registry, unique: str, repo: Path) -> None:
    with pytest.raises(RuntimeError, match="diverged"), registry.start_run(f"exp-{unique}", code_path=repo) as run:
        run.log_metric("loss", float("1e9"))
        raise RuntimeError("training diverged")
    assert registry.run(run.run_id).status is RunStatus.FAILED


def test_a_run_is_visible_while_it_runs_and_grows_as_it_logs(registry: Registry, unique: str) -> None:
    train = registry.log_dataset(f"tx-{unique}", "c" * 64)
    valid = registry.log_dataset(f"vx-{unique}", "d" * 64)
    with registry.start_run(f"exp-{unique}", commit=None, params={"lr": 0.1}, inputs=[train]) as run:
        seen = registry.run(run.run_id)
        assert seen.status is RunStatus.RUNNING and seen.params == {"lr": "0.1"}
        run.log_input(valid, role="validation")
        run.log_params({"epochs": 3, "lr": 0.1})
        with pytest.raises(ConflictError):
            run.log_param("lr", 0.5)
        during = registry.run(run.run_id)
        assert during.params == {"lr": "0.1", "epochs": "3"}
        assert {(item.role, item.dataset_version.digest) for item in during.inputs} == {
            ("training", train.digest),
            ("validation", valid.digest),
        }
    assert registry.run(run.run_id).status is RunStatus.FINISHED


def test_dirty_work_tree_is_flagged(registry: Registry, unique: str, repo: Path) -> None:
    (repo / "train.py").write_text("print('changed')\n")
    with registry.start_run(f"exp-{unique}", code_path=repo) as run:
        version = registry.register_model(f"model-{unique}", run=run, requirements=None)
    assert registry.run(run.run_id).params["git.dirty"] == "true"
    assert version.tags["git.dirty"] == "true"


def test_register_model_records_full_lineage_and_a_verified_artifact(
    registry: Registry, unique: str, tmp_path: Path, repo: Path
) -> None:
    raw = registry.log_dataset(f"raw-{unique}", "d" * 64)
    train = registry.log_dataset(f"train-{unique}", "e" * 64, derived_from=[raw])
    weights = tmp_path / "model.bin"
    weights.write_bytes(bytes(range(256)) * 4000)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# pinned\nnumpy==1.26.4\nscikit-learn==1.5.0  # the model\n")

    with registry.start_run(f"exp-{unique}", params={"depth": 4}, code_path=repo) as run:
        run.log_input(train)
        run.log_metric("auc", 0.91)
        version = registry.register_model(
            f"model-{unique}", artifact=weights, run=run, requirements=requirements, description="first"
        )

    assert version.artifact is not None
    assert (version.artifact.status, version.artifact.size_bytes) == ("READY", 1024000)
    assert version.run_id == run.run_id
    assert version.metric_values == {"auc": 0.91}
    assert version.packages == ("numpy==1.26.4", "scikit-learn==1.5.0")
    assert version.commit is not None and version.commit.repo == "github.com/acme/fraud"
    assert [str(d) for d in registry.trained_on(version)] == [str(train)]

    promoted = registry.promote(version, "production", comment="first release")
    assert promoted.stage is Stage.PRODUCTION

    graph = registry.lineage(f"model-{unique}@production", depth=6)
    labels = {node.kind: node.label for node in graph.nodes}
    assert {"RUN", "COMMIT", "DATASET_VERSION", "EXPERIMENT"} <= set(labels)
    assert any(node.label.startswith(f"raw-{unique}") for node in graph.nodes)
    assert "flowchart" in graph.mermaid or "graph" in graph.mermaid
    assert graph.dot.lstrip().startswith("digraph")

    [hit] = registry.impact(f"raw-{unique}:1", stage="production")
    assert hit.model_version.key == version.key
    assert (hit.path[0].label, hit.path[-1].label) == (f"raw-{unique}:1", str(version.key))
    assert registry.impact(raw, stage="staging") == []

    downloaded = registry.download(f"model-{unique}@production", to=tmp_path / "out")
    assert downloaded == tmp_path / "out"
    assert downloaded.read_bytes() == weights.read_bytes()
    into_folder = tmp_path / "models"
    into_folder.mkdir()
    assert registry.download(version, to=into_folder).read_bytes() == weights.read_bytes()
    assert (into_folder / "model.bin").exists()


def test_folder_artifacts_round_trip_as_folders(registry: Registry, unique: str, tmp_path: Path) -> None:
    model = tmp_path / "bundle"
    (model / "weights").mkdir(parents=True)
    (model / "config.json").write_text('{"layers": 2}')
    (model / "weights" / "layer0.bin").write_bytes(b"\x00\x01" * 500)
    first = registry.register_model(f"model-{unique}", artifact=model, requirements=None, commit=None)
    (model / "config.json").touch()  # a new mtime must not change the digest
    second = registry.register_model(f"model-{unique}", artifact=model, requirements=None, commit=None)
    assert first.artifact is not None and second.artifact is not None
    assert first.artifact.sha256 == second.artifact.sha256
    assert first.tags["artifact.format"] == "tar"

    out = registry.download(f"model-{unique}:1", to=tmp_path / "restored")
    assert (out / "config.json").read_text() == '{"layers": 2}'
    assert (out / "weights" / "layer0.bin").read_bytes() == b"\x00\x01" * 500


def test_diff_shows_what_changed_between_versions(registry: Registry, unique: str, repo: Path) -> None:
    old_data = registry.log_dataset(f"tx-{unique}", "1" * 64)
    new_data = registry.log_dataset(f"tx-{unique}", "2" * 64)
    versions = []
    for data, lr, packages in ((old_data, 0.1, ["torch==2.2.0"]), (new_data, 0.05, ["torch==2.3.1"])):
        with registry.start_run(f"exp-{unique}", params={"lr": lr}, code_path=repo) as run:
            run.log_input(data)
            versions.append(registry.register_model(f"model-{unique}", run=run, requirements=packages))

    diff = registry.diff(versions[0], f"model-{unique}:2")
    assert [str(d) for d in diff.datasets_added] == [str(new_data)]
    assert [str(d) for d in diff.datasets_removed] == [str(old_data)]
    assert {(c.key, c.a, c.b) for c in diff.param_changes} == {("lr", "0.1", "0.05")}
    assert {(c.key, c.a, c.b) for c in diff.package_changes} == {("torch", "2.2.0", "2.3.1")}
    assert diff.base_model_changed is False


def test_base_model_and_implicit_run_lineage(registry: Registry, unique: str, repo: Path) -> None:
    data = registry.log_dataset(f"tx-{unique}", "3" * 64)
    base = registry.register_model(f"base-{unique}", trained_on=[data], requirements=None, commit=None)
    tuned = registry.register_model(
        f"tuned-{unique}", trained_on=[data], base_model=base, requirements=["torch==2.3.1"], commit=None
    )
    assert tuned.base_model == base.key
    assert [str(d) for d in registry.trained_on(tuned)] == [str(data)]


def test_a_tampered_download_is_refused(registry: Registry, unique: str, tmp_path: Path) -> None:
    weights = tmp_path / "model.bin"
    weights.write_bytes(b"weights" * 100)
    version = registry.register_model(f"model-{unique}", artifact=weights, requirements=None, commit=None)
    assert version.artifact is not None
    stored = Path(version.artifact.uri.removeprefix("file://"))
    stored.write_bytes(b"tampered" * 100)
    with pytest.raises(ArtifactError):
        registry.download(version, to=tmp_path / "out.bin")
    assert not (tmp_path / "out.bin").exists()
