"""`graph-registry demo`: load the demo lineage graph (idempotent) into the configured Neo4j."""

from __future__ import annotations

import asyncio

import typer
from rich.console import Console

from graph_registry.local_neo4j import LocalNeo4jError
from graph_registry.services import demo as scenario
from graph_registry.services.artifacts import ArtifactService
from graph_registry.services.datasets import DatasetService
from graph_registry.services.lifecycle import LifecycleService
from graph_registry.services.models import ModelService
from graph_registry.services.provenance import ProvenanceService
from graph_registry.services.runs import RunService
from graph_registry.settings import Settings
from graph_registry.storage import migrations

console = Console(stderr=True)


class _Services:
    def __init__(
        self,
        models: ModelService,
        lifecycle: LifecycleService,
        datasets: DatasetService,
        runs: RunService,
        provenance: ProvenanceService,
        artifacts: ArtifactService,
    ) -> None:
        self.models, self.lifecycle, self.datasets = models, lifecycle, datasets
        self.runs, self.provenance, self.artifacts = runs, provenance, artifacts


async def _load(settings: Settings) -> scenario.DemoSummary:
    from graph_registry.api.app import open_artifact_store, open_database

    database = open_database(settings)
    store = open_artifact_store(settings)
    try:
        await migrations.apply(database)
        models = ModelService(database, max_page_size=settings.max_page_size)
        services = _Services(
            models=models,
            lifecycle=LifecycleService(database, require_provenance=settings.require_provenance),
            datasets=DatasetService(database),
            runs=RunService(database),
            provenance=ProvenanceService(database, models),
            artifacts=ArtifactService(database, store, models, url_expiry=settings.artifact_url_expiry),
        )
        return await scenario.load(database, services)
    finally:
        store.close()
        await database.close()


def demo() -> None:
    """Load the demo scenario (fraud-detector and its data); running it again changes nothing."""
    settings = Settings()
    if settings.embedded:
        try:
            settings.local_neo4j().start(timeout=settings.embedded_neo4j_start_timeout, report=console.print)
        except LocalNeo4jError as error:
            console.print(f"[red]error:[/red] {error}")
            raise typer.Exit(1) from error
    summary = asyncio.run(_load(settings))
    console.print(
        f"demo loaded: {summary.production.model} v{summary.production.version} in PRODUCTION, "
        f"v{summary.staging.version} in STAGING, {summary.fine_tuned.model} fine-tuned from it; "
        f"try impact on {summary.raw.dataset} v{summary.raw.version}"
    )
