"""Root fields of pipeline lineage (OpenLineage): a job, a dataset by its source (merged in schema.py)."""

from __future__ import annotations

import strawberry

from graph_registry.api.graphql.context import Info
from graph_registry.api.graphql.types.datasets import Dataset
from graph_registry.api.graphql.types.runs import Job


@strawberry.type
class PipelineQueries:
    @strawberry.field(description="An OpenLineage job by its namespace and name.")
    async def job(self, info: Info, namespace: str, name: str) -> Job | None:
        return Job.maybe(await info.context.loaders.job.load((namespace, name)))

    @strawberry.field(description="The dataset recorded under an OpenLineage identity (namespace, name).")
    async def dataset_by_source(self, info: Info, namespace: str, name: str) -> Dataset | None:
        record = await info.context.services.openlineage.dataset_by_source(namespace=namespace, name=name)
        return None if record is None else Dataset.from_record(record)
