"""Mutations that move artifact bytes: ask where to upload, then have them verified."""

from __future__ import annotations

import strawberry

from graph_registry.api.graphql.context import Info
from graph_registry.api.graphql.types.artifacts import Artifact, ArtifactUpload, public_base_url


@strawberry.type
class ArtifactMutations:
    @strawberry.mutation(description="Ask where to send a declared artifact's bytes.")
    async def create_artifact_upload(self, info: Info, model: str, version: int) -> ArtifactUpload:
        target = await info.context.services.artifacts.create_upload(
            model=model, version=version, base_url=public_base_url(info), audit=info.context.audit
        )
        return ArtifactUpload.from_target(target)

    @strawberry.mutation(
        description="Verify the stored bytes against the declared sha256 and size; READY on success, "
        "INVALID_INPUT (and nothing marked READY) on mismatch."
    )
    async def complete_artifact_upload(self, info: Info, model: str, version: int) -> Artifact:
        record = await info.context.services.artifacts.complete_upload(
            model=model, version=version, audit=info.context.audit
        )
        artifact = Artifact.maybe(info, record)
        assert artifact is not None, "a completed upload belongs to a declared artifact"
        return artifact
