"""Team roles on the MLflow API and on POST /api/v1/lineage, as on GraphQL: on a team's model the
effective role is the higher of the token's role in that team and its registry-wide role.

Tokens are real (auth on); the callers are the stock `mlflow` client and openlineage-python.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import requests
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import Job, Run, RunEvent, RunState

from graph_registry import bootstrap
from graph_registry.services.tokens import Role, TokenService
from graph_registry.settings import Settings
from graph_registry.storage.database import Database
from tests.live_server import LiveServer


@pytest.fixture(scope="module")
def secure(neo4j_settings: Settings, database: Database) -> Iterator[LiveServer]:
    settings = neo4j_settings.model_copy(update={"auth": True, "require_provenance": False})
    with LiveServer.serving(settings) as server:
        yield server


@dataclass(frozen=True)
class Org:
    """Two teams with a model each; tokens with registry-wide reader and a role in team `ours`."""

    ours: str
    theirs: str
    our_model: str
    their_model: str
    secrets: dict[str, str]


@pytest.fixture
async def org(services: bootstrap.Services, database: Database, unique: str) -> Org:
    ours, theirs = f"fraud-{unique}", f"credit-{unique}"
    tokens = TokenService(database)
    secrets = {}
    for who, role in (("writer", Role.READER), ("maintainer", Role.READER), ("reader", Role.READER)):
        name = f"team-{who}-{unique}"
        secrets[who] = (await tokens.create(name=name, role=role)).secret
    for team in (ours, theirs):
        await services.teams.create(name=team, description=None)
    await services.teams.grant(team=ours, actor=f"team-writer-{unique}", role=Role.WRITER)
    await services.teams.grant(team=ours, actor=f"team-maintainer-{unique}", role=Role.MAINTAINER)
    our_model, their_model = f"fraud-model-{unique}", f"credit-model-{unique}"
    await services.models.create_model(name=our_model, description=None, tags=None, team=ours)
    await services.models.create_model(name=their_model, description=None, tags=None, team=theirs)
    return Org(ours, theirs, our_model, their_model, secrets)


def _as(secure: LiveServer, monkeypatch: pytest.MonkeyPatch, secret: str) -> MlflowClient:
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", secret)
    return MlflowClient(tracking_uri=secure.url, registry_uri=secure.url)


def _code(call: Callable[[], object]) -> str:
    with pytest.raises(MlflowException) as refused:
        call()
    return str(refused.value.error_code)


def test_a_team_writer_writes_its_teams_models_and_no_other(
    secure: LiveServer, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = _as(secure, monkeypatch, org.secrets["writer"])
    made = writer.create_model_version(org.our_model, source="s3://bucket/ours")
    assert made.version == "1"
    writer.set_registered_model_tag(org.our_model, "owner", "fraud")
    writer.set_registered_model_alias(org.our_model, "candidate", "1")
    writer.transition_model_version_stage(org.our_model, "1", "Staging")
    # PRODUCTION is a maintainer's call, in the team too.
    assert _code(lambda: writer.transition_model_version_stage(org.our_model, "1", "Production")) == (
        "PERMISSION_DENIED"
    )

    assert _code(lambda: writer.create_model_version(org.their_model, source="s3://bucket/theirs")) == (
        "PERMISSION_DENIED"
    )
    assert _code(lambda: writer.set_registered_model_tag(org.their_model, "owner", "fraud")) == "PERMISSION_DENIED"
    assert _code(lambda: writer.delete_registered_model(org.their_model)) == "PERMISSION_DENIED"
    theirs = writer.get_registered_model(org.their_model)  # reads stay open
    assert theirs.latest_versions == [] and theirs.tags == {}

    ours = writer.get_registered_model(org.our_model)
    assert ours.tags == {"owner": "fraud"} and ours.aliases == {"candidate": "1"}


def test_a_team_maintainer_promotes_in_its_team_only(
    secure: LiveServer, org: Org, monkeypatch: pytest.MonkeyPatch, services: bootstrap.Services
) -> None:
    maintainer = _as(secure, monkeypatch, org.secrets["maintainer"])
    maintainer.create_model_version(org.our_model, source="s3://bucket/ours")
    promoted = maintainer.transition_model_version_stage(org.our_model, "1", "Production")
    assert promoted.current_stage == "Production"
    assert _code(lambda: maintainer.create_model_version(org.their_model, source="s3://x")) == "PERMISSION_DENIED"


async def test_a_new_model_joins_the_team_its_tag_names(
    secure: LiveServer, org: Org, monkeypatch: pytest.MonkeyPatch, services: bootstrap.Services, unique: str
) -> None:
    writer = _as(secure, monkeypatch, org.secrets["writer"])
    name = f"new-fraud-{unique}"
    created = writer.create_registered_model(name, tags={"graph_registry.team": org.ours, "kind": "gbm"})
    assert created.tags == {"kind": "gbm"}
    assert (await services.teams.teams_of_models([name]))[name].name == org.ours
    writer.create_model_version(name, source="s3://bucket/new")

    refused = f"new-credit-{unique}"
    tags = {"graph_registry.team": org.theirs}
    assert _code(lambda: writer.create_registered_model(refused, tags=tags)) == "PERMISSION_DENIED"
    # Without a team, a new model needs the registry-wide writer role.
    assert _code(lambda: writer.create_registered_model(refused)) == "PERMISSION_DENIED"
    assert _code(lambda: writer.get_registered_model(refused)) == "RESOURCE_DOES_NOT_EXIST"


def test_tracking_is_for_writers_in_any_team(
    secure: LiveServer, org: Org, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    writer = _as(secure, monkeypatch, org.secrets["writer"])
    experiment = writer.create_experiment(f"team tracking {unique}")
    run = writer.create_run(experiment)
    writer.log_param(run.info.run_id, "depth", "4")
    writer.log_metric(run.info.run_id, "auc", 0.91, step=1)
    assert writer.get_run(run.info.run_id).data.params == {"depth": "4"}

    reader = _as(secure, monkeypatch, org.secrets["reader"])
    assert _code(lambda: reader.create_run(experiment)) == "PERMISSION_DENIED"
    assert _code(lambda: reader.log_param(run.info.run_id, "lr", "0.1")) == "PERMISSION_DENIED"


def _emit(secure: LiveServer, secret: str, job: str) -> None:
    auth = {"type": "api_key", "apiKey": secret}
    client = OpenLineageClient(config={"transport": {"type": "http", "url": secure.url, "auth": auth}})
    event = RunEvent(
        eventType=RunState.START,
        eventTime=datetime(2026, 12, 1, 8, 0, tzinfo=UTC).isoformat(),
        run=Run(runId=str(uuid.uuid4())),
        job=Job(namespace=job, name="train"),
        producer="https://github.com/acme/graph-registry-tests",
    )
    client.emit(event)


def test_openlineage_events_from_a_team_writer(secure: LiveServer, org: Org, unique: str) -> None:
    _emit(secure, org.secrets["writer"], f"team-jobs-{unique}")
    with pytest.raises(requests.HTTPError) as refused:
        _emit(secure, org.secrets["reader"], f"team-jobs-{unique}")
    assert refused.value.response.status_code == 403
