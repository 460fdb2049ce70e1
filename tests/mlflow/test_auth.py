"""With authentication on, the MLflow API asks for the same Bearer tokens and roles as GraphQL,
and audits what callers attempt."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from graph_registry.services.audit import AuditService
from graph_registry.services.tokens import Role, TokenService
from graph_registry.settings import Settings
from graph_registry.storage.database import Database
from tests.live_server import LiveServer


@pytest.fixture(scope="module")
def secure(neo4j_settings: Settings, database: Database) -> Iterator[LiveServer]:
    settings = neo4j_settings.model_copy(update={"auth": True, "require_provenance": False})
    with LiveServer.serving(settings) as server:
        yield server


@pytest.fixture(scope="module")
async def secrets(database: Database) -> dict[Role, str]:
    service = TokenService(database)
    run = uuid.uuid4().hex[:8]
    return {role: (await service.create(name=f"mlflow-{role.value}-{run}", role=role)).secret for role in Role}


def _client(secure: LiveServer, monkeypatch: pytest.MonkeyPatch, secret: str | None) -> MlflowClient:
    if secret is None:
        monkeypatch.delenv("MLFLOW_TRACKING_TOKEN", raising=False)
    else:
        monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", secret)
    return MlflowClient(tracking_uri=secure.url, registry_uri=secure.url)


def _code(call: object) -> str:
    assert callable(call)
    with pytest.raises(MlflowException) as refused:
        call()
    return refused.value.error_code


async def test_tokens_and_roles(
    secure: LiveServer, secrets: dict[Role, str], database: Database, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    name = f"secured-{unique}"
    anonymous = _client(secure, monkeypatch, None)
    assert _code(lambda: anonymous.search_experiments()) == "UNAUTHENTICATED"
    assert _code(lambda: anonymous.create_registered_model(name)) == "UNAUTHENTICATED"
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "gr_not-a-token")
    assert _code(lambda: anonymous.search_registered_models()) == "UNAUTHENTICATED"

    reader = _client(secure, monkeypatch, secrets[Role.READER])
    reader.search_experiments()
    assert _code(lambda: reader.create_registered_model(name)) == "PERMISSION_DENIED"
    assert _code(lambda: reader.create_experiment(f"secured {unique}")) == "PERMISSION_DENIED"

    writer = _client(secure, monkeypatch, secrets[Role.WRITER])
    writer.create_registered_model(name)
    writer.create_model_version(name, source="s3://bucket/model")
    assert _code(lambda: writer.transition_model_version_stage(name, "1", "Production")) == "PERMISSION_DENIED"
    maintainer = _client(secure, monkeypatch, secrets[Role.MAINTAINER])
    assert maintainer.transition_model_version_stage(name, "1", "Production").current_stage == "Production"

    entries = (
        await AuditService(database).list_entries(model=name, version=None, actor=None, first=20, after=None)
    ).items
    seen = {(entry.operation, entry.outcome) for entry in entries}
    assert ("mlflow.CreateRegisteredModel", "OK") in seen
    assert ("mlflow.CreateModelVersion", "OK") in seen
    assert ("mlflow.TransitionModelVersionStage", "FORBIDDEN") in seen
    assert ("mlflow.TransitionModelVersionStage", "OK") in seen
    assert ("mlflow.CreateRegisteredModel", "FORBIDDEN") in seen
