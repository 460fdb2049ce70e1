"""The stock `mlflow` client (3.x) against a live graph-registry: the MLflow REST adapter's tests.

The client keeps its tracking URI and active run in process-wide state; each test points it at the
server it tests, and no MLflow telemetry leaves the machine.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
os.environ["DO_NOT_TRACK"] = "true"
# Errors are answered at once: the client's retries (minutes of backoff on 5xx) would only hide them.
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "60")

import mlflow
from mlflow import MlflowClient

from tests.live_server import LiveServer


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
