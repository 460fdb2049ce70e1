import type { NodeKind } from './types';

/** One colour per node kind, shared by the graph, its legend and the details panel. */
export const KIND_STYLE: Record<NodeKind, { color: string; name: string }> = {
  MODEL: { color: '#7c3aed', name: 'Model' },
  MODEL_VERSION: { color: '#2563eb', name: 'Model version' },
  DATASET: { color: '#c2410c', name: 'Dataset' },
  DATASET_VERSION: { color: '#d97706', name: 'Dataset version' },
  EXPERIMENT: { color: '#0d9488', name: 'Experiment' },
  RUN: { color: '#16a34a', name: 'Run' },
  COMMIT: { color: '#475569', name: 'Commit' },
  PACKAGE: { color: '#be185d', name: 'Package' },
  JOB: { color: '#4d7c0f', name: 'Pipeline job' },
};

export function kindStyle(kind: string): { color: string; name: string } {
  return KIND_STYLE[kind as NodeKind] ?? { color: '#64748b', name: kind };
}
