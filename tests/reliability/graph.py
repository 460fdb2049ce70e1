"""A whole-graph snapshot, read through the backup export, to check invariants and compare graphs."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from graph_registry.services.backup import BackupService
from graph_registry.storage.database import Database


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    props: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.props[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.props.get(key, default)


@dataclass
class Graph:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)  # (type, source, target, props)
    outgoing: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def from_records(cls, records: Iterable[dict[str, Any]]) -> Graph:
        graph = cls()
        for record in records:
            if "node" in record:
                graph.nodes[record["node"]] = Node(record["node"], record["labels"][0], record["properties"])
            elif "relationship" in record:
                kind, source, target = record["relationship"], record["source"], record["target"]
                graph.edges.append((kind, source, target, record["properties"]))
                graph.outgoing[(source, kind)].append(target)
        return graph

    @classmethod
    async def read(cls, database: Database) -> Graph:
        return cls.from_records([record async for record in BackupService(database).records()])

    @classmethod
    async def settled(cls, database: Database, *, within: float = 600.0) -> Graph:
        """The graph once two reads in a row agree. The export reads page by page, so a write that lands
        meanwhile (a request the server still finishes for a client that vanished) can tear one read and
        show half of a transaction; two equal reads cannot both be torn by it. No sleep is long enough
        on a loaded machine; this waits for what happens instead."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        previous = await cls.read(database)
        while True:
            await asyncio.sleep(0.5)
            current = await cls.read(database)
            if previous.whole() and current.whole() and current.canonical() == previous.canonical():
                return current
            assert loop.time() < deadline, f"the graph was still changing after {within:.0f} s"
            previous = current

    @classmethod
    def load(cls, path: Path) -> Graph:
        return cls.from_records(orjson.loads(line) for line in path.read_bytes().splitlines())

    def whole(self) -> bool:
        """Every edge joins nodes of this read (a torn read can hold an edge to a node created after its
        node pages were read)."""
        return all(source in self.nodes and target in self.nodes for _, source, target, _ in self.edges)

    def labelled(self, label: str) -> list[Node]:
        return [node for node in self.nodes.values() if node.label == label]

    def follow(self, node: Node, kind: str) -> list[Node]:
        return [self.nodes[target] for target in self.outgoing.get((node.id, kind), [])]

    def canonical(self) -> tuple[Counter[str], Counter[str]]:
        """The graph without its element ids: nodes and edges as multisets of canonical JSON."""
        text = {
            node.id: orjson.dumps([node.label, node.props], option=orjson.OPT_SORT_KEYS).decode()
            for node in self.nodes.values()
        }
        nodes = Counter(text.values())
        edges = Counter(
            orjson.dumps([kind, text[source], text[target], props], option=orjson.OPT_SORT_KEYS).decode()
            for kind, source, target, props in self.edges
        )
        return nodes, edges

    def counts(self) -> dict[str, int]:
        found = Counter(node.label for node in self.nodes.values())
        found.update(f"-[:{kind}]->" for kind, *_ in self.edges)
        return dict(sorted(found.items()))
