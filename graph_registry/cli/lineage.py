"""`graph-registry lineage`, `impact`, `diff`: provenance questions from the shell."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from graph_registry.cli import output
from graph_registry.cli.client_options import Json, Token, Url, connected
from graph_registry.cli.models import VersionRef
from graph_registry.client.refs import dataset_ref
from graph_registry.client.types import Stage


class Direction(StrEnum):
    UPSTREAM = "upstream"
    DOWNSTREAM = "downstream"
    BOTH = "both"


class Format(StrEnum):
    TREE = "tree"
    MERMAID = "mermaid"
    DOT = "dot"
    JSON = "json"


def checked_dataset(text: str) -> str:
    try:
        dataset_ref(text)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    return text


def lineage(
    ref: VersionRef,
    direction: Annotated[Direction, typer.Option(case_sensitive=False, help="Where to walk.")] = Direction.UPSTREAM,
    depth: Annotated[int, typer.Option(min=1, help="Hops from the version.")] = 5,
    format: Annotated[
        Format, typer.Option("--format", "-f", case_sensitive=False, help="How to print it.")
    ] = Format.TREE,
    kinds: Annotated[
        list[str] | None, typer.Option("--kind", help="Only these node kinds (repeat), e.g. DATASET_VERSION.")
    ] = None,
    url: Url = None,
    token: Token = None,
    json: Json = False,
) -> None:
    """The lineage of a model version, e.g. `lineage fraud@production --direction upstream --depth 5`."""
    with connected(url, token) as registry:
        graph = registry.lineage(ref, direction=direction.value, depth=depth, kinds=kinds)
    if json or format is Format.JSON:
        output.print_json(graph)
    elif format is Format.MERMAID:
        print(graph.mermaid)
    elif format is Format.DOT:
        print(graph.dot)
    elif direction is Direction.BOTH:
        output.stdout.print(output.lineage_tree(graph, upstream=True))
        output.stdout.print(output.lineage_tree(graph, upstream=False))
    else:
        output.stdout.print(output.lineage_tree(graph, upstream=direction is Direction.UPSTREAM))


def impact(
    dataset_version: Annotated[
        str, typer.Argument(callback=checked_dataset, help="DATASET:VERSION or DATASET@sha256:...")
    ],
    stage: Annotated[Stage | None, typer.Option(case_sensitive=False, help="Only versions in this stage.")] = None,
    alias: Annotated[str | None, typer.Option(help="Only versions holding this alias.")] = None,
    depth: Annotated[int, typer.Option(min=1, help="Hops to follow downstream.")] = 10,
    ids: Annotated[bool, typer.Option("--ids", help="Show run ids beside run names.")] = False,
    url: Url = None,
    token: Token = None,
    json: Json = False,
) -> None:
    """Model versions that must be retrained if this dataset version is bad, each with the reason."""
    with connected(url, token) as registry:
        hits = registry.impact(dataset_version, stage=stage, alias=alias, depth=depth)
    if json:
        output.print_json(hits)
    elif not hits:
        output.stdout.print(f"no model version depends on {dataset_version}")
    else:
        output.stdout.print(output.impact_table(hits, ids=ids))


def diff(
    a: Annotated[str, typer.Argument(help="MODEL:VERSION (or @ALIAS/@STAGE) to compare from.")],
    b: Annotated[str, typer.Argument(help="MODEL:VERSION to compare to.")],
    url: Url = None,
    token: Token = None,
    json: Json = False,
) -> None:
    """What changed in provenance between two versions: data, commit, params, metrics, packages."""
    with connected(url, token) as registry:
        changes = registry.diff(a, b)
    if json:
        output.print_json(changes)
    else:
        output.stdout.print(output.diff_table(changes))
