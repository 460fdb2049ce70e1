"""`graph-registry import-mlflow --from URL`: an MLflow server's history, copied into the graph.

Reaches Neo4j as the server does (like `import`); reads the MLflow server over its REST API
(`--token` or MLFLOW_TRACKING_TOKEN when it asks for one). Re-running copies only what is new.
"""

from __future__ import annotations

import asyncio
import os
from typing import Annotated

import httpx
import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from graph_registry.bootstrap import open_artifact_store, open_database
from graph_registry.cli import neo4j
from graph_registry.cli.backup import console
from graph_registry.errors import RegistryError
from graph_registry.services.audit import AuditService
from graph_registry.services.lifecycle import LifecycleService
from graph_registry.services.mlflow_artifacts import MlflowArtifactService
from graph_registry.services.mlflow_import import ImportReport, MlflowImport, MlflowSource
from graph_registry.services.mlflow_tracking import MlflowTrackingService
from graph_registry.services.models import ModelService
from graph_registry.settings import Settings
from graph_registry.storage import migrations


async def run_import(
    settings: Settings, url: str, *, token: str | None, experiments: list[str], models: list[str], progress: Progress
) -> ImportReport:
    database = open_database(settings)
    store = open_artifact_store(settings)
    task = progress.add_task("importing", total=None)
    counts = {"created": 0, "skipped": 0}
    report = ImportReport()

    def advance(kind: str, created: bool) -> None:
        counts["created" if created else "skipped"] += 1
        copied = f", {report.artifact_bytes / 1e6:.1f} MB of artifacts" if report.artifact_bytes else ""
        description = f"{kind}s ... {counts['created']} copied, {counts['skipped']} already there{copied}"
        progress.update(task, advance=1, description=description)

    try:
        await migrations.apply(database)
        importer = MlflowImport(
            database,
            tracking=MlflowTrackingService(database),
            models=ModelService(database),
            lifecycle=LifecycleService(database, require_provenance=False),
            audit=AuditService(database),
            origin=url,
            on_progress=advance,
            artifacts=MlflowArtifactService(database, store, max_size=settings.max_artifact_size),
        )
        importer.report = report
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
            return await importer.run(MlflowSource(http), experiments=experiments, models=models)
    finally:
        await database.close()
        store.close()


def import_mlflow(
    source: Annotated[str, typer.Option("--from", help="The MLflow server, e.g. http://mlflow:5000")],
    experiment: Annotated[list[str] | None, typer.Option("--experiment", help="Only these experiments")] = None,
    model: Annotated[list[str] | None, typer.Option("--model", help="Only these registered models")] = None,
    token: Annotated[str | None, typer.Option(help="Bearer token of the MLflow server")] = None,
) -> None:
    """Copy experiments, runs, registered models, versions, stages and aliases from an MLflow server."""
    settings = Settings()
    token = token or os.environ.get("MLFLOW_TRACKING_TOKEN")
    with neo4j.reachable(settings, announce=True):
        progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console)
        try:
            with progress:
                report = asyncio.run(
                    run_import(
                        settings,
                        source,
                        token=token,
                        experiments=experiment or [],
                        models=model or [],
                        progress=progress,
                    )
                )
        except (RegistryError, httpx.HTTPError) as error:
            console.print(f"[red]error:[/red] {getattr(error, 'message', error)}")
            raise typer.Exit(1) from error
    kinds = sorted(set(report.created) | set(report.skipped))
    for kind in kinds:
        console.print(f"{kind}s: {report.created.get(kind, 0)} copied, {report.skipped.get(kind, 0)} already there")
    if report.megabytes_per_second is not None:
        copied = report.artifact_bytes / 1e6
        console.print(
            f"artifact bytes: {copied:.1f} MB copied at {report.megabytes_per_second:.1f} MB/s (sha256 verified)"
        )
    for line in report.unmapped:
        console.print(f"not mapped: {line}")
