"""The S3 artifact store: presigned URLs for clients, boto3 for everything the server checks.

Clients PUT to a staging key (`<prefix>.staging/<key>`), directly or in
presigned parts for large files. `seal` copies the staged object to its final
key server-side, which no URL ever handed out can write, then the service
hashes what is stored there. boto3 is synchronous: every call runs in a
worker thread. Checksums are only computed or validated when an operation
requires them: boto3 >= 1.36 otherwise adds headers that many S3-compatible
servers reject.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import math
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from graph_registry.errors import InvalidInput, Unavailable
from graph_registry.settings import Settings
from graph_registry.storage.artifact_store import ArtifactStore, Digest, UploadPart, UploadTarget

CHUNK = 1024 * 1024
MAX_PARTS = 10_000
MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchUpload"}
REFUSED = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken"}
# Objects up to this size are copied with one CopyObject call (S3's limit is 5 GiB).
COPY_THRESHOLD = 4 * 1024**3
# Parts of a body the server itself streams to S3 (S3's least part is 5 MiB): what it holds in memory.
STREAM_PART = 8 * 1024**2


def client_config(*, retries: int = 3) -> Config:
    """The botocore config the registry uses against AWS and S3-compatible servers alike."""
    return Config(
        signature_version="s3v4",
        s3={"addressing_style": "path"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        connect_timeout=5,
        read_timeout=60,
        retries={"max_attempts": retries, "mode": "standard"},
    )


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _missing(error: ClientError) -> bool:
    return _code(error) in MISSING


@contextlib.contextmanager
def translated_errors() -> Iterator[None]:
    """S3 failures as registry errors: down, refusing or misconfigured is UNAVAILABLE."""
    try:
        yield
    except BotoCoreError as error:
        raise Unavailable("the artifact store (S3) is unavailable; retry shortly") from error
    except ClientError as error:
        code = _code(error)
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if code in REFUSED:
            raise Unavailable("the artifact store (S3) refused the registry's credentials") from error
        if code == "NoSuchBucket":
            raise Unavailable("the artifact store's bucket does not exist") from error
        if status >= 500 or code in {"SlowDown", "ServiceUnavailable", "InternalError"}:
            raise Unavailable("the artifact store (S3) is unavailable; retry shortly") from error
        raise


def part_size_for(size: int, preferred: int) -> int:
    """The part size to use: the preferred one, grown so the file needs at most 10,000 parts."""
    return max(preferred, math.ceil(size / MAX_PARTS))


class S3Store(ArtifactStore):
    kind = "s3"

    def __init__(
        self,
        client: Any,
        *,
        bucket: str,
        prefix: str = "",
        multipart_threshold: int = 512 * 1024**2,
        part_size: int = 64 * 1024**2,
        signer: Any | None = None,
    ) -> None:
        self._s3 = client
        # Presigns the URLs handed to clients: the same client unless they use another endpoint.
        self._signer = signer or client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.multipart_threshold = multipart_threshold
        self.part_size = part_size

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Store:
        if not settings.s3_bucket:
            raise ValueError("GRAPH_REGISTRY_ARTIFACT_STORE=s3 needs GRAPH_REGISTRY_S3_BUCKET")
        credentials: dict[str, str] = {}
        if settings.s3_access_key_id and settings.s3_secret_access_key:
            credentials = {
                "aws_access_key_id": settings.s3_access_key_id.get_secret_value(),
                "aws_secret_access_key": settings.s3_secret_access_key.get_secret_value(),
            }
        session = boto3.session.Session()

        def client(endpoint_url: str | None) -> Any:
            return session.client(
                "s3", endpoint_url=endpoint_url, region_name=settings.s3_region, config=client_config(), **credentials
            )

        public = settings.s3_public_endpoint_url
        return cls(
            client(settings.s3_endpoint_url),
            signer=client(public) if public and public != settings.s3_endpoint_url else None,
            bucket=settings.s3_bucket,
            prefix=settings.s3_prefix,
            multipart_threshold=settings.s3_multipart_threshold,
            part_size=settings.s3_part_size,
        )

    def _final(self, key: str) -> str:
        return self.prefix + key

    def _staging(self, key: str) -> str:
        return self.prefix + ".staging/" + key

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._final(key)}"

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
        return await asyncio.to_thread(self._upload_target, self._staging(staging_key), size, expires_in, upload_id)

    def _upload_target(self, key: str, size: int, expires_in: float, upload_id: str | None) -> UploadTarget:
        expires = max(1, int(expires_in))
        expires_at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=expires)
        with translated_errors():
            if size <= self.multipart_threshold:
                url = self._signer.generate_presigned_url(
                    "put_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires
                )
                return UploadTarget(url=url, method="PUT", headers=(), expires_at=expires_at)
            uploaded = self._uploaded_parts(key, upload_id) if upload_id else None
            if uploaded is None:
                upload_id = self._s3.create_multipart_upload(Bucket=self.bucket, Key=key)["UploadId"]
                uploaded = {}
            assert upload_id is not None
            parts = []
            step = part_size_for(size, self.part_size)
            for index, offset in enumerate(range(0, size, step)):
                length = min(step, size - offset)
                url = self._signer.generate_presigned_url(
                    "upload_part",
                    Params={"Bucket": self.bucket, "Key": key, "UploadId": upload_id, "PartNumber": index + 1},
                    ExpiresIn=expires,
                )
                done = uploaded.get(index + 1) == length
                parts.append(UploadPart(part_number=index + 1, url=url, offset=offset, size=length, uploaded=done))
        return UploadTarget(
            url=parts[0].url, method="PUT", headers=(), expires_at=expires_at, parts=tuple(parts), upload_id=upload_id
        )

    def _list_parts(self, key: str, upload_id: str) -> list[dict[str, Any]] | None:
        """The parts S3 holds for an open multipart upload; None when the upload is gone."""
        try:
            pages = self._s3.get_paginator("list_parts").paginate(Bucket=self.bucket, Key=key, UploadId=upload_id)
            return [part for page in pages for part in page.get("Parts", [])]
        except ClientError as error:
            if _missing(error):
                return None
            raise

    def _uploaded_parts(self, key: str, upload_id: str) -> dict[int, int] | None:
        parts = self._list_parts(key, upload_id)
        return None if parts is None else {part["PartNumber"]: part["Size"] for part in parts}

    async def stage(self, staging_key: str, data: bytes) -> None:
        def put() -> None:
            with translated_errors():
                self._s3.put_object(Bucket=self.bucket, Key=self._staging(staging_key), Body=data)

        await asyncio.to_thread(put)

    async def finish_upload(self, staging_key: str, *, upload_id: str | None, size: int) -> None:
        if upload_id is not None:
            await asyncio.to_thread(self._finish_upload, self._staging(staging_key), upload_id, size)

    def _finish_upload(self, key: str, upload_id: str, size: int) -> None:
        with translated_errors():
            stored = self._list_parts(key, upload_id)
            if stored is None:
                return  # already assembled by an earlier attempt, or aborted: seal tells which
            step = part_size_for(size, self.part_size)
            expected = {index + 1: min(step, size - offset) for index, offset in enumerate(range(0, size, step))}
            held = {part["PartNumber"]: part for part in stored}
            wrong = sorted(n for n, length in expected.items() if n not in held or held[n]["Size"] != length)
            extra = sorted(set(held) - set(expected))
            if wrong or extra:
                raise InvalidInput(
                    f"the multipart upload is incomplete: parts {[*wrong, *extra][:20]} are missing or the wrong size",
                    parts=[*wrong, *extra][:20],
                )
            self._s3.complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": [{"PartNumber": n, "ETag": held[n]["ETag"]} for n in sorted(expected)]},
            )

    async def abort_upload(self, staging_key: str, upload_id: str) -> None:
        def abort() -> None:
            with translated_errors(), contextlib.suppress(ClientError):
                self._s3.abort_multipart_upload(Bucket=self.bucket, Key=self._staging(staging_key), UploadId=upload_id)

        await asyncio.to_thread(abort)

    def _exists(self, key: str) -> bool:
        try:
            self._s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _missing(error):
                return False
            raise
        return True

    async def seal(self, staging_key: str, final_key: str) -> bool:
        return await asyncio.to_thread(self._seal, self._staging(staging_key), self._final(final_key))

    def _seal(self, staged: str, final: str) -> bool:
        with translated_errors():
            if self._exists(final):
                self._s3.delete_object(Bucket=self.bucket, Key=staged)
                return True
            if not self._exists(staged):
                return False
            self._s3.copy(
                {"Bucket": self.bucket, "Key": staged},
                self.bucket,
                final,
                Config=TransferConfig(multipart_threshold=COPY_THRESHOLD, multipart_chunksize=512 * 1024**2),
            )
            self._s3.delete_object(Bucket=self.bucket, Key=staged)
        return True

    async def digest(self, key: str) -> Digest | None:
        return await asyncio.to_thread(self._digest, self._final(key))

    def _digest(self, key: str) -> Digest | None:
        with translated_errors():
            try:
                body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"]
            except ClientError as error:
                if _missing(error):
                    return None
                raise
            sha = hashlib.sha256()
            size = 0
            with contextlib.closing(body):
                for chunk in body.iter_chunks(CHUNK):
                    sha.update(chunk)
                    size += len(chunk)
        return Digest(sha256=sha.hexdigest(), size=size)

    async def delete(self, key: str) -> None:
        def delete() -> None:
            with translated_errors():
                self._s3.delete_object(Bucket=self.bucket, Key=self._final(key))

        await asyncio.to_thread(delete)

    async def download_url(self, key: str, *, expires_in: float, base_url: str) -> str:
        with translated_errors():
            url: str = self._signer.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": self._final(key)}, ExpiresIn=max(1, int(expires_in))
            )
        return url

    async def put_stream(self, staging_key: str, chunks: AsyncIterable[bytes], *, size: int) -> Digest:
        """Single PUT up to one part, a multipart upload past it: at most one part in memory, hashed on arrival."""
        key = self._staging(staging_key)
        step = part_size_for(size, STREAM_PART)
        sha = hashlib.sha256()
        buffer = bytearray()
        received = 0
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []

        def call(operation: str, **params: Any) -> Any:
            with translated_errors():
                return getattr(self._s3, operation)(Bucket=self.bucket, Key=key, **params)

        async def send_part(data: bytes) -> None:
            nonlocal upload_id
            if upload_id is None:
                upload_id = (await asyncio.to_thread(call, "create_multipart_upload"))["UploadId"]
            number = len(parts) + 1
            sent = await asyncio.to_thread(call, "upload_part", UploadId=upload_id, PartNumber=number, Body=data)
            parts.append({"PartNumber": number, "ETag": sent["ETag"]})

        try:
            async for chunk in chunks:
                received += len(chunk)
                if received > size:
                    raise InvalidInput(
                        f"the upload is larger than the declared {size} bytes", reason="oversize", sizeBytes=size
                    )
                sha.update(chunk)
                buffer += chunk
                while len(buffer) >= step and received < size:
                    await send_part(bytes(buffer[:step]))
                    del buffer[:step]
            if received != size:
                raise InvalidInput(
                    f"the upload ended after {received} of the declared {size} bytes", reason="short", sizeBytes=size
                )
            if upload_id is None:
                await asyncio.to_thread(call, "put_object", Body=bytes(buffer))
            else:
                if buffer:
                    await send_part(bytes(buffer))
                await asyncio.to_thread(
                    call, "complete_multipart_upload", UploadId=upload_id, MultipartUpload={"Parts": parts}
                )
        except BaseException:
            if upload_id is not None:
                await self.abort_upload(staging_key, upload_id)
            raise
        return Digest(sha256=sha.hexdigest(), size=received)

    async def read_stream(self, key: str) -> AsyncIterator[bytes]:
        def open_body() -> Any:
            with translated_errors():
                try:
                    return self._s3.get_object(Bucket=self.bucket, Key=self._final(key))["Body"]
                except ClientError as error:
                    if _missing(error):
                        raise FileNotFoundError(key) from error
                    raise

        body = await asyncio.to_thread(open_body)
        try:
            pieces = body.iter_chunks(CHUNK)
            while chunk := await asyncio.to_thread(next, pieces, b""):
                yield chunk
        finally:
            body.close()

    def close(self) -> None:
        self._s3.close()
        if self._signer is not self._s3:
            self._signer.close()
