"""The client's token reaches the server: over HTTP as a header, over WebSocket at connection init."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest

from graph_registry.client import ForbiddenError, Registry, UnauthenticatedError
from graph_registry.services.tokens import Role
from tests.live_server import LiveServer

# Auth-on servers and tokens, shared with the security tests.
from tests.security.conftest import role_tokens, secure_api, secure_settings

__all__ = ["role_tokens", "secure_api", "secure_settings"]


def test_calls_carry_the_token(secure_api: LiveServer, role_tokens: dict[Role, tuple[str, str]], unique: str) -> None:
    with Registry(secure_api.url, retries=0) as anonymous, pytest.raises(UnauthenticatedError):
        anonymous.models()
    _, reader_secret = role_tokens[Role.READER]
    with Registry(secure_api.url, reader_secret) as reader:
        reader.models(name_contains=unique)
        with pytest.raises(ForbiddenError):
            reader.register_model(f"model-{unique}", requirements=None, commit=None)


def test_the_token_comes_from_the_environment(
    secure_api: LiveServer, role_tokens: dict[Role, tuple[str, str]], monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    monkeypatch.setenv("GRAPH_REGISTRY_URL", secure_api.url)
    monkeypatch.delenv("GRAPH_REGISTRY_TOKEN", raising=False)
    with Registry(retries=0) as anonymous, pytest.raises(UnauthenticatedError):
        anonymous.models()
    _, reader_secret = role_tokens[Role.READER]
    monkeypatch.setenv("GRAPH_REGISTRY_TOKEN", reader_secret)
    with Registry() as reader:
        assert reader.models(name_contains=f"nothing-has-{unique}") == []
        with pytest.raises(ForbiddenError):
            reader.register_model(f"model-{unique}", requirements=None, commit=None)
    monkeypatch.setenv("GRAPH_REGISTRY_TOKEN", "gr_not-a-token")
    with Registry(retries=0) as forged, pytest.raises(UnauthenticatedError):
        forged.models()


def test_events_carry_the_token(secure_api: LiveServer, role_tokens: dict[Role, tuple[str, str]], unique: str) -> None:
    _, admin_secret = role_tokens[Role.ADMIN]
    name = f"model-{unique}"
    with Registry(secure_api.url, admin_secret) as admin:
        created = admin.execute("mutation($n: String!) { createModel(name: $n) { createdAt } }", {"n": name})
        admin.register_model(name, requirements=None, commit=None)
        since = datetime.fromisoformat(created["createModel"]["createdAt"])
        [event] = itertools.islice(admin.events(name, since=since), 1)
    assert (event.type, event.version) == ("VERSION_CREATED", 1)

    with Registry(secure_api.url) as anonymous, pytest.raises(UnauthenticatedError):
        next(anonymous.events(name, since=since))
    with Registry(secure_api.url, "gr_not-a-token") as forged, pytest.raises(ForbiddenError):
        next(forged.events(name, since=since))
