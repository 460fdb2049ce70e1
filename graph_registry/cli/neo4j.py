"""`graph-registry neo4j start|stop|status`: the local Neo4j server of a state folder."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import typer
from rich.console import Console

from graph_registry import bootstrap
from graph_registry.settings import Settings
from graph_registry.storage.local_neo4j import LocalNeo4jError

app = typer.Typer(help="Manage the local Neo4j server (data under GRAPH_REGISTRY_HOME).", no_args_is_help=True)
console = Console(stderr=True)


@contextlib.contextmanager
def reachable(settings: Settings, *, stop: bool = True, announce: bool = False) -> Iterator[None]:
    """The configured Neo4j for a command: the embedded one is started if needed (bootstrap.embedded_neo4j),
    and a failure to start it ends the command with its reason."""
    try:
        with bootstrap.embedded_neo4j(settings, stop=stop, announce=console.print if announce else None):
            yield
    except LocalNeo4jError as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from error


@app.command()
def start() -> None:
    """Start the local Neo4j and wait until Bolt answers."""
    settings = Settings()
    local = bootstrap.local_neo4j(settings)
    console.print(f"starting Neo4j on {local.uri} (data in {local.home}) ...")
    try:
        status = local.start(timeout=settings.embedded_neo4j_start_timeout)
    except LocalNeo4jError as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from error
    console.print(f"Neo4j is running (pid {status.pid}) on {status.uri}")


@app.command()
def stop() -> None:
    """Stop the local Neo4j."""
    if bootstrap.local_neo4j(Settings()).stop():
        console.print("Neo4j stopped")
    else:
        console.print("Neo4j was not running")


@app.command()
def status() -> None:
    """Say whether the local Neo4j is running."""
    current = bootstrap.local_neo4j(Settings()).status()
    if current.running:
        typer.echo(f"running pid={current.pid} uri={current.uri}")
    else:
        typer.echo(f"stopped uri={current.uri}")
        raise typer.Exit(3)
