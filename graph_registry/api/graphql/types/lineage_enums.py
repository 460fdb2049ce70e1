"""The lineage enums, registered with Strawberry once (NodeKind gains PACKAGE beyond the contract)."""

from __future__ import annotations

import strawberry

from graph_registry.domain.lineage import Direction, NodeKind

__all__ = ["Direction", "NodeKind"]

strawberry.enum(Direction, name="LineageDirection")
strawberry.enum(NodeKind)
