"""A lineage graph as text pictures: a Mermaid flowchart and Graphviz DOT. Pure functions.

Node identifiers are generated (n0, n1, ...), never taken from data; labels are
escaped for each syntax, so any name renders and nothing in a label can break
out of it.
"""

from __future__ import annotations

from graph_registry.domain.lineage import LineageGraph, NodeKind, Ref
from graph_registry.domain.lineage_labels import flow_label

# Mermaid shapes per kind: (opening, closing) around the quoted label.
_MERMAID_SHAPES = {
    NodeKind.MODEL: ("[[", "]]"),
    NodeKind.MODEL_VERSION: ("[", "]"),
    NodeKind.DATASET: ("[(", ")]"),
    NodeKind.DATASET_VERSION: ("[(", ")]"),
    NodeKind.EXPERIMENT: ("[[", "]]"),
    NodeKind.RUN: ("([", "])"),
    NodeKind.COMMIT: ("{{", "}}"),
    NodeKind.PACKAGE: ("[/", "/]"),
    NodeKind.JOB: ("[\\", "/]"),
}
_DOT_SHAPES = {
    NodeKind.MODEL: "box3d",
    NodeKind.MODEL_VERSION: "box",
    NodeKind.DATASET: "folder",
    NodeKind.DATASET_VERSION: "cylinder",
    NodeKind.EXPERIMENT: "tab",
    NodeKind.RUN: "ellipse",
    NodeKind.COMMIT: "hexagon",
    NodeKind.PACKAGE: "component",
    NodeKind.JOB: "cds",
}
# Mermaid reads entity codes (#quot; #35;) inside quoted labels; these characters need one.
_MERMAID_ESCAPES = {
    "#": "#35;",
    '"': "#quot;",
    "<": "#lt;",
    ">": "#gt;",
    "&": "#amp;",
    "`": "#96;",
    "|": "#124;",
    "\\": "#92;",
}


def mermaid_label(text: str) -> str:
    escaped = "".join(_MERMAID_ESCAPES.get(char, char) for char in text)
    return " ".join(escaped.split())


def dot_label(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return " ".join(escaped.split())


def _edge_label(relationship: str) -> str:
    # Relationship types come from a fixed set in code; keep the words to safe characters regardless.
    return "".join(char for char in flow_label(relationship) if char.isalnum() or char in " -_")


def _names(graph: LineageGraph) -> dict[Ref, str]:
    return {node.entity.ref: f"n{index}" for index, node in enumerate(graph.nodes)}


def to_mermaid(graph: LineageGraph) -> str:
    """A left-to-right flowchart: data flows along the arrows, and their labels read that way."""
    names = _names(graph)
    lines = ["flowchart LR"]
    for node in graph.nodes:
        opening, closing = _MERMAID_SHAPES[node.entity.kind]
        lines.append(f'  {names[node.entity.ref]}{opening}"{mermaid_label(node.entity.label)}"{closing}')
    for edge in graph.edges:
        lines.append(f'  {names[edge.source]} -->|"{_edge_label(edge.type)}"| {names[edge.target]}')
    root = names.get(graph.root.ref)
    if root is not None:
        lines.append(f"  style {root} stroke-width:3px")
    return "\n".join(lines) + "\n"


def to_dot(graph: LineageGraph) -> str:
    names = _names(graph)
    lines = ["digraph lineage {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    for node in graph.nodes:
        width = ", penwidth=3" if node.entity.ref == graph.root.ref else ""
        lines.append(
            f'  {names[node.entity.ref]} [label="{dot_label(node.entity.label)}", '
            f"shape={_DOT_SHAPES[node.entity.kind]}{width}];"
        )
    for edge in graph.edges:
        lines.append(f'  {names[edge.source]} -> {names[edge.target]} [label="{_edge_label(edge.type)}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"
