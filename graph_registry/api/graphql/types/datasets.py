"""Datasets and their versions, with their neighbours in lineage."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph_registry.api.graphql import ids
from graph_registry.api.graphql.context import Info
from graph_registry.api.graphql.types.common import Connection, Node, Stage, connection
from graph_registry.api.graphql.types.lineage_enums import Direction, NodeKind
from graph_registry.api.graphql.types.models import ModelVersion
from graph_registry.domain.openlineage import schema_fields
from graph_registry.domain.records import DatasetRecord, DatasetVersionRecord

if TYPE_CHECKING:
    from graph_registry.api.graphql.types.lineage import LineageGraph
    from graph_registry.api.graphql.types.runs import Run

_RUNS = "graph_registry.api.graphql.types.runs"
_LINEAGE = "graph_registry.api.graphql.types.lineage"


@strawberry.type(
    description="Where a dataset lives, in OpenLineage naming: namespace is the data source (s3://bucket, "
    "postgres://db:5432, bigquery), name the dataset inside it (a path, or db.schema.table)."
)
class DatasetSource:
    namespace: str
    name: str


@strawberry.type
class SchemaField:
    name: str
    type: str | None
    description: str | None


@strawberry.type
class Dataset(Node):
    name: str
    # None when only the name is known (a version's dataset): loaded on first use, so `dataset { name }` is free.
    record: strawberry.Private[DatasetRecord | None] = None

    @classmethod
    def from_record(cls, record: DatasetRecord) -> Dataset:
        return cls(id=strawberry.ID(ids.global_id("Dataset", record.name)), name=record.name, record=record)

    @classmethod
    def named(cls, name: str) -> Dataset:
        """A dataset known to exist (e.g. a stored version's), its record loaded only if a field needs it."""
        return cls(id=strawberry.ID(ids.global_id("Dataset", name)), name=name)

    @strawberry.field
    async def description(self, info: Info) -> str | None:
        return (await self._record(info)).description

    async def _record(self, info: Info) -> DatasetRecord:
        if self.record is None:
            self.record = await info.context.loaders.dataset.load(self.name)
            assert self.record is not None, "a dataset version always belongs to a stored dataset"
        return self.record

    @strawberry.field(description="Set for datasets recorded from OpenLineage events or registered with a source.")
    async def source(self, info: Info) -> DatasetSource | None:
        record = await self._record(info)
        if record.source_namespace is None or record.source_name is None:
            return None
        return DatasetSource(namespace=record.source_namespace, name=record.source_name)

    @strawberry.field(description="The dataset's newest OpenLineage dataset facets, as JSON text; null when none.")
    async def facets(self, info: Info) -> str | None:
        return (await self._record(info)).facets

    @strawberry.field
    async def latest_version(self, info: Info) -> DatasetVersion | None:
        return DatasetVersion.maybe(await info.context.loaders.latest_dataset_version.load(self.name))

    @strawberry.field
    async def versions(self, info: Info, first: int | None = 20, after: str | None = None) -> DatasetVersionConnection:
        page = await info.context.loaders.dataset_versions.load((self.name, 20 if first is None else first, after))
        return connection(page, DatasetVersion.from_record)


@strawberry.type
class DatasetVersion(Node):
    record: strawberry.Private[DatasetVersionRecord]
    version: int = strawberry.field(description="1, 2, 3... per dataset, allocated by the server.")
    digest: str = strawberry.field(
        description="Content hash of the data, e.g. sha256:... Unique per dataset: registering the same digest "
        "again returns the same version."
    )
    uri: str | None
    row_count: float | None
    created_at: datetime
    deleted: bool = strawberry.field(description="Soft-deleted versions leave listings but stay in lineage.")

    @classmethod
    def from_record(cls, record: DatasetVersionRecord) -> DatasetVersion:
        return cls(
            id=strawberry.ID(ids.global_id("DatasetVersion", record.dataset, record.version)),
            record=record,
            version=record.version,
            digest=record.digest,
            uri=record.uri,
            row_count=record.row_count,
            created_at=record.created_at,
            deleted=record.deleted,
        )

    @classmethod
    def maybe(cls, record: DatasetVersionRecord | None) -> DatasetVersion | None:
        return None if record is None else cls.from_record(record)

    @strawberry.field
    def dataset(self) -> Dataset:
        return Dataset.named(self.record.dataset)

    @strawberry.field(
        description="Columns and their types, when the producer reported them (OpenLineage schema facet); "
        "nested fields follow their parent, named by their dotted path (address.city); empty when unknown."
    )
    def schema(self) -> list[SchemaField]:
        fields = schema_fields(self.record.known_facets)
        return [SchemaField(name=name, type=type_, description=text) for name, type_, text in fields]

    @strawberry.field(
        description="OpenLineage facets of this version as JSON text: as the run that produced it wrote it "
        "(dataset and output facets), or else as a run read it; null when none."
    )
    def facets(self) -> str | None:
        return self.record.known_facets

    @strawberry.field(description="Dataset versions this one was built from.")
    async def derived_from(self, info: Info) -> list[DatasetVersion]:
        links = await info.context.loaders.dataset_version_links.load(self.record.key)
        return [DatasetVersion.from_record(record) for record in links.derived_from]

    @strawberry.field(description="Dataset versions built from this one.")
    async def derivatives(self, info: Info) -> list[DatasetVersion]:
        links = await info.context.loaders.dataset_version_links.load(self.record.key)
        return [DatasetVersion.from_record(record) for record in links.derivatives]

    @strawberry.field(description="The run that produced this dataset version, if recorded.")
    async def produced_by(self, info: Info) -> Annotated[Run, strawberry.lazy(_RUNS)] | None:
        return await info.context.links.dataset_version_produced_by(info, self.record.key)

    @strawberry.field(description="Runs that used this dataset version as an input.")
    async def used_by(self, info: Info) -> list[Annotated[Run, strawberry.lazy(_RUNS)]]:
        return await info.context.links.dataset_version_used_by(info, self.record.key)

    @strawberry.field(
        description="Model versions downstream of this dataset version, through any chain of derived datasets, "
        "runs and base models, up to depth hops. Filtered to a stage and/or an alias when given. The impact "
        'question: "what must be retrained if this data is bad?"'
    )
    async def impacted_models(
        self, info: Info, stage: Stage | None = None, alias: str | None = None, depth: int | None = 10
    ) -> list[ModelVersion]:
        key = (self.record.dataset, self.record.version, stage, alias, 10 if depth is None else depth)
        return [ModelVersion.from_record(hit.version) for hit in await info.context.loaders.impacted.load(key)]

    @strawberry.field
    async def lineage(
        self,
        info: Info,
        direction: Direction | None = Direction.UPSTREAM,
        depth: int | None = 5,
        kinds: list[NodeKind] | None = None,
    ) -> Annotated[LineageGraph, strawberry.lazy(_LINEAGE)]:
        key = [self.record.dataset, self.record.version]
        return await info.context.links.walk(info, "DatasetVersion", key, direction, depth, kinds)


DatasetVersionConnection = Connection[DatasetVersion]
