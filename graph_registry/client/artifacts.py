"""Artifact bytes on the client side, on top of graph_registry.client.transfer (streamed, hashed, verified).

A folder travels as a deterministic tar; the version remembers that in its
tags (`artifact.format=tar`, `artifact.filename`), so `download` unpacks it
back into a folder and puts a single file under its original name.
"""

from __future__ import annotations

import contextlib
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from graph_registry.client import transfer
from graph_registry.client.errors import ArtifactError, RegistryClientError, TransportError, from_graphql
from graph_registry.client.types import ModelVersion

FORMAT_TAG = "artifact.format"
FILENAME_TAG = "artifact.filename"
TAR = "tar"
GraphQL = Callable[[str, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class PreparedArtifact:
    """A file ready to upload, with what createModelVersion declares and the tags to remember."""

    path: Path
    sha256: str
    size: int
    tags: dict[str, str]


@contextlib.contextmanager
def prepared(source: str | Path, *, progress: bool) -> Iterator[PreparedArtifact]:
    """The file to send for `source` (a folder is packed to a temporary tar), hashed."""
    source = Path(source)
    if not source.exists():
        raise FileNotFoundError(f"{source}: no such artifact file or folder")
    with tempfile.TemporaryDirectory(prefix="graph-registry-") as scratch:
        tags = {FILENAME_TAG: source.resolve().name}
        path = source
        if source.is_dir():
            path = transfer.pack_folder(source, Path(scratch) / f"{source.resolve().name}.tar")
            tags[FORMAT_TAG] = TAR
        sha256, size = transfer.file_digest(path, progress=progress)
        yield PreparedArtifact(path=path, sha256=sha256, size=size, tags=tags)


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """Transfer failures as client errors: registry codes stay typed, bad bytes are ArtifactError."""
    try:
        yield
    except transfer.RemoteError as error:
        raise from_graphql({"message": str(error).partition(": ")[2], "extensions": {"code": error.code}}) from error
    except transfer.TransferError as error:
        raise ArtifactError(str(error)) from error
    except httpx.HTTPError as error:
        raise TransportError(f"artifact transfer failed: {error}") from error


def remote_call(execute: GraphQL) -> GraphQL:
    """The transfer module's GraphQL callable: client errors become its RemoteError, so it can retry."""

    def call(query: str, variables: dict[str, Any]) -> dict[str, Any]:
        try:
            return execute(query, variables)
        except RegistryClientError as error:
            raise transfer.RemoteError(error.code, error.message) from error

    return call


def upload(execute: GraphQL, version: ModelVersion, path: Path, *, progress: bool) -> None:
    with translated():
        transfer.publish(
            remote_call(execute), model=version.model, version=version.version, path=path, progress=progress
        )


def download(version: ModelVersion, url: str, to: Path, *, progress: bool) -> Path:
    """Fetch and verify a version's bytes into `to` (a folder for tar artifacts); the path written."""
    artifact = version.artifact
    assert artifact is not None
    name = version.tags.get(FILENAME_TAG) or f"{version.model}-v{version.version}"
    with translated():
        if version.tags.get(FORMAT_TAG) != TAR:
            target = to / name if to.is_dir() else to
            return transfer.download(url, target, sha256=artifact.sha256, size=artifact.size_bytes, progress=progress)
        folder = to / name if to.is_dir() and any(to.iterdir()) else to
        with tempfile.TemporaryDirectory(prefix="graph-registry-") as scratch:
            packed = transfer.download(
                url, Path(scratch) / "artifact.tar", sha256=artifact.sha256, size=artifact.size_bytes, progress=progress
            )
            folder.mkdir(parents=True, exist_ok=True)
            with tarfile.open(packed) as tar:
                tar.extractall(folder, filter=_dated(time.time()))  # noqa: S202 - the data filter refuses unsafe members
        return folder


def _dated(now: float) -> Callable[[tarfile.TarInfo, str], tarfile.TarInfo | None]:
    """tarfile's `data` filter, with the time of extraction for entries the archive left undated.

    Folders are packed with mtime 0 so that the same files always hash the same; the files
    written out should not claim to be from 1970.
    """

    def extract(member: tarfile.TarInfo, destination: str) -> tarfile.TarInfo | None:
        safe = tarfile.data_filter(member, destination)
        return safe.replace(mtime=now, deep=False) if safe is not None and not safe.mtime else safe

    return extract
