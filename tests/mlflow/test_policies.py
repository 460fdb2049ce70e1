"""Every MLflow endpoint has its entry in the one policy table: none can slip in unguarded."""

from __future__ import annotations

from starlette.routing import Route

from graph_registry.api import mlflow
from graph_registry.api.graphql.extensions.authorization import POLICIES
from graph_registry.services.tokens import Role

WRITES = {"POST", "PATCH", "PUT", "DELETE"}
# Endpoints that take POST for what is a read in MLflow's protocol.
POSTED_READS = {
    "MLflow.SearchExperiments",
    "MLflow.SearchRuns",
    "MLflow.SearchLoggedModels",
    "MLflow.GetLatestVersions",
}


def _served() -> dict[str, Route]:
    found = {}
    for route in mlflow.routes():
        assert isinstance(route, Route)
        key = getattr(route.endpoint, "policy_key", None)
        if key is not None:
            found[key] = route
    return found


def test_every_mlflow_endpoint_has_a_policy() -> None:
    missing = sorted(set(_served()) - POLICIES.keys())
    assert not missing, f"MLflow endpoints without a policy: {missing}; add them to POLICIES in api/authorization.py"


def test_every_mlflow_policy_names_a_served_endpoint() -> None:
    assert not {key for key in POLICIES if key.startswith("MLflow.")} - set(_served())


def test_only_reads_are_open_to_readers() -> None:
    for key, route in _served().items():
        methods = route.methods or set()
        if POLICIES[key] is Role.READER:
            assert key in POSTED_READS or not methods & WRITES, key
        elif key not in POSTED_READS:
            assert methods & WRITES, key


def test_the_unknown_routes_come_last() -> None:
    routes = mlflow.routes()
    assert all(getattr(route.endpoint, "policy_key", None) is None for route in routes[-2:])
