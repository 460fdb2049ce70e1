import { Background, Controls, MiniMap, Panel, ReactFlow, useReactFlow, type NodeMouseHandler } from '@xyflow/react';
import { useEffect, useMemo, useState } from 'react';
import { download, downloadText, exportImage } from './exporting';
import { GraphNode } from './GraphNode';
import { kindStyle, KIND_STYLE } from './kinds';
import { layoutGraph, type FlowNode } from './layout';
import { MermaidDialog } from './MermaidDialog';
import type { LineageGraph as Graph, NodeKind } from './types';

const NODE_TYPES = { lineage: GraphNode };

interface Props {
  graph: Graph;
  path: string[];
  fileStem: string;
  onRecentre: (id: string) => void;
}

/** The lineage graph of the current root, laid out by dagre and drawn by React Flow. */
export function LineageGraph({ graph, path, fileStem, onRecentre }: Props) {
  const { nodes, edges } = useMemo(() => layoutGraph(graph, path), [graph, path]);
  // Open on the root and its neighbours at a readable zoom (the rest is a pan away, and in the
  // minimap), rather than the whole graph shrunk until its labels cannot be read.
  const fitOptions = useMemo(
    () => ({
      nodes: nodes.filter((node) => node.data.lineage.depth <= 1).map((node) => ({ id: node.id })),
      minZoom: 0.6,
      maxZoom: 1.1,
      padding: 0.1,
    }),
    [nodes],
  );
  const flow = useReactFlow<FlowNode>();
  const [mermaidOpen, setMermaidOpen] = useState(false);
  const [exportError, setExportError] = useState<string | null>(null);

  // A new graph opens on its root and neighbours; a highlighted impact path is brought into view.
  useEffect(() => {
    const onPath = nodes.filter((node) => node.data.onPath).map((node) => ({ id: node.id }));
    const frame = window.requestAnimationFrame(() =>
      flow.fitView(onPath.length ? { nodes: onPath, padding: 0.3, maxZoom: 1 } : fitOptions),
    );
    return () => window.cancelAnimationFrame(frame);
  }, [flow, nodes, fitOptions]);

  const onNodeClick: NodeMouseHandler<FlowNode> = (_event, node) => {
    if (node.id !== graph.root.id) onRecentre(node.id);
  };

  async function saveImage(format: 'png' | 'svg') {
    setExportError(null);
    try {
      download(await exportImage(flow.getNodes(), format), `${fileStem}.${format}`);
    } catch (error) {
      setExportError(`Export failed: ${String(error)}`);
    }
  }

  const kindsShown = new Set(graph.nodes.map((entry) => entry.kind));
  return (
    <div className="graph-panel">
      <div className="graph-toolbar">
        <span className="graph-count" data-testid="graph-count">
          {graph.nodes.length} nodes · {graph.edges.length} edges
          {graph.truncated && <span className="graph-truncated"> · more beyond this depth</span>}
        </span>
        <span className="graph-exports">
          <button type="button" onClick={() => saveImage('png')}>
            PNG
          </button>
          <button type="button" onClick={() => saveImage('svg')}>
            SVG
          </button>
          <button type="button" onClick={() => setMermaidOpen(true)}>
            Mermaid
          </button>
          <button type="button" onClick={() => downloadText(graph.dot, `${fileStem}.dot`, 'text/vnd.graphviz')}>
            DOT
          </button>
        </span>
      </div>
      {exportError && <div className="error">{exportError}</div>}
      <div className="graph-canvas" data-testid="lineage-graph">
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodeTypes={NODE_TYPES}
          onNodeClick={onNodeClick}
          nodesDraggable={false}
          nodesConnectable={false}
          edgesFocusable={false}
          minZoom={0.1}
          fitView
          fitViewOptions={fitOptions}
        >
          <Background gap={24} size={1} />
          <Panel position="top-left" className="graph-legend">
            {(Object.keys(KIND_STYLE) as NodeKind[])
              .filter((kind) => kindsShown.has(kind))
              .map((kind) => (
                <span key={kind} className="legend-item">
                  <span className="legend-swatch" style={{ background: kindStyle(kind).color }} />
                  {kindStyle(kind).name}
                </span>
              ))}
          </Panel>
          <Controls showInteractive={false} />
          <MiniMap
            pannable
            zoomable
            style={{ width: 160, height: 100 }}
            nodeColor={(node) => kindStyle((node as FlowNode).data.lineage.kind).color}
          />
        </ReactFlow>
      </div>
      {mermaidOpen && <MermaidDialog text={graph.mermaid} fileStem={fileStem} onClose={() => setMermaidOpen(false)} />}
    </div>
  );
}
