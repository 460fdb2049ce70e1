"""Mermaid and DOT rendering: pure, so tested without a database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from graph_registry.domain.lineage import LineageEdge, LineageEntity, LineageGraph, LineageNode, NodeKind
from graph_registry.domain.lineage_labels import flow_label, upstream_label
from graph_registry.domain.lineage_render import dot_label, mermaid_label, to_dot, to_mermaid
from graph_registry.domain.records import CommitRecord, DatasetRecord

pytestmark = pytest.mark.unit

NOW = datetime(2024, 1, 1, tzinfo=UTC)


def entity(key: str, kind: NodeKind, label: str) -> LineageEntity:
    record = DatasetRecord(name=label, description=None, created_at=NOW)
    if kind is NodeKind.COMMIT:
        commit = CommitRecord("r", label, None, None, None, None)
        return LineageEntity(type_name="Commit", key=("r", key), kind=kind, label=label, record=commit)
    return LineageEntity(type_name="Dataset", key=(key,), kind=kind, label=label, record=record)


def graph() -> LineageGraph:
    hostile = entity("b", NodeKind.DATASET, 'x"]; click n0 "javascript:alert(1)" <b>#1</b> | `y` \\')
    root = entity("a", NodeKind.COMMIT, "a1b2c3d")
    return LineageGraph(
        root=root,
        nodes=(LineageNode(root, 0), LineageNode(hostile, 1)),
        edges=(LineageEdge(source=root.ref, target=hostile.ref, type="RAN"),),
        truncated=False,
    )


def test_mermaid_labels_cannot_break_out() -> None:
    text = to_mermaid(graph())
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    assert lines[1] == '  n0{{"a1b2c3d"}}'
    hostile = lines[2]
    assert hostile.startswith('  n1[("') and hostile.endswith('")]')
    inner = hostile[len('  n1[("') : -len('")]')]
    assert not any(char in inner for char in '"<>|`\\')
    assert "#quot;" in inner and "#lt;b#gt;" in inner and "#35;1" in inner
    assert lines[3] == '  n0 -->|"ran in"| n1'
    assert lines[4] == "  style n0 stroke-width:3px"


def test_dot_labels_are_escaped() -> None:
    text = to_dot(graph())
    assert text.startswith("digraph lineage {\n") and text.endswith("}\n")
    assert 'n1 [label="x\\"]; click n0 \\"javascript:alert(1)\\" <b>#1</b> | `y` \\\\", shape=folder];' in text
    assert '  n0 -> n1 [label="ran in"];' in text
    assert dot_label("a\nb") == "a b"


def test_newlines_and_entities_in_mermaid() -> None:
    assert mermaid_label("a\n b&c") == "a b#amp;c"


def test_edge_labels_read_in_the_drawn_direction() -> None:
    """Arrows run with the data (commit -> run -> version), so their words do too."""
    assert [flow_label(t) for t in ("USED", "PRODUCED_BY", "DERIVED_FROM", "FINE_TUNED_FROM", "RAN")] == [
        "used by",
        "produced",
        "derived into",
        "fine-tuned into",
        "ran in",
    ]
    assert [upstream_label(t) for t in ("PRODUCED_BY", "USED")] == ["produced by", "used"]
