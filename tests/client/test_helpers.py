"""The client's pure helpers: digests, git detection, requirements, references."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from graph_registry.client import Stage, digests, git, requirements
from graph_registry.client.refs import dataset_ref, parse_version_ref

pytestmark = pytest.mark.unit


def test_file_digest_is_the_sha256_of_the_bytes(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(b"a,b\n1,2\n")
    assert digests.digest_of(path) == "sha256:" + hashlib.sha256(b"a,b\n1,2\n").hexdigest()


def test_folder_digest_depends_on_names_and_contents_only(tmp_path: Path) -> None:
    def build(root: Path, files: dict[str, bytes]) -> Path:
        for name, content in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(content)
        return root

    files = {"part-0.csv": b"1\n", "nested/part-1.csv": b"2\n"}
    one = build(tmp_path / "one", files)
    two = build(tmp_path / "two", dict(reversed(files.items())))
    (two / "empty").mkdir()
    os.utime(two / "part-0.csv", (0, 0))
    assert digests.digest_of(one) == digests.digest_of(two)

    (two / "nested" / "part-1.csv").write_bytes(b"3\n")
    assert digests.digest_of(one) != digests.digest_of(two)
    renamed = build(tmp_path / "three", {"part-0.csv": b"1\n", "nested/part-2.csv": b"2\n"})
    assert digests.digest_of(one) != digests.digest_of(renamed)


def test_dataframe_digest_covers_values_index_columns_and_types() -> None:
    frame = pd.DataFrame({"amount": [10.0, 99.5], "label": [0, 1]})
    assert digests.digest_of(frame) == digests.digest_of(frame.copy())
    assert digests.digest_of(frame) != digests.digest_of(frame.assign(label=[1, 0]))
    assert digests.digest_of(frame) != digests.digest_of(frame.set_axis([5, 6]))
    assert digests.digest_of(frame) != digests.digest_of(frame.rename(columns={"label": "target"}))
    assert digests.digest_of(frame) != digests.digest_of(frame.astype({"label": "int32"}))


def test_digest_text_is_taken_as_is_and_other_things_are_refused(tmp_path: Path) -> None:
    assert digests.digest_of("SHA256:" + "AB" * 32) == "sha256:" + "ab" * 32
    assert digests.digest_of("cd" * 32) == "sha256:" + "cd" * 32
    with pytest.raises(FileNotFoundError):
        digests.digest_of(tmp_path / "missing.csv")
    with pytest.raises(TypeError):
        digests.digest_of(42)


def test_git_detection_reads_commit_branch_and_dirty_flag(tmp_path: Path) -> None:
    def run(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True, text=True).stdout

    assert git.detect(tmp_path) is None
    run("init", "-q", "-b", "feature/x")
    run("config", "user.email", "a@b.c")
    run("config", "user.name", "A B")
    (tmp_path / "f.txt").write_text("1")
    run("add", "f.txt")
    run("commit", "-q", "-m", "add f")
    state = git.detect(tmp_path / "f.txt")
    assert state is not None
    assert state.commit.sha == run("rev-parse", "HEAD").strip()
    assert (state.commit.branch, state.commit.message, state.dirty) == ("feature/x", "add f", False)
    assert state.commit.repo == tmp_path.resolve().as_posix()

    (tmp_path / "untracked.txt").write_text("new")
    assert git.detect(tmp_path).dirty is False  # type: ignore[union-attr]
    (tmp_path / "f.txt").write_text("2")
    assert git.detect(tmp_path).dirty is True  # type: ignore[union-attr]

    run("checkout", "-q", "--detach")
    assert git.detect(tmp_path).commit.branch is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("remote", "name"),
    [
        ("https://user:token@github.com/acme/fraud.git", "github.com/acme/fraud"),
        ("git@github.com:acme/fraud.git", "github.com/acme/fraud"),
        ("ssh://git@gitlab.example.com/team/models", "gitlab.example.com/team/models"),
        ("http://example.com/repo/", "example.com/repo"),
    ],
)
def test_remote_urls_become_names_without_credentials(remote: str, name: str) -> None:
    assert git.repo_name(remote) == name


def test_requirements_lines_must_pin_one_version(tmp_path: Path) -> None:
    assert requirements.parse(["# c", "", "-r base.txt", "Scikit_Learn==1.5.0 ; python_version>'3'", "numpy==2.0"]) == [
        "numpy==2.0",
        "scikit-learn==1.5.0",
    ]
    for line in ("numpy>=1.0", "numpy", "numpy==1.*", "numpy==1.0,<2"):
        with pytest.raises(ValueError, match="not pinned"):
            requirements.parse([line])
    with pytest.raises(ValueError, match="not a requirement"):
        requirements.parse(["://nonsense"])
    path = tmp_path / "requirements.txt"
    path.write_text("torch==2.3.1\n")
    assert requirements.resolve(path) == ["torch==2.3.1"]
    assert requirements.resolve(None) is None


def test_requirements_from_the_environment_pin_installed_packages() -> None:
    found = requirements.resolve("auto")
    assert found is not None
    httpx_line = next(line for line in found if line.startswith("httpx=="))
    assert httpx_line == requirements.pinned(["httpx"])[0]
    assert all("==" in line for line in found)


def test_version_and_dataset_references() -> None:
    assert parse_version_ref("fraud").version is None
    assert parse_version_ref("fraud:3").version == 3
    assert parse_version_ref("fraud@champion").alias == "champion"
    assert parse_version_ref("fraud@Production").stage is Stage.PRODUCTION
    assert str(parse_version_ref("fraud@production")) == "fraud@production"
    for bad in ("", ":3", "fraud:", "fraud:x", "fraud@"):
        with pytest.raises(ValueError):
            parse_version_ref(bad)
    assert dataset_ref("tx:7") == {"dataset": "tx", "version": 7}
    assert dataset_ref("tx@sha256:" + "a" * 64) == {"dataset": "tx", "digest": "sha256:" + "a" * 64}
    with pytest.raises(ValueError):
        dataset_ref("tx")
