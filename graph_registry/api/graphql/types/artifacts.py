"""Artifacts: a version's verified bytes, and where to upload them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph_registry.api.graphql.context import Info
from graph_registry.api.graphql.types.common import Tag, tags_of
from graph_registry.domain.records import VersionRecord
from graph_registry.storage.artifact_store import UploadTarget


def public_base_url(info: Info) -> str:
    """Where clients reach this API: the configured public URL, else the URL of this request."""
    return info.context.services.settings.public_url or str(info.context.request.base_url)


@strawberry.type
class Artifact:
    version_record: strawberry.Private[VersionRecord]
    uri: str = strawberry.field(
        description="Where the bytes live, e.g. s3://bucket/key or file:///path; chosen by the server, "
        "never by the client."
    )
    sha256: str
    size_bytes: float
    status: str = strawberry.field(
        description="READY once the stored bytes were verified against sha256; PENDING before."
    )

    @classmethod
    def maybe(cls, info: Info, record: VersionRecord) -> Artifact | None:
        if record.artifact is None:
            return None
        return cls(
            version_record=record,
            uri=info.context.services.artifacts.uri(record),
            sha256=record.artifact.sha256,
            size_bytes=float(record.artifact.size_bytes),
            status=record.artifact.status,
        )

    @strawberry.field(description="A short-lived URL to fetch the bytes (presigned for S3).")
    async def download_url(self, info: Info) -> str | None:
        return await info.context.services.artifacts.download_url(self.version_record, base_url=public_base_url(info))


@strawberry.type
class ArtifactUploadPart:
    part_number: int
    url: str
    offset: float = strawberry.field(description="Where the part's bytes start in the file.")
    size_bytes: float
    uploaded: bool = strawberry.field(description="S3 already holds this part (resuming an upload): skip it.")


@strawberry.type
class ArtifactUpload:
    url: str = strawberry.field(
        description="Where to PUT the bytes (presigned for S3; the API itself for the local store)."
    )
    method: str
    headers: list[Tag]
    expires_at: datetime
    parts: list[ArtifactUploadPart] = strawberry.field(
        description="Large files on S3: PUT each byte range to its own URL instead (url is then part 1's), "
        "then call completeArtifactUpload. Empty for a single PUT of the whole file."
    )

    @classmethod
    def from_target(cls, target: UploadTarget) -> ArtifactUpload:
        return cls(
            url=target.url,
            method=target.method,
            headers=tags_of(target.headers),
            expires_at=target.expires_at,
            parts=[
                ArtifactUploadPart(
                    part_number=part.part_number,
                    url=part.url,
                    offset=float(part.offset),
                    size_bytes=float(part.size),
                    uploaded=part.uploaded,
                )
                for part in target.parts
            ],
        )
