"""Entry point of the `graph-registry` command."""

from __future__ import annotations

import ipaddress
import logging
import os
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from graph_registry.cli import artifacts, backup, demo, lineage, models, neo4j, supply, tokens, watch
from graph_registry.local_neo4j import LocalNeo4jError
from graph_registry.settings import Settings

app = typer.Typer(help="graph-registry: a graph-native model registry.", no_args_is_help=True)
app.add_typer(neo4j.app, name="neo4j")
app.add_typer(tokens.app, name="token")
app.command("demo")(demo.demo)
app.command("export")(backup.export_graph)
app.command("import")(backup.import_graph)
# Talking to a running registry through graph_registry.client:
app.add_typer(models.models_app, name="models")
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
    if settings.auth is None:
        # The embedded default on loopback is a local sandbox; anything else needs tokens. The
        # decision travels to uvicorn's worker processes through their environment.
        auth_on = not (settings.embedded and is_loopback(host))
        os.environ["GRAPH_REGISTRY_AUTH"] = "on" if auth_on else "off"
        settings = settings.model_copy(update={"auth": auth_on})
    _check_auth(settings, host, port)
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
            # h11, not httptools: only h11 enforces the header size limit below (httptools reads
            # headers without bound). Slow bodies are bounded by HttpGuard (408).
            http="h11",
            h11_max_incomplete_event_size=64 * 1024,
            ws_max_size=settings.max_body_bytes,
        )
    finally:
        if local is not None and started_here:
            console.print("stopping the local Neo4j ...")
            local.stop()


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
    from graph_registry.api.schema import sdl

    path.write_text(sdl(), encoding="utf-8")
    console.print(f"wrote {path}")
