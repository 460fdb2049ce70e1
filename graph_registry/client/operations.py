"""The GraphQL documents the client sends, written against shared/contract/schema.graphql."""

from __future__ import annotations

COMMIT_FIELDS = """
fragment CommitFields on Commit { repo sha branch author message committedAt }
"""

DATASET_VERSION_FIELDS = """
fragment DatasetVersionFields on DatasetVersion {
  id version digest uri rowCount createdAt dataset { name }
}
"""

VERSION_FIELDS = (
    """
fragment VersionFields on ModelVersion {
  id version stage aliases description deleted createdAt
  model { name }
  tags { key value }
  metrics { key value step }
  artifact { uri sha256 sizeBytes status }
  producedBy { runId }
  commit { ...CommitFields }
  baseModel { version model { name } }
  packages { name version }
}
"""
    + COMMIT_FIELDS
)

MODEL_FIELDS = """
fragment ModelFields on Model {
  id name description createdAt
  tags { key value }
  latestVersion { version }
  productionVersion { version }
  aliases { name version { version } }
}
"""

RUN_FIELDS = (
    """
fragment RunFields on Run {
  id runId name status startedAt endedAt
  experiment { name }
  params { key value }
  metrics { key value step }
  commit { ...CommitFields }
  inputs { role datasetVersion { ...DatasetVersionFields } }
}
"""
    + COMMIT_FIELDS
    + DATASET_VERSION_FIELDS
)

# A node on a path, labelled client-side from whatever kind it is.
PATH_NODE = """
fragment PathNode on Node {
  id __typename
  ... on Model { name }
  ... on ModelVersion { version model { name } }
  ... on Dataset { name }
  ... on DatasetVersion { version digest dataset { name } }
  ... on Experiment { name }
  ... on Run { runId runName: name job { name } }
  ... on Commit { repo sha }
  ... on Job { namespace name }
}
"""

LINEAGE_FIELDS = """
fragment LineageFields on LineageGraph {
  root { id }
  nodes { depth kind label node { id } }
  edges { source target type }
  truncated mermaid dot
}
"""

MODELS = (
    """
query Models($first: Int!, $after: String, $nameContains: String) {
  models(first: $first, after: $after, nameContains: $nameContains) {
    edges { node { ...ModelFields } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
    + MODEL_FIELDS
)

MODEL = (
    """
query Model($name: String!) { model(name: $name) { ...ModelFields } }
"""
    + MODEL_FIELDS
)

VERSIONS = (
    """
query Versions($model: String!, $first: Int!, $after: String, $stage: Stage) {
  model(name: $model) {
    versions(first: $first, after: $after, stage: $stage) {
      edges { node { ...VersionFields } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""
    + VERSION_FIELDS
)

MODEL_VERSION = (
    """
query ModelVersion($model: String!, $version: Int, $alias: String, $stage: Stage, $at: DateTime) {
  modelVersion(model: $model, version: $version, alias: $alias, stage: $stage, at: $at) { ...VersionFields }
}
"""
    + VERSION_FIELDS
)

DOWNLOAD = (
    """
query Download($model: String!, $version: Int, $alias: String, $stage: Stage) {
  modelVersion(model: $model, version: $version, alias: $alias, stage: $stage) {
    ...VersionFields
    artifact { downloadUrl }
  }
}
"""
    + VERSION_FIELDS
)

TRAINED_ON = (
    """
query TrainedOn($model: String!, $version: Int, $alias: String, $stage: Stage) {
  modelVersion(model: $model, version: $version, alias: $alias, stage: $stage) {
    version trainedOn { ...DatasetVersionFields }
  }
}
"""
    + DATASET_VERSION_FIELDS
)

VERSION_LINEAGE = (
    """
query VersionLineage($model: String!, $version: Int, $alias: String, $stage: Stage,
                     $direction: LineageDirection!, $depth: Int!, $kinds: [NodeKind!]) {
  modelVersion(model: $model, version: $version, alias: $alias, stage: $stage) {
    lineage(direction: $direction, depth: $depth, kinds: $kinds) { ...LineageFields }
  }
}
"""
    + LINEAGE_FIELDS
)

NODE_LINEAGE = (
    """
query NodeLineage($id: ID!, $direction: LineageDirection!, $depth: Int!, $kinds: [NodeKind!]) {
  lineage(id: $id, direction: $direction, depth: $depth, kinds: $kinds) { ...LineageFields }
}
"""
    + LINEAGE_FIELDS
)

IMPACT = (
    """
query Impact($datasetVersion: DatasetVersionRef!, $stage: Stage, $alias: String, $depth: Int!) {
  impact(datasetVersion: $datasetVersion, stage: $stage, alias: $alias, depth: $depth) {
    modelVersion { ...VersionFields }
    path { ...PathNode }
  }
}
"""
    + VERSION_FIELDS
    + PATH_NODE
)

PROVENANCE_DIFF = (
    """
query ProvenanceDiff($a: ModelVersionRef!, $b: ModelVersionRef!) {
  provenanceDiff(a: $a, b: $b) {
    a { ...VersionFields }
    b { ...VersionFields }
    datasetsAdded { ...DatasetVersionFields }
    datasetsRemoved { ...DatasetVersionFields }
    commitA { ...CommitFields }
    commitB { ...CommitFields }
    paramChanges { key a b }
    metricChanges { key a b }
    packageChanges { key a b }
    baseModelChanged
  }
}
"""
    + VERSION_FIELDS
    + DATASET_VERSION_FIELDS
)

DATASET_VERSION = (
    """
query DatasetVersion($dataset: String!, $version: Int, $digest: String) {
  datasetVersion(dataset: $dataset, version: $version, digest: $digest) { ...DatasetVersionFields }
}
"""
    + DATASET_VERSION_FIELDS
)

DATASET_BY_SOURCE = (
    """
query DatasetBySource($namespace: String!, $name: String!) {
  datasetBySource(namespace: $namespace, name: $name) {
    id name source { namespace name } latestVersion { ...DatasetVersionFields }
  }
}
"""
    + DATASET_VERSION_FIELDS
)

RUN = (
    """
query Run($runId: String!) { run(runId: $runId) { ...RunFields } }
"""
    + RUN_FIELDS
)

REGISTER_DATASET_VERSION = (
    """
mutation RegisterDatasetVersion($input: RegisterDatasetVersionInput!) {
  registerDatasetVersion(input: $input) { ...DatasetVersionFields }
}
"""
    + DATASET_VERSION_FIELDS
)

START_RUN = (
    """
mutation StartRun($input: StartRunInput!) { startRun(input: $input) { ...RunFields } }
"""
    + RUN_FIELDS
)

LOG_RUN_PARAMS = (
    """
mutation LogRunParams($runId: String!, $params: [TagInput!]!) {
  logRunParams(runId: $runId, params: $params) { ...RunFields }
}
"""
    + RUN_FIELDS
)

LOG_RUN_INPUTS = (
    """
mutation LogRunInputs($runId: String!, $inputs: [RunInputInput!]!) {
  logRunInputs(runId: $runId, inputs: $inputs) { ...RunFields }
}
"""
    + RUN_FIELDS
)

FINISH_RUN = (
    """
mutation FinishRun($runId: String!, $status: RunStatus!, $metrics: [MetricInput!]) {
  finishRun(runId: $runId, status: $status, metrics: $metrics) { ...RunFields }
}
"""
    + RUN_FIELDS
)

CREATE_MODEL_VERSION = (
    """
mutation CreateModelVersion($input: CreateModelVersionInput!) {
  createModelVersion(input: $input) { ...VersionFields }
}
"""
    + VERSION_FIELDS
)

CREATE_ARTIFACT_UPLOAD = """
mutation CreateArtifactUpload($model: String!, $version: Int!) {
  createArtifactUpload(model: $model, version: $version) { url method headers { key value } expiresAt }
}
"""

COMPLETE_ARTIFACT_UPLOAD = """
mutation CompleteArtifactUpload($model: String!, $version: Int!) {
  completeArtifactUpload(model: $model, version: $version) { uri sha256 sizeBytes status }
}
"""

TRANSITION_STAGE = (
    """
mutation TransitionStage($model: String!, $version: Int!, $stage: Stage!, $archiveExisting: Boolean!,
                         $comment: String) {
  transitionStage(model: $model, version: $version, stage: $stage, archiveExisting: $archiveExisting,
                  comment: $comment) { ...VersionFields }
}
"""
    + VERSION_FIELDS
)

SET_ALIAS = (
    """
mutation SetAlias($model: String!, $alias: String!, $version: Int!) {
  setAlias(model: $model, alias: $alias, version: $version) { ...VersionFields }
}
"""
    + VERSION_FIELDS
)

DELETE_ALIAS = """
mutation DeleteAlias($model: String!, $alias: String!) { deleteAlias(model: $model, alias: $alias) }
"""

MODEL_EVENTS = """
subscription ModelEvents($model: String, $since: DateTime) {
  modelEvents(model: $model, since: $since) {
    type actor at detail seq
    modelVersion { version stage deleted model { name } }
  }
}
"""
