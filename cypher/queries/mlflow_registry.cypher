// name: mlflow_version_context
// What an MLflow version creation checks first, in its own transaction, before anything is written:
// whether the registered model exists, whether the run it names does, and that run's latest metrics
// (which the version takes; `run` is null when it names none, or none such).
OPTIONAL MATCH (m:Model {name: $model})
OPTIONAL MATCH (r:Run {runId: $runId})
RETURN m IS NOT NULL AS modelExists, r IS NOT NULL AS runExists, r {.metrics} AS run

// name: mlflow_describe_version
// What MLflow knows of a version it registered (source, run, logged model), set in the transaction
// that creates it; a version whose logged model's files were all measured is READY at once. The model
// is touched too (MLflow's last_updated_timestamp).
MATCH (v:ModelVersion {model: $model, version: $version})-[:VERSION_OF]->(m:Model)
SET v.mlflowSource = $source, v.mlflowRunId = $runId, v.mlflowModelId = $modelId, v.mlflowRunLink = $runLink,
    v.updatedAt = datetime.transaction(), m.updatedAt = datetime.transaction()
SET v.artifactKey = CASE WHEN $ready THEN $artifactKey ELSE v.artifactKey END,
    v.artifactStatus = CASE WHEN $ready THEN 'READY' ELSE v.artifactStatus END
RETURN v {.*} AS version

// name: mlflow_version_by_alias
// The version an alias of a model points at now (a version an alias holds cannot be deleted), with
// the names of all the aliases pointing at it.
MATCH (:Alias {model: $model, name: $alias})-[:POINTS_TO]->(v:ModelVersion)
WHERE NOT v.deleted
RETURN v {.*} AS version, [(a:Alias)-[:POINTS_TO]->(v) | a.name] AS aliases

// name: mlflow_download_location
// What a version's download URI is made of, in one read: its logged model (with its artifact location
// and status), its source, and the artifact location of the run a `runs:/<run>/<path>` source names.
MATCH (v:ModelVersion {model: $model, version: $version})
WHERE NOT v.deleted
OPTIONAL MATCH (l:LoggedModel {modelId: v.mlflowModelId})
WITH v, l,
     CASE WHEN v.mlflowSource STARTS WITH 'runs:/' THEN split(substring(v.mlflowSource, 6), '/')[0] END AS runId
OPTIONAL MATCH (r:Run {runId: runId})
RETURN v.mlflowModelId AS modelId, v.mlflowSource AS source, l {.artifactUri, .status} AS loggedModel,
       r.artifactUri AS runArtifactUri

// name: mlflow_model_versions
// The versions of some models (deleted ones left out), with their aliases, for MLflow's listings.
UNWIND $models AS model
MATCH (v:ModelVersion {model: model})
WHERE NOT v.deleted
RETURN v {.*} AS version, [(a:Alias)-[:POINTS_TO]->(v) | a.name] AS aliases
ORDER BY v.model, v.version

// name: mlflow_all_models
// Every registered model, for MLflow's searches (filtered and paged by the service).
MATCH (m:Model)
WHERE NOT coalesce(m.deleted, false)
RETURN m {.*} AS model

// name: mlflow_search_versions
// Non-deleted versions, for MLflow's version searches; narrowed to models when given.
MATCH (v:ModelVersion)
WHERE NOT v.deleted AND ($models IS NULL OR v.model IN $models)
RETURN v {.*} AS version, [(a:Alias)-[:POINTS_TO]->(v) | a.name] AS aliases

// name: mlflow_set_model_tag
// Sets (value given) or removes (null) one tag of a model in one statement; says whether it was there.
MATCH (m:Model {name: $model})
WITH m, any(t IN coalesce(m.tags, []) WHERE t STARTS WITH $key + '=') AS had
SET m.tags = [t IN coalesce(m.tags, []) WHERE NOT t STARTS WITH $key + '=']
             + CASE WHEN $value IS NULL THEN [] ELSE [$key + '=' + $value] END,
    m.updatedAt = datetime.transaction()
RETURN m {.*} AS model, had

// name: mlflow_set_version_tag
// Sets (value given) or removes (null) one tag of a version in one statement; says whether it was there.
MATCH (v:ModelVersion {model: $model, version: $version})
WHERE NOT v.deleted
WITH v, any(t IN coalesce(v.tags, []) WHERE t STARTS WITH $key + '=') AS had
SET v.tags = [t IN coalesce(v.tags, []) WHERE NOT t STARTS WITH $key + '=']
             + CASE WHEN $value IS NULL THEN [] ELSE [$key + '=' + $value] END,
    v.updatedAt = datetime.transaction()
RETURN v {.*} AS version, had

// name: mlflow_update_version
// Changes a version's description.
MATCH (v:ModelVersion {model: $model, version: $version})
WHERE NOT v.deleted
SET v.description = $description, v.updatedAt = datetime.transaction()
RETURN v {.*} AS version

// name: mlflow_registered_models
// Registered models by name (those MLflow deleted left out), each with what MLflow shows of it, in
// one read: its latest non-deleted version in each stage, with the aliases pointing at that version,
// and the model's aliases as [alias, version] pairs.
UNWIND $names AS name
MATCH (m:Model {name: name})
WHERE NOT coalesce(m.deleted, false)
CALL (m) {
  UNWIND ['NONE', 'STAGING', 'PRODUCTION', 'ARCHIVED'] AS stage
  CALL (m, stage) {
    MATCH (v:ModelVersion {model: m.name, stage: stage})
    WHERE NOT v.deleted
    RETURN v ORDER BY v.version DESC LIMIT 1
  }
  RETURN collect({version: v {.*}, aliases: [(a:Alias)-[:POINTS_TO]->(v) | a.name]}) AS latest
}
RETURN m {.*} AS model, latest,
       [(a:Alias {model: m.name})-[:POINTS_TO]->(v:ModelVersion) | [a.name, v.version]] AS aliases

// name: mlflow_get_models
// Registered models by name (those MLflow deleted left out).
UNWIND $names AS name
MATCH (m:Model {name: name})
WHERE NOT coalesce(m.deleted, false)
RETURN m {.*} AS model

// name: mlflow_delete_model
// Hides a model MLflow deleted (its versions were soft-deleted before, by the deletion rules).
MATCH (m:Model {name: $model})
SET m.deleted = true, m.updatedAt = datetime.transaction()
RETURN m {.*} AS model
