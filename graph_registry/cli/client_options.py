"""What every command that talks to a registry shares: --url, --token, --json, and exit codes.

A failed command prints `error: CODE: message` on stderr and exits with the
code's own status, so scripts can tell failures apart:

    1 other failure (e.g. ARTIFACT: downloaded bytes did not verify)
    2 usage error (bad arguments, malformed MODEL:VERSION)
    3 NOT_FOUND            4 CONFLICT             5 INVALID_INPUT
    6 PRECONDITION_FAILED  7 UNAVAILABLE or TRANSPORT (retry later)
    8 UNAUTHENTICATED      9 FORBIDDEN
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from graph_registry.client import Registry, RegistryClientError

EXIT_CODES = {
    "NOT_FOUND": 3,
    "CONFLICT": 4,
    "INVALID_INPUT": 5,
    "PRECONDITION_FAILED": 6,
    "UNAVAILABLE": 7,
    "TRANSPORT": 7,
    "UNAUTHENTICATED": 8,
    "FORBIDDEN": 9,
}

Url = Annotated[
    str | None,
    typer.Option(
        "--url",
        envvar="GRAPH_REGISTRY_URL",
        help="The registry's URL [default: http://127.0.0.1:8000].",
        show_default=False,
    ),
]
Token = Annotated[
    str | None,
    typer.Option("--token", envvar="GRAPH_REGISTRY_TOKEN", help="API token (Bearer).", show_default=False),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of tables.")]

stderr = Console(stderr=True)


@contextlib.contextmanager
def connected(url: str | None, token: str | None, *, progress: bool = False) -> Iterator[Registry]:
    """A client for the command; registry errors end the command with their exit code."""
    try:
        with Registry(url, token, progress=progress) as registry:
            yield registry
    except RegistryClientError as error:
        stderr.print(f"[red]error:[/red] {escape(str(error))}", highlight=False)
        raise typer.Exit(EXIT_CODES.get(error.code, 1)) from error
    except (ValueError, FileNotFoundError) as error:
        stderr.print(f"[red]error:[/red] {escape(str(error))}", highlight=False)
        raise typer.Exit(2) from error
