import { Handle, Position, type NodeProps } from '@xyflow/react';
import { kindStyle } from './kinds';
import type { FlowNode } from './layout';
import type { VulnerabilityFact } from './types';
import { StageBadge } from './StageBadge';

/** One lineage node: coloured by kind, with stage and alias badges on model versions. */
export function GraphNode({ data }: NodeProps<FlowNode>) {
  const { lineage, isRoot, onPath } = data;
  const style = kindStyle(lineage.kind);
  const facts = lineage.node;
  const stage = typeof facts.stage === 'string' ? facts.stage : null;
  const aliases = Array.isArray(facts.aliases) ? (facts.aliases as string[]) : [];
  const vulnerabilities = Array.isArray(facts.vulnerabilities) ? (facts.vulnerabilities as VulnerabilityFact[]) : [];
  const advisories = [...new Set(vulnerabilities.map((hit) => hit.advisory.osvId))];
  const classes = ['lineage-node', isRoot ? 'is-root' : '', onPath ? 'on-path' : '', stage === 'PRODUCTION' ? 'is-production' : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div
      className={classes}
      style={{ borderColor: style.color, ['--kind-color' as string]: style.color }}
      data-testid="lineage-node"
      data-kind={lineage.kind}
      data-root={isRoot || undefined}
      title={`${style.name}: ${lineage.label}`}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <div className="lineage-node-kind" style={{ color: style.color }}>
        {style.name}
        {lineage.depth > 0 && <span className="lineage-node-depth"> · {lineage.depth} hop{lineage.depth > 1 ? 's' : ''}</span>}
      </div>
      <div className="lineage-node-label" data-testid="lineage-node-label" title={lineage.label}>
        {lineage.label}
      </div>
      {(stage || aliases.length > 0 || advisories.length > 0) && (
        <div className="lineage-node-badges">
          {stage && stage !== 'NONE' && <StageBadge stage={stage} />}
          {aliases.map((alias) => (
            <span key={alias} className="badge badge-alias">
              @{alias}
            </span>
          ))}
          {advisories.length > 0 && (
            <span className="badge badge-vulnerable" data-testid="vulnerable" title={advisories.join(', ')}>
              {advisories.length} advisor{advisories.length === 1 ? 'y' : 'ies'}
            </span>
          )}
        </div>
      )}
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
}
