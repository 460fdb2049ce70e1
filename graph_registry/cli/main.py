"""Entry point of the `graph-registry` command."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from graph_registry.cli import neo4j
from graph_registry.local_neo4j import LocalNeo4jError
from graph_registry.settings import Settings

app = typer.Typer(help="graph-registry: a graph-native model registry.", no_args_is_help=True)
app.add_typer(neo4j.app, name="neo4j")
console = Console(stderr=True)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, help="uvicorn worker processes."),
) -> None:
    """Serve the GraphQL API; without NEO4J_URI, on a local Neo4j that it starts and stops itself."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings()
    local = settings.local_neo4j() if settings.embedded else None
    started_here = False
    if local is not None:
        started_here = not local.status().running
        console.print(f"embedded default: local Neo4j on {local.uri}, data in {local.home}")
        try:
            local.start(timeout=settings.embedded_neo4j_start_timeout)
        except LocalNeo4jError as error:
            console.print(f"[red]error:[/red] {error}")
            raise typer.Exit(1) from error
    console.print(f"GraphiQL: http://{host}:{port}/graphql")
    try:
        uvicorn.run(
            "graph_registry.api.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            timeout_keep_alive=5,
            timeout_graceful_shutdown=10,
            h11_max_incomplete_event_size=64 * 1024,
        )
    finally:
        if local is not None and started_here:
            console.print("stopping the local Neo4j ...")
            local.stop()


@app.command("export-schema")
def export_schema(path: Annotated[Path, typer.Argument()] = Path("schema/schema.graphql")) -> None:
    """Write the GraphQL SDL generated from the code (checked for drift by the tests)."""
    from graph_registry.api.schema import sdl

    path.write_text(sdl(), encoding="utf-8")
    console.print(f"wrote {path}")
