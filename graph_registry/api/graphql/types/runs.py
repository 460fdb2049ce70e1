"""Experiments, runs, commits and packages."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph_registry.api.graphql import ids
from graph_registry.api.graphql.context import Info
from graph_registry.api.graphql.types.common import (
    Connection,
    Metric,
    Node,
    Tag,
    connection,
    metrics_of,
    tags_of,
)
from graph_registry.api.graphql.types.datasets import DatasetVersion
from graph_registry.api.graphql.types.models import ModelVersion
from graph_registry.domain.records import (
    CommitRecord,
    ExperimentRecord,
    JobRecord,
    PackageRecord,
    RunRecord,
    RunStatus,
)

strawberry.enum(RunStatus)


@strawberry.type
class Experiment(Node):
    name: str

    @classmethod
    def from_record(cls, record: ExperimentRecord) -> Experiment:
        return cls(id=strawberry.ID(ids.global_id("Experiment", record.name)), name=record.name)

    @strawberry.field
    async def runs(self, info: Info, first: int | None = 20, after: str | None = None) -> RunConnection:
        page = await info.context.loaders.experiment_runs.load((self.name, 20 if first is None else first, after))
        return connection(page, Run.from_record)


@strawberry.type(
    description="A pipeline step that runs again and again: an OpenLineage job (an Airflow task, a Spark "
    "application, a dbt model)."
)
class Job(Node):
    namespace: str = strawberry.field(
        description="OpenLineage job namespace, e.g. airflow-prod, or the scheduler's name."
    )
    name: str
    facets: str | None = strawberry.field(description="The job's newest OpenLineage facets, as JSON text.")

    @classmethod
    def from_record(cls, record: JobRecord) -> Job:
        return cls(
            id=strawberry.ID(ids.global_id("Job", record.namespace, record.name)),
            namespace=record.namespace,
            name=record.name,
            facets=record.facets,
        )

    @classmethod
    def maybe(cls, record: JobRecord | None) -> Job | None:
        return None if record is None else cls.from_record(record)

    @strawberry.field
    async def runs(self, info: Info, first: int | None = 20, after: str | None = None) -> RunConnection:
        page = await info.context.services.openlineage.list_runs(
            namespace=self.namespace, name=self.name, first=20 if first is None else first, after=after
        )
        return connection(page, Run.from_record)


@strawberry.type
class RunInput:
    dataset_version: DatasetVersion
    role: str = strawberry.field(description="training, validation, test, ... free text, default training.")


@strawberry.type
class Commit(Node):
    repo: str = strawberry.field(description="Repository URL or name, e.g. github.com/acme/fraud.")
    sha: str = strawberry.field(description="Full 40-hex (or 64-hex) commit id.")
    branch: str | None
    author: str | None
    message: str | None
    committed_at: datetime | None

    @classmethod
    def from_record(cls, record: CommitRecord) -> Commit:
        return cls(
            id=strawberry.ID(ids.global_id("Commit", record.repo, record.sha)),
            repo=record.repo,
            sha=record.sha,
            branch=record.branch,
            author=record.author,
            message=record.message,
            committed_at=record.committed_at,
        )

    @classmethod
    def maybe(cls, record: CommitRecord | None) -> Commit | None:
        return None if record is None else cls.from_record(record)


@strawberry.type
class Package(Node):
    name: str = strawberry.field(description="Normalised PyPI name (PEP 503).")
    version: str

    @classmethod
    def from_record(cls, record: PackageRecord) -> Package:
        return cls(
            id=strawberry.ID(ids.global_id("Package", record.name, record.version)),
            name=record.name,
            version=record.version,
        )

    @classmethod
    def maybe(cls, record: PackageRecord | None) -> Package | None:
        return None if record is None else cls.from_record(record)


@strawberry.type
class Run(Node):
    record: strawberry.Private[RunRecord]
    run_id: str = strawberry.field(description="Server-allocated UUID.")
    name: str | None
    status: RunStatus
    params: list[Tag]
    metrics: list[Metric]
    started_at: datetime
    ended_at: datetime | None

    @classmethod
    def from_record(cls, record: RunRecord) -> Run:
        return cls(
            id=strawberry.ID(ids.global_id("Run", record.run_id)),
            record=record,
            run_id=record.run_id,
            name=record.name,
            status=record.status,
            params=tags_of(record.params),
            metrics=metrics_of(record.metrics),
            started_at=record.started_at,
            ended_at=record.ended_at,
        )

    @classmethod
    def maybe(cls, record: RunRecord | None) -> Run | None:
        return None if record is None else cls.from_record(record)

    @strawberry.field
    async def experiment(self, info: Info) -> Experiment:
        record = await info.context.loaders.experiment.load(self.record.experiment)
        assert record is not None, "a run always belongs to a stored experiment"
        return Experiment.from_record(record)

    @strawberry.field(description="The pipeline job this run executed (runs recorded from OpenLineage events).")
    async def job(self, info: Info) -> Job | None:
        if self.record.job_namespace is None or self.record.job_name is None:
            return None
        return Job.maybe(await info.context.loaders.job.load((self.record.job_namespace, self.record.job_name)))

    @strawberry.field(description="The run that started this one (OpenLineage parent run facet).")
    async def parent(self, info: Info) -> Run | None:
        if self.record.parent_run_id is None:
            return None
        return Run.maybe(await info.context.loaders.run.load(self.record.parent_run_id))

    @strawberry.field(description="Why a FAILED run failed, when the producer said so.")
    def error_message(self) -> str | None:
        return self.record.error_message

    @strawberry.field(description="The run's newest OpenLineage run facets, as JSON text.")
    def facets(self) -> str | None:
        return self.record.facets

    @strawberry.field
    async def inputs(self, info: Info) -> list[RunInput]:
        links = await info.context.loaders.run_links.load(self.run_id)
        return [
            RunInput(dataset_version=DatasetVersion.from_record(item.dataset_version), role=item.role)
            for item in links.inputs
        ]

    @strawberry.field
    async def commit(self, info: Info) -> Commit | None:
        return Commit.maybe((await info.context.loaders.run_links.load(self.run_id)).commit)

    @strawberry.field
    async def produced_models(self, info: Info) -> list[ModelVersion]:
        links = await info.context.loaders.run_links.load(self.run_id)
        return [ModelVersion.from_record(record) for record in links.produced_models]

    @strawberry.field
    async def produced_datasets(self, info: Info) -> list[DatasetVersion]:
        links = await info.context.loaders.run_links.load(self.run_id)
        return [DatasetVersion.from_record(record) for record in links.produced_datasets]


RunConnection = Connection[Run]
