// name: resolve_dataset_refs
// The dataset versions that refs name, by number or by digest; a ref that matches nothing has no row.
UNWIND range(0, size($refs) - 1) AS index
WITH index, $refs[index] AS ref
CALL (ref) {
  MATCH (v:DatasetVersion {dataset: ref.dataset, version: ref.version})
  RETURN v
  UNION
  MATCH (v:DatasetVersion {dataset: ref.dataset, digest: ref.digest})
  RETURN v
}
RETURN index, v {.*} AS datasetVersion

// name: register_dataset_version
// Takes the dataset's write lock (the dataset is created on first use), then returns the version
// that holds the digest, or allocates the next number under the lock and creates the version.
// Re-registering a soft-deleted digest brings the version back only when $mayRestore (the caller
// holds the role that deleting needs); otherwise it stays deleted and wasDeleted tells the caller.
MERGE (d:Dataset {name: $dataset})
  ON CREATE SET d.createdAt = datetime.transaction(), d.versionCount = 0
SET d._lock = true
REMOVE d._lock
WITH d
OPTIONAL MATCH (prior:DatasetVersion {dataset: $dataset, digest: $digest})
CALL (d, prior) {
  WITH d, prior WHERE prior IS NULL
  SET d.versionCount = d.versionCount + 1
  CREATE (v:DatasetVersion {dataset: d.name, version: d.versionCount, digest: $digest, uri: $uri,
                            rowCount: $rowCount, deleted: false, createdAt: datetime.transaction()})
  CREATE (v)-[:VERSION_OF]->(d)
  RETURN v, false AS replayed, false AS wasDeleted
  UNION
  WITH prior WHERE prior IS NOT NULL
  WITH prior, coalesce(prior.deleted, false) AS wasDeleted
  SET prior.deleted = wasDeleted AND NOT $mayRestore
  RETURN prior AS v, true AS replayed, wasDeleted
}
SET d.description = coalesce($description, d.description)
RETURN v {.*} AS datasetVersion, replayed, wasDeleted,
       head([(v)-[:PRODUCED_BY]->(r:Run) | r.runId]) AS producedBy

// name: find_lineage_cycles
// The would-be parents (derivedFrom keys, or the producing run) that already lie downstream of
// the dataset version: linking it to them would close a cycle.
MATCH (v:DatasetVersion {dataset: $dataset, version: $version})
CALL (v) {
  UNWIND $parents AS key
  MATCH (p:DatasetVersion {dataset: key[0], version: key[1]})
  WHERE p = v OR EXISTS {
    MATCH ANY SHORTEST (p) (()-[:USED|PRODUCED_BY|DERIVED_FROM|FINE_TUNED_FROM]->()){1,} (v)
  }
  RETURN p.dataset + ' v' + toString(p.version) AS parent
  UNION
  MATCH (r:Run {runId: $runId})
  WHERE EXISTS { MATCH ANY SHORTEST (r) (()-[:USED|PRODUCED_BY|DERIVED_FROM|FINE_TUNED_FROM]->()){1,} (v) }
  RETURN 'run ' + r.runId AS parent
}
RETURN parent

// name: link_dataset_version
// Records what a dataset version was derived from and which run produced it (idempotent).
MATCH (v:DatasetVersion {dataset: $dataset, version: $version})
CALL (v) {
  UNWIND $parents AS key
  MATCH (p:DatasetVersion {dataset: key[0], version: key[1]})
  MERGE (v)-[:DERIVED_FROM]->(p)
}
CALL (v) {
  MATCH (r:Run {runId: $runId})
  MERGE (v)-[:PRODUCED_BY]->(r)
}
RETURN v {.*} AS datasetVersion

// name: get_datasets
// Datasets by name, for the per-request loader.
UNWIND $names AS name
MATCH (d:Dataset {name: name})
RETURN d {.*} AS dataset

// name: get_dataset_versions
// Dataset versions by (dataset, version) pair, for the per-request loader.
UNWIND $keys AS key
MATCH (v:DatasetVersion {dataset: key[0], version: key[1]})
RETURN v {.*} AS datasetVersion

// name: find_dataset_version_by_digest
// The version of a dataset that holds a digest.
MATCH (v:DatasetVersion {dataset: $dataset, digest: $digest})
RETURN v {.*} AS datasetVersion

// name: get_latest_dataset_versions
// The newest non-deleted version of each dataset.
UNWIND $names AS name
CALL (name) {
  MATCH (v:DatasetVersion {dataset: name})
  WHERE NOT v.deleted
  RETURN v ORDER BY v.version DESC LIMIT 1
}
RETURN v {.*} AS datasetVersion

// name: list_dataset_versions
// One page of each dataset's non-deleted versions, newest first, with the total: one row per dataset,
// for the per-request loader (times as text: see records.moment).
UNWIND $datasets AS dataset
CALL (dataset) {
  MATCH (v:DatasetVersion {dataset: dataset})
  WHERE NOT v.deleted
  RETURN count(v) AS total
}
CALL (dataset) {
  MATCH (v:DatasetVersion {dataset: dataset})
  WHERE NOT v.deleted AND ($after IS NULL OR v.version < $after)
  WITH v ORDER BY v.version DESC LIMIT $limit
  RETURN collect(v {.*, createdAt: toString(datetime({datetime: v.createdAt, timezone: 'Z'}))}) AS versions
}
RETURN dataset, total, versions

// name: get_dataset_version_links
// Each dataset version's neighbours in lineage: parents, children, producing run, consuming runs.
UNWIND $keys AS key
MATCH (d:DatasetVersion {dataset: key[0], version: key[1]})
RETURN key[0] AS dataset, key[1] AS version,
       [(d)-[:DERIVED_FROM]->(p:DatasetVersion) | p {.*}] AS derivedFrom,
       [(c:DatasetVersion)-[:DERIVED_FROM]->(d) | c {.*}] AS derivatives,
       head([(d)-[:PRODUCED_BY]->(r:Run) | r {.*}]) AS producedBy,
       [(r:Run)-[:USED]->(d) | r {.*}] AS usedBy

// name: delete_dataset_version
// Soft-deletes a dataset version unless a PRODUCTION model version depends on it through any chain
// (checked with a breadth-first search, so diamonds and cycles stay cheap). Returns the blocker.
MATCH (d:DatasetVersion {dataset: $dataset, version: $version})
OPTIONAL CALL (d) {
  MATCH ANY SHORTEST (d) (()<-[:USED|PRODUCED_BY|DERIVED_FROM|FINE_TUNED_FROM]-()){1,} (v:ModelVersion)
  WHERE v.stage = 'PRODUCTION' AND NOT v.deleted
  RETURN v LIMIT 1
}
CALL (d, v) {
  WITH d, v WHERE v IS NULL
  SET d.deleted = true
}
RETURN v.model AS blockingModel, v.version AS blockingVersion

// name: count_registry_objects
// Whether the graph holds any model or dataset yet (the demo loads only into an empty registry).
CALL () { MATCH (m:Model) RETURN count(m) AS models }
CALL () { MATCH (d:Dataset) RETURN count(d) AS datasets }
RETURN models + datasets AS count
