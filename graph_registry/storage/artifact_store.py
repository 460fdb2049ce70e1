"""Where artifact bytes live: one interface, two backends (local disk, S3).

Keys are chosen by the service from ids, never taken from a client. A store
knows two kinds of key: a *staging* key that clients upload to, and a *final*
key that only `seal` writes, so a stale upload URL can never change bytes
that were verified. Every method that talks to S3 runs in a worker thread;
none of them is ever called inside a database transaction function.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True, slots=True)
class UploadPart:
    """One byte range of a multipart upload and the URL to PUT it to."""

    part_number: int
    url: str
    offset: int
    size: int
    uploaded: bool = False


@dataclass(frozen=True, slots=True)
class UploadTarget:
    """Where and how a client sends the bytes."""

    url: str
    method: str
    headers: tuple[tuple[str, str], ...]
    expires_at: datetime
    parts: tuple[UploadPart, ...] = ()
    upload_id: str | None = None


@dataclass(frozen=True, slots=True)
class Digest:
    """What a store measured of stored bytes."""

    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class Grant:
    """A verified local-store URL token: what it allows, on which key, for which version."""

    operation: str
    key: str
    size: int
    model: str
    version: int
    extra: dict[str, str] = field(default_factory=dict)


class ArtifactStore(abc.ABC):
    """The operations the artifact service needs from a backend."""

    kind: str

    @abc.abstractmethod
    def uri(self, key: str) -> str:
        """Where a final key's bytes live: s3://bucket/key or file:///abs/path."""

    @abc.abstractmethod
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
        """A URL (or parts) to PUT `size` bytes to `staging_key`; `upload_id` resumes a multipart upload."""

    @abc.abstractmethod
    async def stage(self, staging_key: str, data: bytes) -> None:
        """Put a few bytes at a staging key from the server itself (the demo's artifacts)."""

    @abc.abstractmethod
    async def finish_upload(self, staging_key: str, *, upload_id: str | None, size: int) -> None:
        """Assemble a multipart upload (no-op for single PUTs); InvalidInput when parts are missing."""

    async def abort_upload(self, staging_key: str, upload_id: str) -> None:
        """Drop an open multipart upload (stores without multipart have none)."""
        return None

    @abc.abstractmethod
    async def seal(self, staging_key: str, final_key: str) -> bool:
        """Move staged bytes to the final key unless it already holds bytes; False when neither exists."""

    @abc.abstractmethod
    async def digest(self, key: str) -> Digest | None:
        """Hash the stored bytes of a key, streaming; None when there are none."""

    @abc.abstractmethod
    async def delete(self, key: str) -> None:
        """Remove a key's bytes; no error when there are none."""

    @abc.abstractmethod
    async def download_url(self, key: str, *, expires_in: float, base_url: str) -> str:
        """A short-lived URL to GET a final key's bytes."""

    @abc.abstractmethod
    async def put_stream(self, staging_key: str, chunks: AsyncIterable[bytes], *, size: int) -> Digest:
        """Store a body the server itself receives (a proxied upload) at a staging key, measured as it
        arrives; InvalidInput (and nothing kept) when it is not exactly `size` bytes."""

    @abc.abstractmethod
    def read_stream(self, key: str) -> AsyncIterator[bytes]:
        """A final key's bytes, in chunks, for the server to pass on (a proxied download); iterating
        raises FileNotFoundError when there are none."""

    def close(self) -> None:
        """Release connections (the S3 client's pool)."""
        return None


class LocalTransfers(abc.ABC):
    """What only the local store offers: the API itself receives and serves the bytes."""

    @abc.abstractmethod
    def verify(self, token: str, *, operation: str) -> Grant:
        """The grant a URL token carries; Forbidden when it is forged, expired or for another operation."""

    @abc.abstractmethod
    async def receive(self, key: str, chunks: AsyncIterable[bytes], *, size: int) -> int:
        """Stream a body to the staging key, refusing more than `size` bytes; the count received."""

    @abc.abstractmethod
    def file(self, key: str) -> Path | None:
        """The file holding a final key's bytes, if there is one."""


__all__ = ["ArtifactStore", "Digest", "Grant", "LocalTransfers", "UploadPart", "UploadTarget"]
