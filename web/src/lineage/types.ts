// The shapes the lineage view reads from the public GraphQL API.

export type Stage = 'NONE' | 'STAGING' | 'PRODUCTION' | 'ARCHIVED';
export type Direction = 'UPSTREAM' | 'DOWNSTREAM' | 'BOTH';
export type NodeKind =
  | 'MODEL'
  | 'MODEL_VERSION'
  | 'DATASET'
  | 'DATASET_VERSION'
  | 'EXPERIMENT'
  | 'RUN'
  | 'COMMIT'
  | 'PACKAGE'
  | 'JOB';

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface Connection<T> {
  totalCount: number;
  pageInfo: PageInfo;
  edges: { node: T }[];
}

export interface ModelSummary {
  id: string;
  name: string;
  description: string | null;
  productionVersion: { version: number } | null;
  latestVersion: { version: number } | null;
}

export interface Metric {
  key: string;
  value: number;
  step?: number | null;
}

export interface StageTransition {
  from: Stage;
  to: Stage;
  actor: string;
  comment: string | null;
  at: string;
}

export interface AliasAssignment {
  alias: string;
  actor: string;
  from: string;
  to: string | null;
}

export interface VersionRow {
  id: string;
  version: number;
  stage: Stage;
  aliases: string[];
  description: string | null;
  createdAt: string;
  deleted: boolean;
  metrics: Metric[];
  stageHistory: StageTransition[];
  aliasHistory: AliasAssignment[];
}

export interface ModelDetail {
  id: string;
  name: string;
  description: string | null;
  tags: { key: string; value: string }[];
  aliases: { name: string; version: { version: number } }[];
  productionVersion: { version: number } | null;
  versions: Connection<VersionRow>;
}

/** What the API says about one node of a lineage graph; which fields are set depends on __typename. */
export interface NodeFacts {
  id: string;
  __typename: string;
  [field: string]: unknown;
}

export interface LineageNode {
  depth: number;
  kind: NodeKind;
  label: string;
  node: NodeFacts;
}

export interface LineageEdge {
  source: string;
  target: string;
  type: string;
}

export interface LineageGraph {
  root: { id: string };
  nodes: LineageNode[];
  edges: LineageEdge[];
  truncated: boolean;
  mermaid: string;
  dot: string;
}

export interface ImpactHit {
  modelVersion: { id: string; version: number; stage: Stage; aliases: string[]; model: { name: string } };
  path: { id: string }[];
}

export interface ModelCard {
  summary: string | null;
  intendedUse: string | null;
  limitations: string | null;
  ethicalConsiderations: string | null;
  evaluation: string | null;
  license: string | null;
  updatedBy: string | null;
  updatedAt: string | null;
}

export interface VulnerabilityFact {
  advisory: { osvId: string; severity: string | null };
  package: { name: string; packageVersion: string };
}
