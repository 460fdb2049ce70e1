"""A newcomer's first run of the Python client: what it says when something is missing."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from graph_registry.client import NoGitWarning, NotFoundError, PreconditionFailedError, Registry
from graph_registry.settings import Settings
from tests.live_server import LiveServer


@pytest.fixture(scope="module")
def governed(neo4j_settings: Settings) -> Iterator[LiveServer]:
    """A server that refuses PRODUCTION without a dataset and a commit (the default)."""
    with LiveServer.serving(neo4j_settings.model_copy(update={"auth": False, "require_provenance": True})) as server:
        yield server


@pytest.fixture
def registry(governed: LiveServer) -> Iterator[Registry]:
    with Registry(governed.url, progress=False) as client:
        yield client


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def test_a_run_outside_git_warns_and_the_refused_promotion_says_why(registry: Registry, tmp_path: Path) -> None:
    outside = tmp_path / "not-a-repository"
    outside.mkdir()
    data = registry.log_dataset(_name("data"), _digest(str(uuid.uuid4())))
    with pytest.warns(NoGitWarning, match="found no git repository"):
        run = registry.start_run(_name("experiment"), code_path=outside)
    with run:
        run.log_input(data)
        version = registry.register_model(_name("model"), run=run, requirements=None)
    with pytest.raises(PreconditionFailedError) as refused:
        registry.promote(version, "production")
    assert "lacks a commit" in refused.value.message
    assert f"start_run found no git repository at {outside.resolve()}" in refused.value.message


def test_a_missing_version_is_named_in_full(registry: Registry) -> None:
    model = _name("model")
    registry.register_model(model, requirements=None, commit=None)
    with pytest.raises(NotFoundError, match=f"model version {model}:2 does not exist"):
        registry.diff(f"{model}:1", f"{model}:2")
    with pytest.raises(NotFoundError, match=f"model version {model}:7 does not exist"):
        registry.promote(f"{model}:7", "staging")
    with pytest.raises(NotFoundError, match=f"model version {model}@champion does not exist"):
        registry.diff(f"{model}@champion", f"{model}:1")


def test_events_stop_after_a_number_of_events_or_a_timeout(registry: Registry) -> None:
    model = _name("model")
    since = datetime.now(UTC)
    for _ in range(3):
        registry.register_model(model, requirements=None, commit=None)
    replayed = list(registry.events(model, since=since, stop_after=2))
    assert [(event.type, event.version) for event in replayed] == [("VERSION_CREATED", 1), ("VERSION_CREATED", 2)]
    everything = list(registry.events(model, since=since, timeout=3))
    assert [event.version for event in everything] == [1, 2, 3]
    with pytest.raises(ValueError, match="stop_after"):
        registry.events(model, stop_after=0)
