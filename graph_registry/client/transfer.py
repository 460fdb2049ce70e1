"""Client-side artifact transfers: pack, hash, upload and download model bytes.

Used by the Python client and the CLI; talks plain HTTP (httpx) to the URLs the
registry hands out, whichever store is behind them. Files stream in chunks,
never whole into memory. A folder travels as a deterministic tar, so the same
folder always has the same sha256.

    path = pack_folder(Path("model/"), Path("model.tar"))   # folders only
    sha256, size = file_digest(path)                        # declare these on createModelVersion
    publish(graphql, model="fraud", version=3, path=path)   # upload + verify -> READY
    download(url, Path("out.bin"), sha256=sha256, size=size)
"""

from __future__ import annotations

import hashlib
import os
import tarfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

CHUNK = 1024 * 1024
RETRIES = 4
# An executed GraphQL operation: (query, variables) -> data, raising on errors.
GraphQLCall = Callable[[str, dict[str, Any]], dict[str, Any]]

CREATE_UPLOAD = """
mutation($model: String!, $version: Int!) {
  createArtifactUpload(model: $model, version: $version) {
    url method headers { key value } expiresAt parts { partNumber url offset sizeBytes uploaded }
  }
}
"""
COMPLETE_UPLOAD = """
mutation($model: String!, $version: Int!) {
  completeArtifactUpload(model: $model, version: $version) { uri sha256 sizeBytes status downloadUrl }
}
"""


class TransferError(Exception):
    """An upload or download failed, or the bytes did not verify."""


class RemoteError(TransferError):
    """The registry answered a GraphQL operation with an error (`code` is its extensions.code)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


# Worth another attempt: the bytes did not verify (and were removed), or a backing service was down.
RETRYABLE = {"INVALID_INPUT", "UNAVAILABLE"}


def graphql_over_http(client: httpx.Client, url: str) -> GraphQLCall:
    """A GraphQLCall that POSTs to `url` and raises RemoteError for GraphQL errors."""

    def call(query: str, variables: dict[str, Any]) -> dict[str, Any]:
        response = client.post(url, json={"query": query, "variables": variables})
        response.raise_for_status()
        body = response.json()
        if body.get("errors"):
            error = body["errors"][0]
            raise RemoteError(error.get("extensions", {}).get("code", "INTERNAL"), error.get("message", ""))
        data: dict[str, Any] = body["data"]
        return data

    return call


def _tar_info(tar: tarfile.TarFile, path: Path, name: str) -> tarfile.TarInfo:
    info = tar.gettarinfo(str(path), arcname=name)
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if info.isdir() or info.mode & 0o111:
        info.mode = 0o755
    else:
        info.mode = 0o644
    return info


def pack_folder(folder: Path, destination: Path) -> Path:
    """Write `folder` as a tar whose bytes depend only on names, contents and executable bits."""
    folder = folder.resolve()
    entries = sorted(path for path in folder.rglob("*"))
    with tarfile.open(destination, "w", format=tarfile.PAX_FORMAT) as tar:
        for path in entries:
            name = path.relative_to(folder).as_posix()
            info = _tar_info(tar, path, name)
            if info.isfile():
                with path.open("rb") as handle:
                    tar.addfile(info, handle)
            elif info.isdir() or info.issym():
                tar.addfile(info)
            else:
                raise TransferError(f"{path} is neither a file, a folder nor a symlink")
    return destination


def _progress(enabled: bool) -> Progress:
    # On stderr: stdout carries only what a command answers (a bar's last line break included).
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        disable=not enabled,
        transient=True,
        console=Console(stderr=True),
    )


def file_digest(path: Path, *, progress: bool = False) -> tuple[str, int]:
    """(sha256 hex, size) of a file, read in chunks."""
    sha = hashlib.sha256()
    size = 0
    with _progress(progress) as bar, path.open("rb") as handle:
        task = bar.add_task(f"hashing {path.name}", total=path.stat().st_size)
        while chunk := handle.read(CHUNK):
            sha.update(chunk)
            size += len(chunk)
            bar.advance(task, len(chunk))
    return sha.hexdigest(), size


def _read_range(path: Path, offset: int, length: int, advance: Callable[[int], None]) -> Iterator[bytes]:
    with path.open("rb") as handle:
        handle.seek(offset)
        left = length
        while left > 0:
            chunk = handle.read(min(CHUNK, left))
            if not chunk:
                raise TransferError(f"{path} is shorter than expected")
            left -= len(chunk)
            advance(len(chunk))
            yield chunk


def put_range(
    client: httpx.Client,
    url: str,
    path: Path,
    *,
    offset: int,
    length: int,
    headers: dict[str, str],
    advance: Callable[[int], None] = lambda _: None,
) -> httpx.Response:
    """PUT `length` bytes of `path` from `offset`, streamed, with an exact Content-Length."""
    return client.put(
        url,
        content=_read_range(path, offset, length, advance),
        headers={**headers, "Content-Length": str(length)},
    )


def _send(client: httpx.Client, target: dict[str, Any], path: Path, bar: Progress, task: TaskID, size: int) -> None:
    headers = {item["key"]: item["value"] for item in target["headers"]}
    parts = target["parts"] or [{"url": target["url"], "offset": 0, "sizeBytes": size, "uploaded": False}]
    for part in parts:
        offset, length = int(part["offset"]), int(part["sizeBytes"])
        if part["uploaded"]:
            bar.advance(task, length)
            continue
        response = put_range(
            client,
            part["url"],
            path,
            offset=offset,
            length=length,
            headers=headers,
            advance=lambda n: bar.advance(task, n),
        )
        if response.status_code >= 300:
            raise TransferError(f"upload refused with HTTP {response.status_code}: {response.text[:300]}")


def publish(
    graphql: GraphQLCall,
    *,
    model: str,
    version: int,
    path: Path,
    client: httpx.Client | None = None,
    progress: bool = True,
    retries: int = RETRIES,
) -> dict[str, Any]:
    """Upload a declared artifact's bytes and have the registry verify them; the READY artifact.

    `graphql` runs an operation against the registry (see `graphql_over_http`).
    Failed sends are retried with fresh URLs: a multipart upload resumes with
    the parts S3 already holds, a single PUT starts over cleanly. A verification
    failure (the registry removed the bytes) is retried the same way.
    """
    size = path.stat().st_size
    owned = client is None
    http = client or httpx.Client(timeout=httpx.Timeout(60.0, write=300.0))
    variables: dict[str, Any] = {"model": model, "version": version}
    try:
        for attempt in range(retries + 1):
            try:
                target = graphql(CREATE_UPLOAD, variables)["createArtifactUpload"]
                with _progress(progress) as bar:
                    task = bar.add_task(f"uploading {path.name}", total=size)
                    _send(http, target, path, bar, task, size)
                artifact: dict[str, Any] = graphql(COMPLETE_UPLOAD, variables)["completeArtifactUpload"]
                return artifact
            except (httpx.TransportError, TransferError) as error:
                if attempt == retries or (isinstance(error, RemoteError) and error.code not in RETRYABLE):
                    raise
                time.sleep(min(2**attempt, 30))
        raise AssertionError("unreachable")
    finally:
        if owned:
            http.close()


def download(
    url: str,
    destination: Path,
    *,
    sha256: str,
    size: int,
    client: httpx.Client | None = None,
    progress: bool = True,
) -> Path:
    """Stream `url` into `destination`, verifying size and sha256 before the file appears there."""
    destination = destination.absolute()
    partial = destination.with_name(f".{destination.name}.{os.getpid()}.part")
    sha = hashlib.sha256()
    received = 0
    owned = client is None
    http = client or httpx.Client(timeout=60.0)
    try:
        with (
            http.stream("GET", url) as response,
            partial.open("wb") as handle,
            _progress(progress) as bar,
        ):
            if response.status_code != 200:
                raise TransferError(f"download refused with HTTP {response.status_code}")
            task = bar.add_task(f"downloading {destination.name}", total=size)
            for chunk in response.iter_bytes(CHUNK):
                sha.update(chunk)
                received += len(chunk)
                handle.write(chunk)
                bar.advance(task, len(chunk))
        if (received, sha.hexdigest()) != (size, sha256):
            raise TransferError(
                f"downloaded {received} bytes with sha256 {sha.hexdigest()}, expected {size} bytes with {sha256}"
            )
        partial.replace(destination)
        return destination
    finally:
        partial.unlink(missing_ok=True)
        if owned:
            http.close()
