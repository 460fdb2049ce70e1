"""`graph-registry watch [MODEL]`: registry events as they happen, one line each."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import orjson
import typer

from graph_registry.cli import output
from graph_registry.cli.client_options import Json, Token, Url, connected, stderr


def watch(
    model: Annotated[str | None, typer.Argument(help="Only this model's events (default: every model).")] = None,
    since: Annotated[
        datetime | None, typer.Option(help="Replay events from this moment first (ISO 8601, UTC if no zone).")
    ] = None,
    count: Annotated[int | None, typer.Option(min=1, help="Stop after this many events.")] = None,
    timeout: Annotated[float | None, typer.Option(min=0, help="Stop after this many seconds.")] = None,
    url: Url = None,
    token: Token = None,
    json: Json = False,
) -> None:
    """Print VERSION_CREATED, STAGE_CHANGED, ALIAS_SET, ALIAS_DELETED, VERSION_DELETED until Ctrl-C (or --count, --timeout)."""
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    with connected(url, token) as registry:
        if not json:
            until = " (Ctrl-C to stop)" if count is None and timeout is None else ""
            stderr.print(f"watching {model or 'every model'} at {registry.url}{until}")
        try:
            for event in registry.events(model, since=since, stop_after=count, timeout=timeout):
                if json:
                    print(orjson.dumps(output.plain(event)).decode(), flush=True)
                else:
                    output.stdout.print(output.event_line(event))
        except KeyboardInterrupt:
            return
