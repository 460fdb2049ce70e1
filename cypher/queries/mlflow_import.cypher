// name: mlflow_import_run
// A run copied from an MLflow server with its own id, times, status, params, tags and latest
// metrics, in an experiment MLflow knows; nothing when the run is there already (a re-import).
MATCH (e:Experiment {mlflowId: $experimentId})
OPTIONAL MATCH (prior:Run {runId: $runId})
WITH e, prior WHERE prior IS NULL
CREATE (r:Run {runId: $runId, name: $name, experiment: e.name, status: $status, mlflowStatus: $mlflowStatus,
               params: $params, metrics: $metrics, mlflowTags: $tags, user: $user, lifecycleStage: $lifecycleStage,
               startedAt: datetime({epochMillis: $startTime}),
               endedAt: CASE WHEN $endTime IS NULL THEN null ELSE datetime({epochMillis: $endTime}) END,
               artifactUri: $artifactUri, importedFrom: $origin})
CREATE (r)-[:IN]->(e)
RETURN r.runId AS runId

// name: mlflow_import_model_version
// A model version copied with its original number (gaps kept; new versions continue after the
// highest), its current stage as it is and MLflow's description of it, under the model's lock;
// the version reports itself as existing on a re-import and nothing changes. $artifactKey: the
// version's artifact is its logged model's files' manifest ($artifactSha256, $artifactSize), READY
// (every file verified), as for a version the MLflow API creates from a logged model.
MATCH (m:Model {name: $model})
SET m._lock = true
REMOVE m._lock
WITH m
OPTIONAL MATCH (prior:ModelVersion {model: $model, version: $version})
CALL (m, prior) {
  WITH m, prior WHERE prior IS NULL
  SET m.versionCount = CASE WHEN coalesce(m.versionCount, 0) < $version THEN $version ELSE m.versionCount END,
      m.eventCount = coalesce(m.eventCount, 0) + CASE WHEN $stage = 'NONE' THEN 1 ELSE 2 END
  CREATE (v:ModelVersion {model: m.name, version: $version, stage: $stage, deleted: false, description: $description,
                          tags: $tags, metrics: $metrics, createdAt: datetime({epochMillis: $createdAt}),
                          updatedAt: datetime({epochMillis: $updatedAt}), mlflowSource: $source,
                          mlflowRunId: $runId, mlflowModelId: $modelId, importedFrom: $origin,
                          artifactSha256: $artifactSha256, artifactSize: $artifactSize, artifactKey: $artifactKey,
                          artifactStatus: CASE WHEN $artifactKey IS NULL THEN null ELSE 'READY' END})
  CREATE (v)-[:VERSION_OF]->(m)
  CREATE (:Event {model: m.name, version: $version, seq: m.eventCount - CASE WHEN $stage = 'NONE' THEN 0 ELSE 1 END,
                  type: 'VERSION_CREATED', actor: $actor, at: datetime.transaction()})
  WITH m, v
  CALL (m, v) {
    WITH m, v WHERE $stage <> 'NONE'
    CREATE (:Event {model: m.name, version: v.version, seq: m.eventCount, type: 'STAGE_CHANGED', fromStage: 'NONE',
                    toStage: $stage, comment: 'imported from MLflow', actor: $actor, at: datetime.transaction()})
  }
  CALL (v) {
    MATCH (r:Run {runId: $runId})
    CREATE (v)-[:PRODUCED_BY]->(r)
  }
  RETURN v, false AS existed
  UNION
  WITH prior WHERE prior IS NOT NULL
  RETURN prior AS v, true AS existed
}
RETURN v {.*} AS version, existed
