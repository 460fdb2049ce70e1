"""The stock `mlflow` client (3.x) against a live graph-registry: the MLflow REST adapter's tests.

The client keeps its tracking URI and active run in process-wide state; each test points it at the
server it tests, and no MLflow telemetry leaves the machine. `source` is a real `mlflow server`
(SQLite backend, on loopback) for the tests that compare with MLflow or import from it: it needs the
full `mlflow` package, whose graphene pins an older graphql-core than Strawberry's, so it lives in
its own virtualenv (`.ci/run` makes `.venv-mlflow-server`). Without it those tests are skipped, unless
GRAPH_REGISTRY_REQUIRE_MLFLOW_SERVER=1 (as in CI) makes that a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
os.environ["DO_NOT_TRACK"] = "true"
# Errors are answered at once: the client's retries (minutes of backoff on 5xx) would only hide them.
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "60")

import mlflow
from mlflow import MlflowClient

from bench.processes import stop_group
from tests.live_server import LiveServer, free_port
from tests.support import mlflow_server

ROOT = Path(__file__).resolve().parents[2]
SERVER = Path(os.environ.get("GRAPH_REGISTRY_TEST_MLFLOW_SERVER", ROOT / ".venv-mlflow-server" / "bin" / "mlflow"))


@pytest.fixture
def tracking(api: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[MlflowClient]:
    """The client pointed at the suite's server (auth off), as MLFLOW_TRACKING_URI would."""
    # mlflow.set_tracking_uri/set_registry_uri also write MLFLOW_TRACKING_URI/MLFLOW_REGISTRY_URI into
    # os.environ (for subprocesses): set through monkeypatch first, they are restored after the test,
    # so no later test's subprocess (the README's scripts) inherits this server as its registry.
    monkeypatch.setenv("MLFLOW_TRACKING_URI", api.url)
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", api.url)
    monkeypatch.delenv("MLFLOW_TRACKING_TOKEN", raising=False)
    mlflow.set_tracking_uri(api.url)
    mlflow.set_registry_uri(api.url)
    yield MlflowClient(tracking_uri=api.url, registry_uri=api.url)
    while mlflow.active_run() is not None:
        mlflow.end_run()
    mlflow.set_tracking_uri(None)
    mlflow.set_registry_uri(None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The mlflow package's own deprecation and future warnings (pandas, pydantic, setuptools) are
    # not the registry's: the suite turns warnings into errors, except those raised from mlflow code.
    for item in items:
        if "tests/mlflow/" in str(item.fspath):
            item.add_marker(pytest.mark.filterwarnings("ignore:::mlflow"))
            # Stages are deprecated in MLflow (still served here: users' code calls them).
            item.add_marker(pytest.mark.filterwarnings("ignore:``mlflow.*is deprecated:FutureWarning"))


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not SERVER.is_file():
        message = f"no MLflow server at {SERVER} (python3 -m venv .venv-mlflow-server && .venv-mlflow-server/bin/pip install mlflow)"
        if os.environ.get("GRAPH_REGISTRY_REQUIRE_MLFLOW_SERVER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    process, url = mlflow_server.start(SERVER, tmp_path_factory.mktemp("mlflow-server"), free_port())
    try:
        yield url
    finally:
        stop_group(process)
