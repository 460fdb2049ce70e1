"""The local Neo4j manager fails fast and clearly instead of hanging."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from graph_registry.storage.local_neo4j import LocalNeo4j, LocalNeo4jError
from tests.live_server import free_port


def test_a_taken_port_is_reported(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        with pytest.raises(LocalNeo4jError, match=f"port {port} .* already taken"):
            LocalNeo4j(tmp_path, port=port).start(timeout=5)


def test_missing_java_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(LocalNeo4jError, match="'java' was not found"):
        LocalNeo4j(tmp_path, port=free_port()).start(timeout=5)


def test_status_and_stop_when_nothing_runs(tmp_path: Path) -> None:
    local = LocalNeo4j(tmp_path, port=free_port())
    assert local.status().running is False
    assert local.stop() is False


def test_the_generated_password_is_private_and_stable(tmp_path: Path) -> None:
    local = LocalNeo4j(tmp_path, port=free_port())
    first = local.password()
    assert len(first) >= 24
    assert local.password() == first
    assert (tmp_path / "password").stat().st_mode & 0o077 == 0
