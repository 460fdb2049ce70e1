"""The local-disk artifact store: files under one folder, uploads through the API itself.

Final bytes live at `<root>/<key>`; uploads land in `<root>/.staging/<key>`
(model names cannot start with a dot, so the two never meet). A body is
written to a temporary file in the same folder and renamed into place, so a
reader never sees half a file. Upload and download URLs carry an HMAC-signed,
short-lived token: the only thing the routes trust.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import hmac
import os
import secrets
import time
from collections.abc import AsyncIterable, AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import orjson

from graph_registry.errors import Forbidden, InvalidInput
from graph_registry.settings import Settings
from graph_registry.storage.artifact_store import (
    ArtifactStore,
    Digest,
    Grant,
    LocalTransfers,
    UploadTarget,
)

CHUNK = 1024 * 1024
UPLOAD_PATH = "/artifacts/upload/"
DOWNLOAD_PATH = "/artifacts/download/"


def load_or_create_key(path: Path) -> bytes:
    """The signing key kept in the state folder, generated on first use (never a built-in default)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(32))
    return path.read_text().strip().encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class UrlSigner:
    """Short-lived tokens naming one operation on one key: `<payload>.<hmac>`."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def sign(self, grant: Grant, *, expires_at: datetime) -> str:
        payload = _b64(
            orjson.dumps(
                {
                    "op": grant.operation,
                    "key": grant.key,
                    "size": grant.size,
                    "model": grant.model,
                    "version": grant.version,
                    "exp": round(expires_at.timestamp(), 3),
                }
            )
        )
        return f"{payload}.{self._mac(payload)}"

    def verify(self, token: str, *, operation: str) -> Grant:
        payload, _, mac = token.partition(".")
        if not hmac.compare_digest(mac.encode(), self._mac(payload).encode()):
            raise Forbidden("the artifact URL is not valid")
        try:
            claims = orjson.loads(_unb64(payload))
        except (binascii.Error, ValueError) as error:
            raise Forbidden("the artifact URL is not valid") from error
        if claims["op"] != operation:
            raise Forbidden("the artifact URL is not valid for this method")
        if claims["exp"] < time.time():
            raise Forbidden("the artifact URL has expired; ask for a new one")
        return Grant(
            operation=operation,
            key=claims["key"],
            size=claims["size"],
            model=claims["model"],
            version=claims["version"],
        )

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())


def _expiry(expires_in: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=max(1.0, expires_in))


def _hash_file(path: Path) -> Digest:
    sha = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return Digest(sha256=sha.hexdigest(), size=size)


class LocalStore(ArtifactStore, LocalTransfers):
    kind = "local"

    def __init__(self, root: Path, *, signing_key: bytes) -> None:
        self.root = root.expanduser().absolute()
        self._signer = UrlSigner(signing_key)

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalStore:
        if settings.artifact_signing_key is not None:
            key = settings.artifact_signing_key.get_secret_value().encode()
        else:
            key = load_or_create_key(settings.home / "artifact-signing-key")
        return cls(settings.artifacts_home, signing_key=key)

    def _path(self, key: str, *, staging: bool = False) -> Path:
        parts = key.split("/")
        if key.startswith("/") or "\\" in key or any(part in ("", ".", "..") or part.startswith(".") for part in parts):
            raise InvalidInput("invalid artifact key", field="key")
        base = self.root / ".staging" if staging else self.root
        path = (base / key).resolve()
        if not path.is_relative_to(base.resolve()):
            raise InvalidInput("invalid artifact key", field="key")
        return path

    def uri(self, key: str) -> str:
        return self._path(key).as_uri()

    async def upload_target(
        self,
        staging_key: str,
        *,
        size: int,
        model: str,
        version: int,
        expires_in: float,
        base_url: str,
        upload_id: str | None,
    ) -> UploadTarget:
        self._path(staging_key, staging=True)
        expires_at = _expiry(expires_in)
        grant = Grant(operation="put", key=staging_key, size=size, model=model, version=version)
        token = self._signer.sign(grant, expires_at=expires_at)
        return UploadTarget(
            url=base_url.rstrip("/") + UPLOAD_PATH + quote(token),
            method="PUT",
            headers=(("Content-Type", "application/octet-stream"),),
            expires_at=expires_at,
        )

    def verify(self, token: str, *, operation: str) -> Grant:
        return self._signer.verify(token, operation=operation)

    async def receive(self, key: str, chunks: AsyncIterable[bytes], *, size: int) -> int:
        target = self._path(key, staging=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f"{target.name}.{secrets.token_hex(8)}.part")
        received = 0
        try:
            with temporary.open("xb") as handle:
                async for chunk in chunks:
                    received += len(chunk)
                    if received > size:
                        raise InvalidInput(
                            f"the upload is larger than the declared {size} bytes", reason="oversize", sizeBytes=size
                        )
                    handle.write(chunk)
                if received != size:
                    raise InvalidInput(
                        f"the upload ended after {received} of the declared {size} bytes",
                        reason="short",
                        sizeBytes=size,
                    )
                handle.flush()
                await asyncio.to_thread(os.fsync, handle.fileno())
            temporary.replace(target)
        finally:
            temporary.unlink(missing_ok=True)
        return received

    async def stage(self, staging_key: str, data: bytes) -> None:
        async def body() -> AsyncIterator[bytes]:
            yield data

        await self.receive(staging_key, body(), size=len(data))

    async def finish_upload(self, staging_key: str, *, upload_id: str | None, size: int) -> None:
        return None

    async def seal(self, staging_key: str, final_key: str) -> bool:
        staged = self._path(staging_key, staging=True)
        final = self._path(final_key)
        final.parent.mkdir(parents=True, exist_ok=True)
        try:
            # link, unlike rename, refuses to replace a final file: sealed bytes never change.
            os.link(staged, final)
        except FileExistsError:
            pass
        except FileNotFoundError:
            return final.exists()
        staged.unlink(missing_ok=True)
        return True

    async def digest(self, key: str) -> Digest | None:
        path = self._path(key)
        try:
            return await asyncio.to_thread(_hash_file, path)
        except FileNotFoundError:
            return None

    async def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    async def download_url(self, key: str, *, expires_in: float, base_url: str) -> str:
        expires_at = _expiry(expires_in)
        grant = Grant(operation="get", key=key, size=0, model="", version=0)
        return base_url.rstrip("/") + DOWNLOAD_PATH + quote(self._signer.sign(grant, expires_at=expires_at))

    def file(self, key: str) -> Path | None:
        path = self._path(key)
        return path if path.is_file() else None

    async def put_stream(self, staging_key: str, chunks: AsyncIterable[bytes], *, size: int) -> Digest:
        sha = hashlib.sha256()

        async def measured() -> AsyncIterator[bytes]:
            async for chunk in chunks:
                sha.update(chunk)
                yield chunk

        received = await self.receive(staging_key, measured(), size=size)
        return Digest(sha256=sha.hexdigest(), size=received)

    async def read_stream(self, key: str) -> AsyncIterator[bytes]:
        handle = await asyncio.to_thread(self._path(key).open, "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK):
                yield chunk
        finally:
            handle.close()
