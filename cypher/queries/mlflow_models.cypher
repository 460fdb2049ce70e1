// name: mlflow_create_logged_model
// An MLflow 3 logged model in its experiment, linked to the run that logged it (when there is one).
MATCH (e:Experiment {mlflowId: $experimentId})
CREATE (m:LoggedModel {modelId: $modelId, experimentId: $experimentId, name: $name, modelType: $modelType,
                       status: 'LOGGED_MODEL_PENDING', artifactUri: $artifactUri, sourceRunId: $sourceRunId,
                       tags: $tags, params: $params, createdAt: $now, updatedAt: $now})
WITH m
CALL (m) {
  MATCH (r:Run {runId: $sourceRunId})
  MERGE (m)-[:LOGGED_BY]->(r)
}
RETURN m {.*} AS model

// name: mlflow_get_logged_models
// Logged models by id.
UNWIND $modelIds AS modelId
MATCH (m:LoggedModel {modelId: modelId})
RETURN m {.*} AS model

// name: mlflow_lock_logged_model
// A logged model under its write lock until the transaction ends.
MATCH (m:LoggedModel {modelId: $modelId})
SET m._lock = true
REMOVE m._lock
RETURN m {.*} AS model

// name: mlflow_update_logged_model
// Sets a logged model's fields (computed under its lock).
MATCH (m:LoggedModel {modelId: $modelId})
SET m += $changes, m.updatedAt = $now
RETURN m {.*} AS model

// name: mlflow_list_logged_models
// The logged models of some experiments, for searches (filtered and paged by the service).
UNWIND $experimentIds AS experimentId
MATCH (m:LoggedModel {experimentId: experimentId})
WHERE m.status <> 'DELETED'
RETURN m {.*} AS model
