"""Entry point of the `graph-registry` command."""

from __future__ import annotations

import ipaddress
import logging
import logging.config
import math
import os
import shutil
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from graph_registry import bootstrap, logs
from graph_registry.api.graphql.schema import sdl
from graph_registry.api.http.serving import uvicorn_options
from graph_registry.cli import (
    artifacts,
    backup,
    demo,
    import_mlflow,
    lineage,
    models,
    neo4j,
    readiness,
    serving,
    supply,
    teams,
    tokens,
    watch,
)
from graph_registry.settings import Settings
from graph_registry.storage.local_neo4j import LocalNeo4jError
from graph_registry.storage.neo4j_supervisor import Neo4jSupervisor

app = typer.Typer(help="graph-registry: a graph-native model registry.", no_args_is_help=True)
app.add_typer(neo4j.app, name="neo4j")
app.add_typer(tokens.app, name="token")
app.add_typer(teams.app, name="team")
app.command("demo")(demo.demo)
app.command("export")(backup.export_graph)
app.command("import")(backup.import_graph)
app.command("import-mlflow")(import_mlflow.import_mlflow)
# Talking to a running registry through graph_registry.client:
app.add_typer(models.models_app, name="models")
models.models_app.command("create")(teams.create_model)
app.add_typer(models.versions_app, name="versions")
app.add_typer(models.alias_app, name="alias")
app.add_typer(artifacts.app, name="artifact")
app.command("show")(models.show)
app.command("promote")(models.promote)
app.command("lineage")(lineage.lineage)
app.command("impact")(lineage.impact)
app.command("diff")(lineage.diff)
app.command("watch")(watch.watch)
app.add_typer(supply.advisories_app, name="advisories")
app.command("vulns")(supply.vulns)
app.command("card")(supply.card)
app.command("sbom")(supply.sbom)
app.command("search")(supply.search)
console = Console(stderr=True, soft_wrap=True)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, help="uvicorn worker processes."),
) -> None:
    """Serve the GraphQL API; without NEO4J_URI, on a local Neo4j that it starts, supervises and stops.

    SIGTERM or SIGINT stops it gracefully (a second one forces it); see cli/serving.py.
    """
    settings = Settings()
    log_config = logs.config(settings.log_format)
    logging.config.dictConfig(log_config)
    if settings.auth is None:
        # The embedded default on loopback is a local sandbox; anything else needs tokens. The
        # decision travels to uvicorn's worker processes through their environment.
        auth_on = not (settings.embedded and is_loopback(host))
        os.environ["GRAPH_REGISTRY_AUTH"] = "on" if auth_on else "off"
        settings = settings.model_copy(update={"auth": auth_on})
    _check_auth(settings, host, port)
    signals = serving.Signals()
    signals.install()
    local = bootstrap.local_neo4j(settings) if settings.embedded else None
    supervisor: Neo4jSupervisor | None = None
    started = True
    try:
        if local is not None and not local.status().running:
            console.print(f"embedded default: local Neo4j on {local.uri}, data in {local.home}")
            supervisor = Neo4jSupervisor(local, start_timeout=settings.embedded_neo4j_start_timeout)
            local.start(timeout=settings.embedded_neo4j_start_timeout, report=console.print)
            supervisor.start()
        elif local is not None:
            console.print(f"embedded default: the local Neo4j already running on {local.uri} (not managed)")
        console.print(f"GraphiQL: http://{host}:{port}/graphql")
        readiness.announce(host, port, report=console.print)
        config = uvicorn.Config(
            "graph_registry.api.app:serving_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=log_config,
            # A worker that does not answer uvicorn's health check in time is killed and replaced;
            # its 5 s default killed every worker of a busy machine before it had imported the app.
            timeout_worker_healthcheck=30,
            timeout_graceful_shutdown=max(1, math.ceil(settings.shutdown_timeout)),
            # httptools with a header deadline and size bound; slow bodies are bounded by HttpGuard (408).
            **uvicorn_options(settings),
        )
        if workers > 1:
            _share_metrics(settings)
        started = serving.run(config, signals)
    except LocalNeo4jError as error:
        console.print(f"[red]error:[/red] {error}")
        started = False
    except (serving.StopRequested, serving.StopForced):
        pass
    finally:
        if supervisor is not None:
            serving.stop_supervised(supervisor, signals, report=console.print)
    if signals.forced:
        raise typer.Exit(1)
    if not started:
        raise typer.Exit(1 if signals.received == 0 else 0)


def _share_metrics(settings: Settings) -> None:
    """Workers write their metrics into one fresh folder, which /metrics adds up (prometheus-client's
    multiprocess mode); the folder is emptied first, so a former run's samples never count."""
    folder = settings.home / "metrics"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_auth(settings: Settings, host: str, port: int) -> None:
    """Auth is on unless switched off, and off is only allowed where no other machine can connect."""
    if settings.auth_enabled:
        console.print(
            "authentication: on (clients send 'Authorization: Bearer <token>'; "
            "mint one with: graph-registry token create --name NAME --role admin)"
        )
        return
    if not is_loopback(host):
        console.print(
            f"[red]refusing to start:[/red] authentication is off (GRAPH_REGISTRY_AUTH=off) and {host} is not a "
            "loopback address, so anyone on the network could change the registry. Unset GRAPH_REGISTRY_AUTH "
            "and mint a token (graph-registry token create --name NAME --role admin), or listen on 127.0.0.1."
        )
        raise typer.Exit(2)
    console.print(
        f"[yellow]authentication is OFF[/yellow]: every process on this machine that can reach {host}:{port} "
        "may read and change the registry (allowed on loopback only)"
    )


@app.command("export-schema")
def export_schema(path: Annotated[Path, typer.Argument()] = Path("schema/schema.graphql")) -> None:
    """Write the GraphQL SDL generated from the code (checked for drift by the tests)."""
    path.write_text(sdl(), encoding="utf-8")
    console.print(f"wrote {path}")
