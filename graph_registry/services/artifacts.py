"""Artifacts: where a version's bytes go, and proof that what is stored is what was declared.

The flow: a version declares sha256 and size (`createModelVersion`); the
client asks where to send the bytes (`create_upload`) and sends them; then
`complete_upload` seals the staged bytes under the final key, hashes what is
stored, and only on a match marks the artifact READY. Store calls (S3) never
run inside a transaction function, which the driver may retry; every status
change is one write.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from pathlib import Path

from graph_registry.domain.records import ArtifactRecord, VersionRecord
from graph_registry.errors import Conflict, Forbidden, InvalidInput, NotFound
from graph_registry.services.audit import AuditEntry, write_audited, write_one_audited
from graph_registry.services.models import ModelService
from graph_registry.storage.artifact_store import ArtifactStore, LocalTransfers, UploadTarget
from graph_registry.storage.database import Database, Row, Transaction

READY = "READY"
PENDING = "PENDING"


def artifact_key(model: str, version: int, sha256: str) -> str:
    """The server-chosen key of a version's bytes: from ids only, never from a client path."""
    return f"{model}/{version}/{sha256}"


def _declared(record: VersionRecord) -> ArtifactRecord:
    if record.artifact is None:
        raise NotFound(
            f"{record.model} v{record.version} declares no artifact; pass artifact {{sha256, sizeBytes}} "
            "to createModelVersion",
            model=record.model,
            version=record.version,
        )
    return record.artifact


class ArtifactService:
    def __init__(self, database: Database, store: ArtifactStore, models: ModelService, *, url_expiry: float) -> None:
        self._db = database
        self.store = store
        self._models = models
        self._url_expiry = url_expiry

    async def create_upload(
        self, *, model: str, version: int, base_url: str, audit: AuditEntry | None = None
    ) -> UploadTarget:
        """Where to send a PENDING artifact's bytes; resumes an open multipart upload."""
        record = await self._models.require_version(model, version)
        artifact = _declared(record)
        if artifact.status == READY:
            raise Conflict(f"{model} v{version} already has its verified artifact", model=model, version=version)
        key = artifact_key(model, version, artifact.sha256)
        target = await self._target(record, artifact, key, base_url, artifact.upload_id)
        if target.upload_id is None or target.upload_id == artifact.upload_id:
            return target
        # A new multipart upload: record it, unless a concurrent request recorded its own first.
        previous, started = artifact.upload_id, target.upload_id

        async def record_upload(tx: Transaction) -> list[Row]:
            if previous is not None:
                await tx.run("clear_artifact_upload", model=model, version=version, uploadId=previous)
            return await tx.run(
                "set_artifact_upload", model=model, version=version, sha256=artifact.sha256, uploadId=started
            )

        rows = await write_audited(self._db, record_upload, audit=audit)
        held = rows[0]["uploadId"] if rows else None
        if held == target.upload_id:
            return target
        await self.store.abort_upload(key, target.upload_id)
        if held is None:
            raise Conflict(f"{model} v{version} already has its verified artifact", model=model, version=version)
        return await self._target(record, artifact, key, base_url, held)

    async def _target(
        self, record: VersionRecord, artifact: ArtifactRecord, key: str, base_url: str, upload_id: str | None
    ) -> UploadTarget:
        return await self.store.upload_target(
            key,
            size=artifact.size_bytes,
            model=record.model,
            version=record.version,
            expires_in=self._url_expiry,
            base_url=base_url,
            upload_id=upload_id,
        )

    async def complete_upload(self, *, model: str, version: int, audit: AuditEntry | None = None) -> VersionRecord:
        """Verify the stored bytes against the declaration; READY on a match, INVALID_INPUT otherwise."""
        record = await self._models.require_version(model, version)
        artifact = _declared(record)
        if artifact.status == READY:
            return record
        key = artifact_key(model, version, artifact.sha256)
        await self.store.finish_upload(key, upload_id=artifact.upload_id, size=artifact.size_bytes)
        if not await self.store.seal(key, key):
            raise InvalidInput(
                f"no bytes were uploaded for {model} v{version}; send them with createArtifactUpload first",
                model=model,
                version=version,
            )
        stored = await self.store.digest(key)
        if stored is None or (stored.sha256, stored.size) != (artifact.sha256, artifact.size_bytes):
            await self.store.delete(key)
            if artifact.upload_id is not None:
                await write_one_audited(
                    self._db,
                    "clear_artifact_upload",
                    audit=audit,
                    model=model,
                    version=version,
                    uploadId=artifact.upload_id,
                )
            found = "nothing" if stored is None else f"{stored.size} bytes with sha256 {stored.sha256}"
            raise InvalidInput(
                f"the stored bytes of {model} v{version} do not match the declaration "
                f"({artifact.size_bytes} bytes with sha256 {artifact.sha256}); found {found}. "
                "They were removed: upload again",
                model=model,
                version=version,
            )
        rows = await write_one_audited(
            self._db,
            "mark_artifact_ready",
            audit=audit,
            model=model,
            version=version,
            sha256=artifact.sha256,
            size=artifact.size_bytes,
            key=key,
            uri=self.store.uri(key),
        )
        if not rows:
            raise NotFound(f"model version {model}:{version} does not exist", model=model, version=version)
        return VersionRecord.from_row(rows[0]["version"])

    async def attach(self, *, model: str, version: int, data: bytes) -> VersionRecord:
        """Store and verify the declared artifact of a version from bytes the server holds (the demo's)."""
        record = await self._models.require_version(model, version)
        artifact = _declared(record)
        if artifact.status != READY:
            await self.store.stage(artifact_key(model, version, artifact.sha256), data)
        return await self.complete_upload(model=model, version=version)

    def uri(self, record: VersionRecord) -> str:
        artifact = _declared(record)
        return artifact.uri or self.store.uri(artifact_key(record.model, record.version, artifact.sha256))

    async def download_url(self, record: VersionRecord, *, base_url: str) -> str | None:
        """A short-lived URL for READY bytes; None before they were verified."""
        artifact = record.artifact
        if artifact is None or artifact.status != READY:
            return None
        key = artifact.key or artifact_key(record.model, record.version, artifact.sha256)
        return await self.store.download_url(key, expires_in=self._url_expiry, base_url=base_url)

    def _local(self) -> LocalTransfers:
        if not isinstance(self.store, LocalTransfers):
            raise NotFound("this registry keeps artifacts in S3: use the presigned URL")
        return self.store

    async def receive_upload(self, token: str, chunks: AsyncIterable[bytes], *, content_length: int | None) -> int:
        """Store an upload sent to the API (local store); the byte count."""
        transfers = self._local()
        grant = transfers.verify(token, operation="put")
        if content_length is not None and content_length > grant.size:
            raise InvalidInput(
                f"the upload is larger than the declared {grant.size} bytes", reason="oversize", sizeBytes=grant.size
            )
        record = await self._models.require_version(grant.model, grant.version)
        artifact = _declared(record)
        if artifact.status == READY:
            raise Conflict(
                f"{grant.model} v{grant.version} already has its verified artifact",
                model=grant.model,
                version=grant.version,
            )
        if grant.key != artifact_key(record.model, record.version, artifact.sha256):
            raise Forbidden("the artifact URL is not valid")
        return await transfers.receive(grant.key, chunks, size=artifact.size_bytes)

    def download_file(self, token: str) -> Path:
        """The file a download URL grants (local store)."""
        transfers = self._local()
        grant = transfers.verify(token, operation="get")
        path = transfers.file(grant.key)
        if path is None:
            raise NotFound("the artifact's bytes are not stored")
        return path
