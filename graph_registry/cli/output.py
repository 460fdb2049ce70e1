"""How the CLI shows things: rich tables and trees for people, JSON for scripts."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import Any

import orjson
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from graph_registry.client.types import (
    DatasetVersion,
    ImpactHit,
    LineageGraph,
    Model,
    ModelEvent,
    ModelVersion,
    ProvenanceDiff,
    ValueChange,
)
from graph_registry.domain.lineage_labels import flow_label, upstream_label

stdout = Console(highlight=False)
STAGE_STYLE = {"PRODUCTION": "bold green", "STAGING": "yellow", "ARCHIVED": "dim", "NONE": ""}


def plain(value: Any) -> Any:
    """Dataclasses, enums and times as JSON-ready values (private fields left out)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value) if not f.name.startswith("_")}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def print_json(value: Any) -> None:
    print(orjson.dumps(plain(value), option=orjson.OPT_INDENT_2).decode())


def _when(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S") if value else ""


def stage_text(stage: str) -> str:
    style = STAGE_STYLE.get(stage, "")
    return f"[{style}]{stage}[/{style}]" if style else stage


def _identity(table: Table, header: str, values: Sequence[str]) -> None:
    """The column that says which row is which: never shortened, whatever the terminal's width."""
    table.add_column(header, no_wrap=True, min_width=max([len(header), *map(len, values)]))


def models_table(models: Sequence[Model]) -> Table:
    table = Table(title="models")
    _identity(table, "model", [model.name for model in models])
    for header in ("latest", "production", "aliases", "created", "description"):
        table.add_column(header, overflow="fold")
    for model in models:
        table.add_row(
            escape(model.name),
            str(model.latest_version or ""),
            str(model.production_version or ""),
            escape(", ".join(f"{alias}→v{version}" for alias, version in sorted(model.aliases.items()))),
            _when(model.created_at),
            escape(model.description or ""),
        )
    return table


def versions_table(name: str, versions: Sequence[ModelVersion]) -> Table:
    table = Table("version", "stage", "aliases", "created", "artifact", "run", "metrics", title=escape(name))
    for version in versions:
        table.add_row(
            str(version.version),
            stage_text(version.stage.value),
            escape(", ".join(version.aliases)),
            _when(version.created_at),
            version.artifact.status if version.artifact else "",
            (version.run_id or "")[:8],
            escape(", ".join(f"{key}={value:g}" for key, value in version.metric_values.items())),
        )
    return table


def version_details(version: ModelVersion, trained_on: Sequence[DatasetVersion]) -> Table:
    table = Table(show_header=False, title=f"{escape(version.model)} v{version.version}", title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    rows: list[tuple[str, str]] = [
        ("stage", stage_text(version.stage.value) + (" [red](deleted)[/red]" if version.deleted else "")),
        ("aliases", escape(", ".join(version.aliases) or "-")),
        ("created", _when(version.created_at)),
        ("description", escape(version.description or "-")),
    ]
    if version.artifact:
        artifact = version.artifact
        rows.append(("artifact", f"{artifact.status} {artifact.size_bytes} bytes sha256:{artifact.sha256[:12]}"))
        rows.append(("", escape(artifact.uri)))
    rows.append(("run", version.run_id or "-"))
    if version.commit:
        branch = f" ({version.commit.branch})" if version.commit.branch else ""
        rows.append(("commit", escape(f"{version.commit.repo}@{version.commit.sha[:12]}{branch}")))
    rows.append(("trained on", escape(", ".join(f"{d} ({d.digest[:19]})" for d in trained_on) or "-")))
    if version.base_model:
        rows.append(("base model", escape(str(version.base_model))))
    metrics = ", ".join(f"{key}={value:g}" for key, value in version.metric_values.items())
    rows.append(("metrics", escape(metrics or "-")))
    rows.append(("tags", escape(", ".join(f"{k}={v}" for k, v in version.tags.items()) or "-")))
    rows.append(("packages", escape(", ".join(version.packages[:8]) + (" ..." if len(version.packages) > 8 else ""))))
    for key, value in rows:
        table.add_row(key, value)
    return table


def lineage_tree(graph: LineageGraph, *, upstream: bool) -> Tree:
    """The graph as a tree from the root: what fed each node (upstream) or what it fed (downstream)."""
    following: dict[str, list[tuple[str, str]]] = {}
    for edge in graph.edges:
        if upstream:
            following.setdefault(edge.target, []).append((edge.source, upstream_label(edge.type)))
        else:
            following.setdefault(edge.source, []).append((edge.target, flow_label(edge.type)))

    def label(node_id: str, relation: str | None) -> str:
        node = graph.node(node_id)
        prefix = f"[dim]{relation}[/dim] " if relation else ""
        return f"{prefix}[bold]{node.kind}[/bold] {escape(node.label)}"

    root = Tree(label(graph.root, None))
    shown = {graph.root}

    def grow(tree: Tree, node_id: str) -> None:
        for child, relation in sorted(following.get(node_id, []), key=lambda pair: graph.node(pair[0]).label):
            if child in shown:
                tree.add(label(child, relation) + " [dim](above)[/dim]")
                continue
            shown.add(child)
            grow(tree.add(label(child, relation)), child)

    grow(root, graph.root)
    if graph.truncated:
        root.add("[dim]... more beyond --depth[/dim]")
    return root


def impact_table(hits: Sequence[ImpactHit], *, ids: bool = False) -> Table:
    """Each impacted version with the path that explains it; runs by name (`ids`: with their ids too)."""
    table = Table(title="impacted model versions")
    _identity(table, "model version", [str(hit.model_version.key) for hit in hits])
    for header in ("stage", "aliases", "why (path from the dataset)"):
        table.add_column(header, overflow="fold")
    for hit in hits:
        version = hit.model_version
        steps = [f"{step.label} ({step.run_id})" if ids and step.run_id else step.label for step in hit.path]
        table.add_row(
            escape(str(version.key)),
            stage_text(version.stage.value),
            escape(", ".join(version.aliases)),
            escape(" → ".join(steps)),
        )
    return table


def _changes_rows(table: Table, section: str, changes: Sequence[ValueChange]) -> None:
    for change in changes:
        table.add_row(section, escape(change.key), escape(change.a or "-"), escape(change.b or "-"))


def diff_table(diff: ProvenanceDiff) -> Table:
    table = Table("what", "key", escape(str(diff.a.key)), escape(str(diff.b.key)), title="provenance diff")
    for dataset in diff.datasets_removed:
        table.add_row("dataset", escape(dataset.dataset), escape(str(dataset)), "-")
    for dataset in diff.datasets_added:
        table.add_row("dataset", escape(dataset.dataset), "-", escape(str(dataset)))
    sha_a = diff.commit_a.sha[:12] if diff.commit_a else "-"
    sha_b = diff.commit_b.sha[:12] if diff.commit_b else "-"
    if sha_a != sha_b:
        table.add_row("commit", "", sha_a, sha_b)
    _changes_rows(table, "param", diff.param_changes)
    _changes_rows(table, "metric", diff.metric_changes)
    _changes_rows(table, "package", diff.package_changes)
    if diff.base_model_changed:
        table.add_row("base model", "", escape(str(diff.a.base_model or "-")), escape(str(diff.b.base_model or "-")))
    return table


def event_line(event: ModelEvent) -> str:
    detail = f" {escape(event.detail)}" if event.detail else ""
    return (
        f"[dim]{_when(event.at)}[/dim] [bold]{event.type}[/bold] {escape(event.model)}:{event.version}"
        f"{detail} [dim]by {escape(event.actor)}[/dim]"
    )
