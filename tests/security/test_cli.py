"""`graph-registry token ...` and the `serve` rules, through the real command."""

from __future__ import annotations

import uuid

import httpx
import pytest
from typer.testing import CliRunner

from graph_registry.cli.main import app, is_loopback
from graph_registry.cli.tokens import parse_duration
from graph_registry.settings import Settings
from tests.live_server import LiveServer

runner = CliRunner()


def test_tokens_are_minted_listed_and_revoked(secure_api: LiveServer) -> None:
    name = f"cli-{uuid.uuid4().hex[:8]}"
    created = runner.invoke(app, ["token", "create", "--name", name, "--role", "writer", "--expires-in", "30d"])
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip()
    assert secret.startswith("gr_") and len(secret) > 40

    with httpx.Client(base_url=secure_api.url, headers={"Authorization": f"Bearer {secret}"}) as http:
        mutation = {"query": f'mutation {{ createModel(name: "{name}") {{ name }} }}'}
        assert http.post("/graphql", json=mutation).json() == {"data": {"createModel": {"name": name}}}

        listed = runner.invoke(app, ["token", "list"])
        assert listed.exit_code == 0, listed.output
        [row] = [line for line in listed.stdout.splitlines() if name in line]
        assert "writer" in row and "active" in row
        assert secret not in listed.stdout

        revoked = runner.invoke(app, ["token", "revoke", name])
        assert revoked.exit_code == 0, revoked.output
        answer = http.post("/graphql", json={"query": "{ __typename models(first: 1) { totalCount } }"}).json()
        assert answer["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    again = runner.invoke(app, ["token", "create", "--name", name, "--role", "admin"])
    assert again.exit_code == 1
    assert "gr_" not in again.stdout


def test_bad_roles_and_durations_are_refused() -> None:
    assert runner.invoke(app, ["token", "create", "--name", "x", "--role", "root"]).exit_code == 2
    assert (
        runner.invoke(app, ["token", "create", "--name", "x", "--role", "reader", "--expires-in", "soon"]).exit_code
        == 2
    )
    assert parse_duration("90m").total_seconds() == 5400
    assert parse_duration("2w").days == 14


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::", "registry.example"])
def test_serve_without_auth_refuses_other_addresses(monkeypatch: pytest.MonkeyPatch, host: str) -> None:
    monkeypatch.setenv("GRAPH_REGISTRY_AUTH", "off")
    result = runner.invoke(app, ["serve", "--host", host])
    assert result.exit_code == 2
    assert "refusing to start" in result.output


def test_loopback_names() -> None:
    assert all(is_loopback(host) for host in ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
    assert not any(is_loopback(host) for host in ["0.0.0.0", "::", "10.0.0.1", "example.org"])


def test_auth_is_on_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRAPH_REGISTRY_AUTH", raising=False)
    settings = Settings(neo4j_uri="bolt://neo4j.internal:7687")
    assert settings.auth_enabled is True
    assert Settings(neo4j_uri=None).auth_enabled is False, "the embedded default is a local sandbox"
    assert Settings(neo4j_uri=None, auth=True).auth_enabled is True
    assert settings.protected_aliases == ("champion", "production")
    monkeypatch.setenv("GRAPH_REGISTRY_PROTECTED_ALIASES", "champion, live ,")
    assert Settings().protected_aliases == ("champion", "live")
