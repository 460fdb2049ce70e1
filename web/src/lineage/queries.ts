// Every operation the lineage view sends: all through the public API at /graphql.
// Fields of the same name but different types on two node types are aliased
// (runName, packageVersion): GraphQL refuses to merge them.

export const PAGE_SIZE = 20;

export const MODELS = `
query Models($first: Int!, $after: String, $nameContains: String) {
  models(first: $first, after: $after, nameContains: $nameContains) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id name description productionVersion { version } latestVersion { version } } }
  }
}`;

const VERSION_ROW = `
fragment VersionRow on ModelVersion {
  id version stage aliases description createdAt deleted
  metrics { key value step }
  stageHistory { from to actor comment at }
  aliasHistory { alias actor from to }
}`;

export const MODEL = `
query Model($name: String!, $first: Int!) {
  model(name: $name) {
    id name description
    tags { key value }
    aliases { name version { version } }
    productionVersion { version }
    versions(first: $first) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { ...VersionRow } }
    }
  }
}
${VERSION_ROW}`;

export const MORE_VERSIONS = `
query MoreVersions($name: String!, $first: Int!, $after: String) {
  model(name: $name) {
    versions(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { ...VersionRow } }
    }
  }
}
${VERSION_ROW}`;

export const LINEAGE = `
query Lineage($id: ID!, $direction: LineageDirection!, $depth: Int!) {
  lineage(id: $id, direction: $direction, depth: $depth) {
    root { id }
    truncated
    mermaid
    dot
    nodes { depth kind label node { id ...NodeFacts } }
    edges { source target type }
  }
}

fragment NodeFacts on Node {
  __typename
  ... on Model { name description }
  ... on ModelVersion {
    version stage aliases description createdAt deleted model { name } metrics { key value }
    vulnerabilities { advisory { osvId severity } package { name packageVersion: version } }
  }
  ... on Dataset { name description }
  ... on DatasetVersion { version digest uri rowCount createdAt dataset { name } }
  ... on Experiment { name }
  ... on Run { runId runName: name status startedAt endedAt errorMessage job { namespace name } params { key value } metrics { key value } }
  ... on Job { namespace jobName: name }
  ... on Commit { repo sha branch author message committedAt }
  ... on Package { name packageVersion: version }
}`;

export const IMPACT = `
query Impact($datasetVersion: DatasetVersionRef!, $stage: Stage) {
  impact(datasetVersion: $datasetVersion, stage: $stage) {
    modelVersion { id version stage aliases model { name } }
    path { id }
  }
}`;

// Full-text search (typos of one letter still match), asked when no model name contains the text.
export const SEARCH_MODELS = `
query SearchModels($query: String!) {
  search(query: $query, kinds: [MODEL], first: 20) {
    highlight
    node { ... on Model { id name description productionVersion { version } latestVersion { version } } }
  }
}`;

const CARD_FIELDS = `summary intendedUse limitations ethicalConsiderations evaluation license updatedBy updatedAt`;

export const CARD = `
query Card($model: String!, $version: Int!) {
  modelVersion(model: $model, version: $version) { card { ${CARD_FIELDS} } }
}`;

export const UPDATE_CARD = `
mutation UpdateCard($model: String!, $version: Int!, $card: ModelCardInput!) {
  updateModelCard(model: $model, version: $version, card: $card) { ${CARD_FIELDS} }
}`;
