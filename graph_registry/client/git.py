"""The git commit a working directory is at, read with the `git` command (no library needed)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from graph_registry.client.types import Commit

# user:password@ in https URLs must never reach the registry.
_CREDENTIALS = re.compile(r"^(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@]*@", re.IGNORECASE)
_SCP = re.compile(r"^[^/@:]+@(?P<host>[^:/]+):(?P<path>.+)$")


@dataclass(frozen=True, slots=True)
class GitState:
    """Where a working tree stands: its commit, and whether it has uncommitted changes."""

    commit: Commit
    dirty: bool


def _git(cwd: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def repo_name(remote: str) -> str:
    """A remote URL as a repository name: `github.com/acme/fraud`, without credentials or `.git`."""
    remote = remote.strip()
    if match := _SCP.match(remote):
        remote = f"{match['host']}/{match['path']}"
    remote = _CREDENTIALS.sub("", remote)
    remote = re.sub(r"^(https?|ssh|git)://", "", remote)
    return remote.removesuffix("/").removesuffix(".git")


def detect(path: str | Path = ".") -> GitState | None:
    """The commit checked out at `path`, or None outside a git work tree (or without git)."""
    cwd = Path(path).resolve()
    if not cwd.is_dir():
        cwd = cwd.parent
    top = _git(cwd, "rev-parse", "--show-toplevel")
    sha = _git(cwd, "rev-parse", "HEAD")
    if top is None or sha is None:
        return None
    remote = _git(cwd, "config", "--get", "remote.origin.url")
    branch = _git(cwd, "rev-parse", "--abbrev-ref", "HEAD")
    info = _git(cwd, "log", "-1", "--format=%an <%ae>%x00%cI%x00%s", "HEAD") or ""
    author, committed_at, message = [*info.split("\x00"), "", "", ""][:3]
    status = _git(cwd, "status", "--porcelain", "--untracked-files=no")
    commit = Commit(
        repo=repo_name(remote) if remote else Path(top).as_posix(),
        sha=sha,
        branch=None if branch in (None, "HEAD") else branch,
        author=author or None,
        message=message or None,
        committed_at=datetime.fromisoformat(committed_at) if committed_at else None,
    )
    return GitState(commit=commit, dirty=bool(status))
