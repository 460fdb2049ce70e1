"""`graph-registry export FILE` and `graph-registry import FILE`: the whole graph as JSON Lines.

Both reach Neo4j as the server does: NEO4J_URI when set, else the embedded local server of
GRAPH_REGISTRY_HOME (started for the command, and stopped again if it was not running).
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from graph_registry.bootstrap import open_database
from graph_registry.cli import neo4j
from graph_registry.errors import RegistryError
from graph_registry.services.backup import BackupService, inspect_backup
from graph_registry.settings import Settings

console = Console(stderr=True)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )


async def _export(settings: Settings, path: Path) -> dict[str, int]:
    database = open_database(settings)
    try:
        service = BackupService(database)
        nodes, relationships = await service.size()
        with _progress() as progress:
            task = progress.add_task("exporting", total=nodes + relationships)
            if str(path) == "-":
                return await service.export(sys.stdout.buffer, lambda n: progress.advance(task, n))
            # Written aside and renamed when complete: a failed export never looks like a backup.
            partial = path.with_name(path.name + ".partial")
            with partial.open("wb") as sink:
                counts = await service.export(sink, lambda n: progress.advance(task, n))
                sink.flush()
                os.fsync(sink.fileno())
            partial.replace(path)
            return counts
    finally:
        await database.close()


async def _import(settings: Settings, path: Path) -> None:
    database = open_database(settings)
    try:
        console.print(f"checking {path} ...")
        backup = await asyncio.to_thread(inspect_backup, path)
        service = BackupService(database)
        done = await service.prepare_restore(backup)
        if done:
            console.print(f"resuming an interrupted import of this file after {done} records")
        with _progress() as progress:
            task = progress.add_task("importing", total=backup.records, completed=done)
            await service.restore(backup, lambda n: progress.advance(task, n), done=done)
        console.print(
            f"imported {backup.nodes.total()} nodes and {backup.relationships.total()} relationships from {path}"
        )
    finally:
        await database.close()


def export_graph(
    path: Annotated[Path, typer.Argument(help="Backup file to write (JSON Lines); - for standard output.")],
) -> None:
    """Write every node and relationship of the graph to a JSON Lines backup file."""
    settings = Settings()
    with neo4j.reachable(settings, announce=True):
        try:
            counts = asyncio.run(_export(settings, path))
        except RegistryError as error:
            console.print(f"[red]error:[/red] {error.message}")
            raise typer.Exit(1) from error
    console.print(f"exported {counts['nodes']} nodes and {counts['relationships']} relationships to {path}")


def import_graph(
    path: Annotated[Path, typer.Argument(help="Backup file written by `graph-registry export`.", exists=True)],
) -> None:
    """Restore a backup into an EMPTY database; run it again after an interruption to resume."""
    settings = Settings()
    with neo4j.reachable(settings, announce=True):
        try:
            asyncio.run(_import(settings, path))
        except RegistryError as error:
            console.print(f"[red]error:[/red] {error.message}")
            raise typer.Exit(1) from error
