import { Graph, layout } from '@dagrejs/dagre';
import { MarkerType, Position, type Edge, type Node } from '@xyflow/react';
import { flowLabel } from './edgeLabels';
import type { LineageGraph, LineageNode } from './types';

export const NODE_WIDTH = 232;
export const NODE_HEIGHT = 76;

export interface NodeData extends Record<string, unknown> {
  lineage: LineageNode;
  isRoot: boolean;
  onPath: boolean;
}

export type FlowNode = Node<NodeData, 'lineage'>;

/** Consecutive pairs of an impact path, either way round, as `a|b` keys. */
function pathPairs(path: string[]): Set<string> {
  const pairs = new Set<string>();
  for (let i = 1; i < path.length; i += 1) {
    pairs.add(`${path[i - 1]}|${path[i]}`);
    pairs.add(`${path[i]}|${path[i - 1]}`);
  }
  return pairs;
}

/**
 * Positions the lineage graph with dagre, data flowing left to right
 * (sources on the left), and marks the root and an impact path.
 */
export function layoutGraph(graph: LineageGraph, path: string[] = []): { nodes: FlowNode[]; edges: Edge[] } {
  const dagreGraph = new Graph({ multigraph: true });
  dagreGraph.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 96, marginx: 16, marginy: 16 });
  dagreGraph.setDefaultEdgeLabel(() => ({}));
  const known = new Set(graph.nodes.map((entry) => entry.node.id));
  for (const entry of graph.nodes) {
    dagreGraph.setNode(entry.node.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  }
  const edges = graph.edges.filter((edge) => known.has(edge.source) && known.has(edge.target));
  edges.forEach((edge, index) => dagreGraph.setEdge(edge.source, edge.target, {}, `${edge.type}-${index}`));
  layout(dagreGraph);

  const onPath = new Set(path);
  const pairs = pathPairs(path);
  const nodes: FlowNode[] = graph.nodes.map((entry) => {
    const placed = dagreGraph.node(entry.node.id);
    return {
      id: entry.node.id,
      type: 'lineage',
      position: { x: placed.x - NODE_WIDTH / 2, y: placed.y - NODE_HEIGHT / 2 },
      // Fixed sizes: the minimap and image export need them before (and without) measuring.
      width: NODE_WIDTH,
      height: NODE_HEIGHT,
      sourcePosition: Position.Right,
      targetPosition: Position.Left,
      data: { lineage: entry, isRoot: entry.node.id === graph.root.id, onPath: onPath.has(entry.node.id) },
    };
  });
  const flowEdges: Edge[] = edges.map((edge, index) => {
    const highlighted = pairs.has(`${edge.source}|${edge.target}`);
    return {
      id: `${edge.source}-${edge.type}-${edge.target}-${index}`,
      source: edge.source,
      target: edge.target,
      label: flowLabel(edge.type),
      labelBgPadding: [4, 2],
      labelBgBorderRadius: 3,
      className: highlighted ? 'edge-on-path' : undefined,
      animated: highlighted,
      markerEnd: { type: MarkerType.ArrowClosed },
      data: { type: edge.type },
    };
  });
  return { nodes, edges: flowEdges };
}
