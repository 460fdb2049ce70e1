// name: get_version_provenance
// What each model version was made from: its run, the run's commit and inputs (with roles), the
// base model it was fine-tuned from, and the packages it requires.
UNWIND $keys AS key
MATCH (v:ModelVersion {model: key[0], version: key[1]})
OPTIONAL MATCH (v)-[:PRODUCED_BY]->(r:Run)
RETURN key[0] AS model, key[1] AS version, r {.*} AS run,
       head([(r)-[:RAN]->(c:Commit) | c {.*}]) AS commit,
       [(r)-[u:USED]->(d:DatasetVersion) | {role: u.role, datasetVersion: d {.*}}] AS inputs,
       head([(v)-[:FINE_TUNED_FROM]->(b:ModelVersion) | b {.*}]) AS baseModel,
       [(v)-[:REQUIRES]->(p:Package) | p {.*}] AS packages

// name: link_model_version
// Records a new model version's lineage: its producing run, its base model, its packages (each
// Package node recorded once). Runs in the transaction that created the version; baseLinked is
// false when the base model named is gone (the caller then undoes the transaction).
MATCH (v:ModelVersion {model: $model, version: $version})
CALL (v) {
  MATCH (r:Run {runId: $runId})
  MERGE (v)-[:PRODUCED_BY]->(r)
}
CALL (v) {
  OPTIONAL MATCH (b:ModelVersion {model: $baseModel, version: $baseVersion})
  FOREACH (base IN CASE WHEN b IS NULL THEN [] ELSE [b] END | MERGE (v)-[:FINE_TUNED_FROM]->(base))
  RETURN b IS NOT NULL AS baseLinked
}
CALL (v) {
  UNWIND $packages AS package
  MERGE (p:Package {name: package.name, version: package.version})
  MERGE (v)-[:REQUIRES]->(p)
}
RETURN v {.*} AS version, baseLinked

// name: find_package_dependents
// Non-deleted model versions that require any version of a package, optionally in a stage or
// holding an alias; the caller matches the PEP 440 specifier against packageVersion.
MATCH (p:Package {name: $name})<-[:REQUIRES]-(v:ModelVersion)
WHERE NOT v.deleted AND ($stage IS NULL OR v.stage = $stage)
  AND ($alias IS NULL OR EXISTS { (:Alias {model: v.model, name: $alias})-[:POINTS_TO]->(v) })
RETURN v {.*} AS modelVersion, p.version AS packageVersion
ORDER BY v.model, v.version

// name: find_provenance_gaps
// Non-deleted versions in a stage, with what their provenance lacks: a producing run, a dataset the
// run used, the commit it ran, an artifact verified READY.
MATCH (v:ModelVersion {stage: $stage})
WHERE NOT v.deleted
OPTIONAL MATCH (v)-[:PRODUCED_BY]->(r:Run)
WITH v, r,
     r IS NOT NULL AND EXISTS { (r)-[:USED]->(:DatasetVersion) } AS hasDataset,
     r IS NOT NULL AND EXISTS { (r)-[:RAN]->(:Commit) } AS hasCommit
WITH v, [gap IN [
         CASE WHEN NOT hasDataset THEN 'NO_DATASET' END,
         CASE WHEN NOT hasCommit THEN 'NO_COMMIT' END,
         CASE WHEN r IS NULL THEN 'NO_RUN' END,
         CASE WHEN coalesce(v.artifactStatus, '') <> 'READY' THEN 'ARTIFACT_NOT_READY' END
       ] WHERE gap IS NOT NULL] AS missing
WHERE size(missing) > 0
RETURN v {.*} AS modelVersion, missing
ORDER BY v.model, v.version

// name: lock_for_delete
// Takes the model's write lock, then reads the version to delete, the aliases pointing at it and
// whether another version was fine-tuned from it.
MATCH (m:Model {name: $model})
SET m._lock = true
REMOVE m._lock
WITH m
OPTIONAL MATCH (v:ModelVersion {model: $model, version: $version})
RETURN m.eventCount AS eventCount, v {.*} AS version,
       [(a:Alias)-[:POINTS_TO]->(v) | a.name] AS aliases,
       [(child:ModelVersion)-[:FINE_TUNED_FROM]->(v) | child.model + ' v' + toString(child.version)] AS dependents

// name: soft_delete_version
// Marks a version deleted (it leaves listings, stays in lineage) and records VERSION_DELETED.
MATCH (m:Model {name: $model})
MATCH (v:ModelVersion {model: $model, version: $version})
SET m.eventCount = $seq, v.deleted = true
CREATE (:Event {model: $model, version: $version, seq: $seq, type: 'VERSION_DELETED', detail: 'soft',
                actor: $actor, at: datetime.transaction()})
RETURN v.version AS version

// name: hard_delete_version
// Removes a version and its edges (the caller checked nothing depends on it); its number is never
// reused, and its history events stay, with a VERSION_DELETED event recording the removal.
MATCH (m:Model {name: $model})
MATCH (v:ModelVersion {model: $model, version: $version})
SET m.eventCount = $seq
DETACH DELETE v
CREATE (:Event {model: $model, version: $version, seq: $seq, type: 'VERSION_DELETED', detail: 'hard',
                actor: $actor, at: datetime.transaction()})
RETURN $version AS version
