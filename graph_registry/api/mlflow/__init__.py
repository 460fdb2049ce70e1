"""The MLflow REST API (2.0) at the registry's base URL: the stock `mlflow` client works unchanged.

One module per family of endpoints, each translating MLflow's requests into the registry's
services (protocol.py: authentication, the policy table, the audit, MLflow's error shape).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from graph_registry.api.mlflow import artifacts, experiments, logged_models, model_versions, registered_models, runs
from graph_registry.api.mlflow.protocol import error_response


async def _unknown(request: Request) -> Response:
    return error_response("ENDPOINT_NOT_FOUND", f"graph-registry does not serve {request.method} {request.url.path}")


FAMILIES = (experiments, runs, logged_models, artifacts, registered_models, model_versions)
METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]


def routes() -> list[BaseRoute]:
    found: list[BaseRoute] = [route for family in FAMILIES for route in family.routes]
    found.append(Route("/api/2.0/mlflow/{rest:path}", _unknown, methods=METHODS))
    found.append(Route("/api/2.0/mlflow-artifacts/{rest:path}", _unknown, methods=METHODS))
    return found
