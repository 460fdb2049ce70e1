"""`graph-registry token create|list|revoke`: API tokens, written straight to Neo4j like the server does.

No server and no token are needed: whoever can reach the database (its
credentials, or the local state folder of the embedded default) can mint the
first admin token. The secret goes to stdout, once, so it can be captured;
everything else goes to stderr.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from graph_registry import bootstrap
from graph_registry.cli import neo4j
from graph_registry.errors import RegistryError
from graph_registry.services.tokens import Role, TokenRecord, TokenService
from graph_registry.settings import Settings

app = typer.Typer(help="Manage API tokens (stored hashed in Neo4j; secrets are shown once).", no_args_is_help=True)
console = Console(stderr=True)
T = TypeVar("T")

_DURATION = re.compile(r"(?P<amount>\d{1,6})(?P<unit>[mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """`90m`, `12h`, `30d`, `2w`."""
    match = _DURATION.fullmatch(text.strip())
    if not match:
        raise typer.BadParameter("use a number and a unit m, h, d or w, e.g. 30d")
    return timedelta(**{_UNITS[match["unit"]]: int(match["amount"])})


def _run(settings: Settings, work: Callable[[TokenService], Awaitable[T]]) -> T:
    """Runs `work` against the registry's Neo4j, starting (and then stopping) the local one if needed."""

    async def main() -> T:
        async with bootstrap.opened(settings) as registry:
            return await work(registry.services.tokens)

    with neo4j.reachable(settings):
        try:
            return asyncio.run(main())
        except RegistryError as error:
            console.print(f"[red]error:[/red] {error.message}")
            raise typer.Exit(1) from error


def _state(token: TokenRecord) -> str:
    if token.revoked_at is not None:
        return "revoked"
    return "active" if token.active(datetime.now(UTC)) else "expired"


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.isoformat(timespec="seconds")


@app.command()
def create(
    name: Annotated[str, typer.Option(help="Unique and never reused: the actor recorded in histories.")],
    role: Annotated[Role, typer.Option(help="reader, writer, maintainer or admin.")],
    expires_in: Annotated[
        str | None, typer.Option(help="Lifetime such as 90m, 12h, 30d or 2w; none: no expiry.")
    ] = None,
) -> None:
    """Mint a token and print its secret, which is not stored and cannot be shown again."""
    expires_at = datetime.now(UTC) + parse_duration(expires_in) if expires_in else None
    created = _run(Settings(), lambda tokens: tokens.create(name=name, role=role, expires_at=expires_at))
    console.print(
        f"token {created.record.name!r} ({created.record.role.value}), expires {_when(created.record.expires_at)}. "
        "The secret follows on stdout, once: store it now."
    )
    typer.echo(created.secret)


@app.command("list")
def list_tokens() -> None:
    """List every token (never a secret): role, state, and when it was created, expires and was revoked."""
    tokens = _run(Settings(), lambda service: service.list_tokens())
    width = max([len("name"), *(len(token.name) for token in tokens)])
    typer.echo(f"{'name':<{width}}  role        state    created                    expires                    revoked")
    for token in tokens:
        typer.echo(
            f"{token.name:<{width}}  {token.role.value:<10}  {_state(token):<7}  {_when(token.created_at):<25}  "
            f"{_when(token.expires_at):<25}  {_when(token.revoked_at)}"
        )


@app.command()
def revoke(name: Annotated[str, typer.Argument(help="The token's name.")]) -> None:
    """Revoke a token at once; it stays listed and its name is never reused."""
    token = _run(Settings(), lambda tokens: tokens.revoke(name))
    console.print(f"token {token.name!r} revoked at {_when(token.revoked_at)}")
