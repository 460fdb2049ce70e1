"""The Python client of graph-registry: record provenance from training code, ask it from anywhere.

from graph_registry.client import Registry

registry = Registry()   # GRAPH_REGISTRY_URL (default http://127.0.0.1:8000), GRAPH_REGISTRY_TOKEN
train = registry.log_dataset("transactions", "data/train.csv")
with registry.start_run("fraud-training", params={"lr": 0.1}) as run:
    run.log_input(train)
    run.log_metric("auc", 0.93)
    version = registry.register_model("fraud", artifact="model.pkl", run=run)
registry.promote(version, "production")
"""

from graph_registry.client.async_registry import AsyncRegistry
from graph_registry.client.errors import (
    ArtifactError,
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    PreconditionFailedError,
    RegistryClientError,
    TransportError,
    UnauthenticatedError,
    UnavailableError,
)
from graph_registry.client.registry import NoGitWarning, Registry
from graph_registry.client.runs import ActiveRun
from graph_registry.client.types import (
    Artifact,
    Commit,
    Dataset,
    DatasetVersion,
    ImpactHit,
    LineageGraph,
    Metric,
    Model,
    ModelEvent,
    ModelVersion,
    ProvenanceDiff,
    Run,
    RunStatus,
    Stage,
    VersionKey,
)

__all__ = [
    "ActiveRun",
    "Artifact",
    "ArtifactError",
    "AsyncRegistry",
    "Commit",
    "ConflictError",
    "Dataset",
    "DatasetVersion",
    "ForbiddenError",
    "ImpactHit",
    "InvalidInputError",
    "LineageGraph",
    "Metric",
    "Model",
    "ModelEvent",
    "ModelVersion",
    "NoGitWarning",
    "NotFoundError",
    "PreconditionFailedError",
    "ProvenanceDiff",
    "Registry",
    "RegistryClientError",
    "Run",
    "RunStatus",
    "Stage",
    "TransportError",
    "UnauthenticatedError",
    "UnavailableError",
    "VersionKey",
]
