"""Lineage answers: graphs (with Mermaid and DOT pictures), impact hits, diffs and gaps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import strawberry

from graph_registry.api.graphql import ids
from graph_registry.api.graphql.types.common import Node
from graph_registry.api.graphql.types.datasets import Dataset, DatasetVersion
from graph_registry.api.graphql.types.lineage_enums import NodeKind
from graph_registry.api.graphql.types.models import Model, ModelVersion
from graph_registry.api.graphql.types.runs import Commit, Experiment, Job, Package, Run
from graph_registry.domain import lineage as model
from graph_registry.domain import lineage_render
from graph_registry.domain.records import (
    CommitRecord,
    DatasetRecord,
    DatasetVersionRecord,
    ExperimentRecord,
    JobRecord,
    ModelRecord,
    PackageRecord,
    RunRecord,
    VersionRecord,
)
from graph_registry.services import provenance


def to_node(entity: model.LineageEntity) -> Node:
    record: Any = entity.record
    match record:
        case VersionRecord():
            return ModelVersion.from_record(record)
        case ModelRecord():
            return Model.from_record(record)
        case DatasetVersionRecord():
            return DatasetVersion.from_record(record)
        case DatasetRecord():
            return Dataset.from_record(record)
        case RunRecord():
            return Run.from_record(record)
        case ExperimentRecord():
            return Experiment.from_record(record)
        case CommitRecord():
            return Commit.from_record(record)
        case PackageRecord():
            return Package.from_record(record)
        case JobRecord():
            return Job.from_record(record)
    raise TypeError(f"no GraphQL type for {type(record).__name__}")


@strawberry.type
class LineageNode:
    depth: int = strawberry.field(description="Hops from the root; the root itself is 0.")
    kind: NodeKind
    label: str = strawberry.field(
        description="Human label, e.g. fraud-detector v3, transactions v7 (sha256:ab12..), a1b2c3d."
    )
    node: Node


@strawberry.type
class LineageEdge:
    source: strawberry.ID = strawberry.field(
        description="Global IDs of the two ends, in the direction data flowed (source fed target)."
    )
    target: strawberry.ID
    type: str = strawberry.field(
        description="The stored relationship: USED, PRODUCED_BY, DERIVED_FROM, RAN, FINE_TUNED_FROM, REQUIRES, "
        "VERSION_OF, IN, RUN_OF (a run of an OpenLineage job), CHILD_OF (a run started by a parent run)."
    )


def _global_id(ref: model.Ref) -> strawberry.ID:
    return strawberry.ID(ids.global_id(ref[0], *ref[1]))


@strawberry.type
class LineageGraph:
    graph: strawberry.Private[model.LineageGraph]
    root: Node
    nodes: list[LineageNode]
    edges: list[LineageEdge]
    truncated: bool = strawberry.field(description="True when depth cut the walk short: there is more beyond.")

    @classmethod
    def from_record(cls, graph: model.LineageGraph) -> LineageGraph:
        return cls(
            graph=graph,
            root=to_node(graph.root),
            nodes=[
                LineageNode(depth=node.depth, kind=node.entity.kind, label=node.entity.label, node=to_node(node.entity))
                for node in graph.nodes
            ],
            edges=[
                LineageEdge(source=_global_id(edge.source), target=_global_id(edge.target), type=edge.type)
                for edge in graph.edges
            ],
            truncated=graph.truncated,
        )

    @strawberry.field(description="The same graph as a Mermaid flowchart, to paste into Markdown.")
    def mermaid(self) -> str:
        return lineage_render.to_mermaid(self.graph)

    @strawberry.field(description="The same graph in Graphviz DOT.")
    def dot(self) -> str:
        return lineage_render.to_dot(self.graph)


@strawberry.type
class ImpactHit:
    model_version: ModelVersion
    path: list[Node] = strawberry.field(
        description="One shortest chain of nodes from the queried node to the model version, both ends included: "
        "why it is affected."
    )

    @classmethod
    def from_record(cls, hit: model.ImpactHit) -> ImpactHit:
        return cls(model_version=ModelVersion.from_record(hit.version), path=[to_node(step) for step in hit.path])


@strawberry.type
class ValueChange:
    key: str
    a: str | None
    b: str | None


def _changes(changes: Sequence[provenance.ValueChange]) -> list[ValueChange]:
    return [ValueChange(key=change.key, a=change.a, b=change.b) for change in changes]


@strawberry.type
class ProvenanceDiff:
    a: ModelVersion
    b: ModelVersion
    datasets_added: list[DatasetVersion] = strawberry.field(
        description="Dataset versions b used that a did not, and the reverse."
    )
    datasets_removed: list[DatasetVersion]
    commit_a: Commit | None
    commit_b: Commit | None
    param_changes: list[ValueChange] = strawberry.field(
        description="Params whose value differs, appears or disappears (value null when absent)."
    )
    metric_changes: list[ValueChange]
    package_changes: list[ValueChange]
    base_model_changed: bool

    @classmethod
    def from_record(cls, diff: provenance.ProvenanceDiff) -> ProvenanceDiff:
        return cls(
            a=ModelVersion.from_record(diff.a),
            b=ModelVersion.from_record(diff.b),
            datasets_added=[DatasetVersion.from_record(record) for record in diff.datasets_added],
            datasets_removed=[DatasetVersion.from_record(record) for record in diff.datasets_removed],
            commit_a=Commit.maybe(diff.commit_a),
            commit_b=Commit.maybe(diff.commit_b),
            param_changes=_changes(diff.param_changes),
            metric_changes=_changes(diff.metric_changes),
            package_changes=_changes(diff.package_changes),
            base_model_changed=diff.base_model_changed,
        )


@strawberry.type
class ProvenanceGap:
    model_version: ModelVersion
    missing: list[str] = strawberry.field(
        description="What is missing: NO_DATASET, NO_COMMIT, NO_RUN, ARTIFACT_NOT_READY."
    )
