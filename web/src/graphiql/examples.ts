// The registry's provenance questions, preloaded as GraphiQL tabs and listed in
// the Examples panel. Variables point at the demo graph (`graph-registry demo`).

export interface Example {
  title: string;
  query: string;
  variables: Record<string, unknown>;
}

const json = (value: Record<string, unknown>): string => JSON.stringify(value, null, 2);

export const EXAMPLES: Example[] = [
  {
    title: 'Which data trained production?',
    query: `# Which data trained the production fraud model? Its direct training data,
# the code it ran, and the upstream chain of datasets behind them.
query WhichDataTrainedProduction($model: String!) {
  modelVersion(model: $model, stage: PRODUCTION) {
    version
    aliases
    trainedOn { dataset { name } version digest rowCount }
    commit { repo sha message }
    lineage(direction: UPSTREAM, depth: 6) {
      nodes { depth kind label }
      truncated
    }
  }
}
`,
    variables: { model: 'fraud-detector' },
  },
  {
    title: 'Impact of a dataset version',
    query: `# Which production models must be retrained if this dataset version is bad?
# Each hit carries the chain of nodes that explains it.
query ImpactOfDatasetVersion($datasetVersion: DatasetVersionRef!) {
  impact(datasetVersion: $datasetVersion, stage: PRODUCTION) {
    modelVersion { model { name } version stage aliases }
    path {
      __typename
      id
      ... on DatasetVersion { dataset { name } version }
      ... on Run { runId name }
      ... on ModelVersion { model { name } version }
    }
  }
}
`,
    variables: { datasetVersion: { dataset: 'transactions-raw', version: 1 } },
  },
  {
    title: 'Provenance diff',
    query: `# What changed in provenance between production and the staging candidate?
query ProvenanceDiff($a: ModelVersionRef!, $b: ModelVersionRef!) {
  provenanceDiff(a: $a, b: $b) {
    a { version stage }
    b { version stage }
    datasetsAdded { dataset { name } version digest }
    datasetsRemoved { dataset { name } version digest }
    commitA { sha message }
    commitB { sha message }
    paramChanges { key a b }
    metricChanges { key a b }
    packageChanges { key a b }
    baseModelChanged
  }
}
`,
    variables: { a: { model: 'fraud-detector', stage: 'PRODUCTION' }, b: { model: 'fraud-detector', stage: 'STAGING' } },
  },
  {
    title: 'Vulnerable packages',
    query: `# Which production models declare a package version inside a vulnerable range?
# spec is a PEP 440 specifier.
query VulnerablePackages($name: String!, $spec: String) {
  packageImpact(name: $name, spec: $spec, stage: PRODUCTION) {
    model { name }
    version
    aliases
    packages { name version }
  }
}
`,
    variables: { name: 'numpy', spec: '<2.0' },
  },
  {
    title: 'Models and their versions',
    query: `# Every model with its production version and aliases, a page at a time:
# pass pageInfo.endCursor as $after for the next page.
query ModelsAndVersions($after: String) {
  models(first: 20, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        name
        productionVersion { version aliases }
        latestVersion { version stage }
        aliases { name version { version } }
      }
    }
  }
}
`,
    variables: {},
  },
];

export const exampleTabs = EXAMPLES.map((example) => ({
  query: example.query,
  variables: Object.keys(example.variables).length ? json(example.variables) : undefined,
}));

export function exampleVariables(example: Example): string {
  return Object.keys(example.variables).length ? json(example.variables) : '';
}
