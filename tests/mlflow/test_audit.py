"""The MLflow API audits a write as GraphQL audits a mutation: the entry is a statement of the use
case's own transaction, so a change and its entry commit together or not at all."""

from __future__ import annotations

import ast
import inspect
import textwrap
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from mlflow import MlflowClient
from mlflow.entities import Dataset, DatasetInput
from mlflow.exceptions import MlflowException

from graph_registry import bootstrap
from graph_registry.api import mlflow as mlflow_api
from graph_registry.services.audit import AuditRecord, AuditService
from graph_registry.services.tokens import Role, TokenService
from graph_registry.settings import Settings
from graph_registry.storage.database import Database
from tests.live_server import LiveServer

# Always refused (a rename would break the ids keyed by name): it changes nothing to carry an entry for.
NOTHING_TO_WRITE = {"RenameRegisteredModel"}


def _write_endpoints() -> dict[str, object]:
    found = {}
    for route in mlflow_api.routes():
        endpoint = getattr(route, "endpoint", None)
        if getattr(endpoint, "write", False):
            found[endpoint.policy_key.removeprefix("MLflow.")] = endpoint.handler  # type: ignore[union-attr]
    return found


def _passes_the_entry(function: object, seen: frozenset[str] = frozenset()) -> bool:
    """The handler hands `call.audit` to a use case, itself or through a helper of its module."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))  # type: ignore[arg-type]
    module = inspect.getmodule(function)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if any(k.arg == "audit" and ast.unparse(k.value) == "call.audit" for k in node.keywords):
            return True
        if isinstance(node.func, ast.Name) and node.func.id not in seen:
            helper = getattr(module, node.func.id, None)
            if inspect.iscoroutinefunction(helper) and _passes_the_entry(helper, seen | {node.func.id}):
                return True
    return False


@pytest.mark.unit
def test_every_mlflow_write_passes_its_audit_entry_on() -> None:
    writes = _write_endpoints()
    assert len(writes) > 30
    unwired = {name for name, handler in writes.items() if not _passes_the_entry(handler)}
    assert unwired == NOTHING_TO_WRITE


@pytest.fixture(scope="module")
def secure(neo4j_settings: Settings, database: Database) -> Iterator[LiveServer]:
    settings = neo4j_settings.model_copy(update={"auth": True, "require_provenance": False})
    with LiveServer.serving(settings) as server:
        yield server


async def _token(database: Database, role: Role) -> tuple[str, str]:
    name = f"audit-{role.value}-{uuid.uuid4().hex[:10]}"
    return name, (await TokenService(database).create(name=name, role=role)).secret


async def _entries(database: Database, actor: str) -> list[AuditRecord]:
    page = await AuditService(database).list_entries(model=None, version=None, actor=actor, first=50, after=None)
    return list(page.items)


async def test_a_write_has_one_entry_naming_the_version_it_made(
    secure: LiveServer, database: Database, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    actor, secret = await _token(database, Role.WRITER)
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", secret)
    client = MlflowClient(tracking_uri=secure.url, registry_uri=secure.url)
    name = f"audited-{unique}"
    client.create_registered_model(name)
    client.create_model_version(name, source="s3://bucket/model")

    entries = await _entries(database, actor)
    made = [e for e in entries if e.operation == "mlflow.CreateModelVersion"]
    assert [(e.outcome, e.model, e.version) for e in made] == [("OK", name, 1)]
    assert [(e.operation, e.outcome) for e in entries if e.operation != "mlflow.CreateModelVersion"] == [
        ("mlflow.CreateRegisteredModel", "OK")
    ]


async def test_a_write_whose_transaction_fails_leaves_no_change_and_its_refusal(
    secure: LiveServer,
    database: Database,
    services: bootstrap.Services,
    monkeypatch: pytest.MonkeyPatch,
    unique: str,
) -> None:
    """log-inputs of two datasets, the second a deleted version (logging it would restore it): the
    first dataset was written in the transaction before the refusal, and is rolled back with the entry's
    PENDING statement; the entry is then written alone with the refusal."""
    actor, secret = await _token(database, Role.WRITER)
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", secret)
    client = MlflowClient(tracking_uri=secure.url, registry_uri=secure.url)
    experiment = client.create_experiment(f"audit {unique}")
    deleted = Dataset(name=f"gone-{unique}", digest=f"d{unique}", source_type="http", source="https://x/gone")
    first = client.create_run(experiment)
    client.log_inputs(first.info.run_id, [DatasetInput(deleted)])
    assert await services.datasets.delete_version(dataset=deleted.name, version=1)

    run = client.create_run(experiment)
    fresh = Dataset(name=f"fresh-{unique}", digest=f"f{unique}", source_type="http", source="https://x/fresh")
    with pytest.raises(MlflowException) as refused:
        client.log_inputs(run.info.run_id, [DatasetInput(fresh), DatasetInput(deleted)])
    assert refused.value.error_code == "PERMISSION_DENIED"

    assert await services.datasets.get_dataset(fresh.name) is None
    assert client.get_run(run.info.run_id).inputs.dataset_inputs == []
    logged = [
        (e.outcome, e.message is not None) for e in await _entries(database, actor) if e.operation == "mlflow.LogInputs"
    ]
    assert sorted(logged) == [("FORBIDDEN", True), ("OK", False)]


async def test_a_refused_write_leaves_its_refusal(
    secure: LiveServer, database: Database, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    actor, secret = await _token(database, Role.READER)
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", secret)
    client = MlflowClient(tracking_uri=secure.url, registry_uri=secure.url)
    with pytest.raises(MlflowException) as refused:
        client.create_registered_model(f"refused-{unique}")
    assert refused.value.error_code == "PERMISSION_DENIED"
    assert [(e.operation, e.outcome) for e in await _entries(database, actor)] == [
        ("mlflow.CreateRegisteredModel", "FORBIDDEN")
    ]


async def test_metrics_logged_at_once_each_have_their_entry(
    secure: LiveServer, database: Database, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    """Metric calls that share a transaction (8 clients at once) each commit with their own OK entry; a
    call on a missing run in the same stream writes its refusal alone."""
    actor, secret = await _token(database, Role.WRITER)
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", secret)
    client = MlflowClient(tracking_uri=secure.url, registry_uri=secure.url)
    run_id = client.create_run(client.create_experiment(f"audit metrics {unique}")).info.run_id

    def log(index: int) -> None:
        own = MlflowClient(tracking_uri=secure.url)
        for step in range(5):
            own.log_metric(run_id, "m", float(step), step=index * 10 + step)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(log, range(8)))
    with pytest.raises(MlflowException) as missing:
        client.log_metric("0" * 32, "m", 1.0)
    assert missing.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    outcomes = [e.outcome for e in await _entries(database, actor) if e.operation == "mlflow.LogMetric"]
    assert sorted(outcomes) == ["NOT_FOUND"] + ["OK"] * 40
    assert len(client.get_metric_history(run_id, "m")) == 40
