"""`graph-registry neo4j start|stop|status`: the local Neo4j server of a state folder."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

import typer
from rich.console import Console

from graph_registry import bootstrap
from graph_registry.cli import serving
from graph_registry.settings import Settings
from graph_registry.storage.local_neo4j import LocalNeo4jError
from graph_registry.storage.neo4j_supervisor import Neo4jSupervisor

app = typer.Typer(help="Manage the local Neo4j server (data under GRAPH_REGISTRY_HOME).", no_args_is_help=True)
console = Console(stderr=True, soft_wrap=True)


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
def start(
    foreground: bool = typer.Option(
        False, "--foreground", help="Stay in the foreground, restart it if it dies, stop it on SIGTERM/SIGINT."
    ),
) -> None:
    """Start the local Neo4j and wait until Bolt answers."""
    settings = Settings()
    local = bootstrap.local_neo4j(settings)
    signals = serving.Signals()
    if foreground:
        signals.install()
    supervisor = Neo4jSupervisor(local, start_timeout=settings.embedded_neo4j_start_timeout)
    try:
        status = local.start(timeout=settings.embedded_neo4j_start_timeout, report=console.print)
        console.print(f"Neo4j is running (pid {status.pid}) on {status.uri}")
        if not foreground:
            return
        supervisor.start()
        while True:
            signal.pause()
    except LocalNeo4jError as error:
        console.print(f"[red]error:[/red] {error}")
        if foreground:
            local.stop(timeout=0)
        raise typer.Exit(1) from error
    except (serving.StopRequested, serving.StopForced):
        serving.stop_supervised(supervisor, signals, report=console.print)
    if signals.forced:
        raise typer.Exit(1)


@app.command()
def stop() -> None:
    """Stop the local Neo4j."""
    if not bootstrap.local_neo4j(Settings()).stop(report=console.print):
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
