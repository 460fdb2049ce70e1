"""`graph-registry artifact upload|download`: model bytes, streamed with progress bars and verified."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from graph_registry.cli import output
from graph_registry.cli.client_options import Json, Token, Url, connected, stderr
from graph_registry.cli.models import VersionRef
from graph_registry.client.refs import parse_version_ref

app = typer.Typer(help="Model artifacts: upload (and verify), download (and verify).", no_args_is_help=True)


@app.command("upload")
def upload(
    target: Annotated[
        str, typer.Argument(help="MODEL to register a new version, or MODEL:VERSION to send a declared artifact.")
    ],
    path: Annotated[Path, typer.Argument(exists=True, help="A file, or a folder (sent as a deterministic tar).")],
    run_id: Annotated[str | None, typer.Option(help="The run that produced it (new versions).")] = None,
    requirements: Annotated[
        str | None, typer.Option(help="A requirements file with pinned lines, or 'auto' for this environment.")
    ] = None,
    description: Annotated[str | None, typer.Option(help="The new version's description.")] = None,
    url: Url = None,
    token: Token = None,
    json: Json = False,
) -> None:
    """Upload model bytes; the registry marks them READY only after checking their sha256."""
    try:
        selector = parse_version_ref(target)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    with connected(url, token, progress=not json) as registry:
        if selector.version is not None:
            version = registry.upload_artifact(selector, path)
        else:
            version = registry.register_model(
                selector.model,
                artifact=path,
                run=run_id,
                requirements=requirements,
                description=description,
            )
    if json:
        output.print_json(version)
    else:
        artifact = version.artifact
        status = f"{artifact.status} sha256:{artifact.sha256[:12]} ({artifact.size_bytes} bytes)" if artifact else ""
        output.stdout.print(f"{version.key}: artifact {status}")


@app.command("download")
def download(
    ref: VersionRef,
    to: Annotated[Path, typer.Option("--to", help="File or folder to write (folders: the original name).")] = Path("."),
    url: Url = None,
    token: Token = None,
    json: Json = False,
) -> None:
    """Download a version's artifact and check its sha256 before it appears at the destination."""
    with connected(url, token, progress=not json) as registry:
        written = registry.download(ref, to=to)
    if json:
        output.print_json({"path": str(written)})
    else:
        stderr.print(f"verified and written to {written}")
        print(written)
