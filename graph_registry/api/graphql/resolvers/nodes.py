"""`Query.node(id)`: global IDs back to objects."""

from __future__ import annotations

from typing import Any

from graph_registry.api.graphql import ids
from graph_registry.api.graphql.context import Info
from graph_registry.api.graphql.types.common import Node
from graph_registry.api.graphql.types.datasets import Dataset, DatasetVersion
from graph_registry.api.graphql.types.models import Model, ModelVersion
from graph_registry.api.graphql.types.runs import Commit, Experiment, Job, Package, Run


async def resolve_node(info: Info, token: str) -> Node | None:
    kind, key = ids.parse_global_id(token)
    loaders = info.context.loaders
    match kind, key:
        case "Model", [str(name)]:
            model = await loaders.model.load(name)
            return None if model is None else Model.from_record(model)
        case "ModelVersion", [str(name), int(number)]:
            return ModelVersion.maybe(await loaders.version.load((name, number)))
    return await resolve_lineage_node(info, kind, key)


async def resolve_lineage_node(info: Info, kind: str, key: list[Any]) -> Node | None:
    """`Query.node(id)` for the lineage kinds; None for an unknown kind or a missing object."""
    loaders = info.context.loaders
    match kind, key:
        case "Dataset", [str(name)]:
            dataset = await loaders.dataset.load(name)
            return None if dataset is None else Dataset.from_record(dataset)
        case "DatasetVersion", [str(name), int(number)]:
            return DatasetVersion.maybe(await loaders.dataset_version.load((name, number)))
        case "Experiment", [str(name)]:
            experiment = await loaders.experiment.load(name)
            return None if experiment is None else Experiment.from_record(experiment)
        case "Run", [str(run_id)]:
            return Run.maybe(await loaders.run.load(run_id))
        case "Commit", [str(repo), str(sha)]:
            return Commit.maybe(await loaders.commit.load((repo, sha)))
        case "Package", [str(name), str(version)]:
            found = await info.context.services.runs.packages_by_key([(name, version)])
            return Package.maybe(found.get((name, version)))
        case "Job", [str(namespace), str(name)]:
            return Job.maybe(await loaders.job.load((namespace, name)))
    return None
