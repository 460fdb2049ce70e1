"""Inputs of the mutations and questions, and their conversion to the values use cases take."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import strawberry

from graph_registry.api.graphql.types.common import MetricInput, Stage, TagInput, tag_pairs
from graph_registry.domain.refs import DatasetVersionRef as DatasetVersionRefValue
from graph_registry.domain.refs import (
    LineageDeclaration,
    NewCommit,
    NewDatasetVersion,
    NewRun,
    RunInput,
    VersionSelector,
)


@strawberry.input
class DatasetVersionRef:
    dataset: str
    version: int | None = strawberry.field(default=None, description="One of version or digest.")
    digest: str | None = None

    def value(self) -> DatasetVersionRefValue:
        return DatasetVersionRefValue(dataset=self.dataset, version=self.version, digest=self.digest)


def ref_values(refs: Sequence[DatasetVersionRef] | None) -> list[DatasetVersionRefValue]:
    return [ref.value() for ref in refs or ()]


@strawberry.input
class ModelVersionRef:
    model: str
    version: int | None = strawberry.field(default=None, description="One of version, alias or stage.")
    alias: str | None = None
    stage: Stage | None = None

    def selector(self) -> VersionSelector:
        return VersionSelector(model=self.model, version=self.version, alias=self.alias, stage=self.stage)


@strawberry.input
class CommitInput:
    repo: str
    sha: str
    branch: str | None = None
    author: str | None = None
    message: str | None = None
    committed_at: datetime | None = None

    def value(self) -> NewCommit:
        return NewCommit(
            repo=self.repo,
            sha=self.sha,
            branch=self.branch,
            author=self.author,
            message=self.message,
            committed_at=self.committed_at,
        )


@strawberry.input
class RunInputInput:
    dataset_version: DatasetVersionRef
    role: str | None = "training"

    def value(self) -> RunInput:
        return RunInput(dataset_version=self.dataset_version.value(), role=self.role or "training")


@strawberry.input
class StartRunInput:
    experiment: str
    name: str | None = None
    params: list[TagInput] | None = None
    commit: CommitInput | None = None
    inputs: list[RunInputInput] | None = None

    def value(self) -> NewRun:
        return NewRun(
            experiment=self.experiment,
            name=self.name,
            params=tag_pairs(self.params) or [],
            commit=self.commit.value() if self.commit else None,
            inputs=[item.value() for item in self.inputs or ()],
        )


@strawberry.input
class DatasetSourceInput:
    namespace: str
    name: str


@strawberry.input
class RegisterDatasetVersionInput:
    dataset: str
    digest: str
    uri: str | None = None
    row_count: float | None = None
    derived_from: list[DatasetVersionRef] | None = None
    produced_by: str | None = strawberry.field(default=None, description="runId of the run that produced it.")
    description: str | None = strawberry.field(default=None, description="Sets the dataset's description.")
    source: DatasetSourceInput | None = strawberry.field(
        default=None,
        description="Where the data lives, in OpenLineage naming; the dataset is found by it in OpenLineage "
        "events too.",
    )

    def value(self) -> NewDatasetVersion:
        return NewDatasetVersion(
            dataset=self.dataset,
            digest=self.digest,
            uri=self.uri,
            row_count=self.row_count,
            description=self.description,
            derived_from=ref_values(self.derived_from),
            produced_by=self.produced_by,
            source=(self.source.namespace, self.source.name) if self.source else None,
        )


@strawberry.input
class ArtifactInput:
    sha256: str
    size_bytes: float


@strawberry.input
class CreateModelVersionInput:
    model: str = strawberry.field(description="The model is created on first use.")
    team: str | None = strawberry.field(
        default=None, description="The team a model created by this call joins; an existing model keeps its own."
    )
    description: str | None = None
    tags: list[TagInput] | None = None
    metrics: list[MetricInput] | None = None
    artifact: ArtifactInput | None = strawberry.field(
        default=None,
        description="Declare the artifact; the server then expects its bytes (see createArtifactUpload).",
    )
    request_id: str | None = strawberry.field(
        default=None,
        description="Client-chosen idempotency key: retrying with the same key returns the same version.",
    )
    run_id: str | None = strawberry.field(
        default=None,
        description="runId of the producing run. Its inputs and commit become this version's lineage.",
    )
    trained_on: list[DatasetVersionRef] | None = strawberry.field(
        default=None, description="Shortcut without a run: lineage is recorded through an implicit run."
    )
    commit: CommitInput | None = None
    base_model: ModelVersionRef | None = None
    requirements: list[str] | None = strawberry.field(
        default=None,
        description="pip requirement lines pinned with ==, e.g. torch==2.3.1; stored as Package nodes.",
    )

    def lineage(self) -> LineageDeclaration:
        return LineageDeclaration(
            run_id=self.run_id,
            trained_on=ref_values(self.trained_on),
            commit=self.commit.value() if self.commit else None,
            base_model=self.base_model.selector() if self.base_model else None,
            requirements=self.requirements or (),
        )
