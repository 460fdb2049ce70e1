"""The MLflow adapter's use cases, built once at start-up beside the registry's own services."""

from __future__ import annotations

from dataclasses import dataclass

from graph_registry.services.deletion import DeletionService
from graph_registry.services.lifecycle import LifecycleService
from graph_registry.services.mlflow_artifacts import MlflowArtifactService
from graph_registry.services.mlflow_models import MlflowModelService
from graph_registry.services.mlflow_registry import MlflowRegistryService
from graph_registry.services.mlflow_tracking import MlflowTrackingService
from graph_registry.services.models import ModelService
from graph_registry.storage.artifact_store import ArtifactStore
from graph_registry.storage.database import Database


@dataclass(frozen=True, slots=True)
class MlflowServices:
    tracking: MlflowTrackingService
    logged_models: MlflowModelService
    artifacts: MlflowArtifactService
    registry: MlflowRegistryService

    @classmethod
    def build(
        cls,
        database: Database,
        store: ArtifactStore,
        *,
        models: ModelService,
        lifecycle: LifecycleService,
        deletion: DeletionService,
        max_artifact_size: int,
    ) -> MlflowServices:
        logged_models = MlflowModelService(database)
        artifacts = MlflowArtifactService(database, store, max_size=max_artifact_size)
        registry = MlflowRegistryService(
            database,
            models=models,
            lifecycle=lifecycle,
            deletion=deletion,
            logged_models=logged_models,
            artifacts=artifacts,
        )
        return cls(
            tracking=MlflowTrackingService(database),
            logged_models=logged_models,
            artifacts=artifacts,
            registry=registry,
        )
