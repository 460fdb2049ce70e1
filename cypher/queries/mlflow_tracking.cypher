// name: mlflow_ensure_default_experiment
// MLflow's experiment "0" ("Default"), created on first use; an Experiment already named Default
// (recorded through GraphQL) becomes it.
MERGE (e:Experiment {name: 'Default'})
  ON CREATE SET e.createdAt = datetime.transaction()
SET e.mlflowId = coalesce(e.mlflowId, '0'),
    e.lifecycleStage = coalesce(e.lifecycleStage, 'active'),
    e.mlflowTags = coalesce(e.mlflowTags, []),
    e.updatedAt = coalesce(e.updatedAt, e.createdAt)
RETURN e {.*} AS experiment

// name: mlflow_create_experiment
// Allocates the next MLflow experiment id under the sequence's write lock and creates the
// experiment; an Experiment of that name without an MLflow id (made through GraphQL) is given one,
// one that has an id is reported as existing (and nothing changes).
MERGE (s:MlflowSequence {name: 'experiment'})
  ON CREATE SET s.value = 0
SET s.value = s.value + 1
WITH s
OPTIONAL MATCH (prior:Experiment {name: $name})
CALL (s, prior) {
  WITH s, prior WHERE prior IS NULL
  CREATE (e:Experiment {name: $name, createdAt: datetime.transaction()})
  SET e.mlflowId = toString(s.value), e.lifecycleStage = 'active', e.mlflowTags = $tags,
      e.artifactLocation = $artifactLocation, e.updatedAt = datetime.transaction()
  RETURN e, false AS existed
  UNION
  WITH s, prior WHERE prior IS NOT NULL AND prior.mlflowId IS NULL
  SET prior.mlflowId = toString(s.value), prior.lifecycleStage = 'active', prior.mlflowTags = $tags,
      prior.artifactLocation = $artifactLocation, prior.updatedAt = datetime.transaction()
  RETURN prior AS e, false AS existed
  UNION
  WITH prior WHERE prior IS NOT NULL AND prior.mlflowId IS NOT NULL
  RETURN prior AS e, true AS existed
}
RETURN e {.*} AS experiment, existed

// name: mlflow_get_experiments
// Experiments by MLflow id.
UNWIND $ids AS id
MATCH (e:Experiment {mlflowId: id})
RETURN e {.*} AS experiment

// name: mlflow_get_experiment_by_name
// The experiment of a name, if MLflow knows it (has an id).
MATCH (e:Experiment {name: $name})
WHERE e.mlflowId IS NOT NULL
RETURN e {.*} AS experiment

// name: mlflow_list_experiments
// Every experiment MLflow knows, for searches (filtered and paged by the service).
MATCH (e:Experiment)
WHERE e.mlflowId IS NOT NULL
RETURN e {.*} AS experiment

// name: mlflow_lock_experiment
// An experiment under its write lock until the transaction ends.
MATCH (e:Experiment {mlflowId: $id})
SET e._lock = true
REMOVE e._lock
RETURN e {.*} AS experiment

// name: mlflow_update_experiment
// Changes an experiment's fields (computed under its lock); a new name is carried to its runs.
MATCH (e:Experiment {mlflowId: $id})
SET e += $changes, e.updatedAt = datetime.transaction()
WITH e
CALL (e) {
  MATCH (r:Run)-[:IN]->(e)
  WHERE r.experiment <> e.name
  SET r.experiment = e.name
}
RETURN e {.*} AS experiment

// name: mlflow_create_run
// Creates a run in an experiment MLflow knows, with its MLflow fields.
MATCH (e:Experiment {mlflowId: $experimentId})
CREATE (r:Run {runId: $runId, name: $name, experiment: e.name, status: $status, mlflowStatus: $mlflowStatus,
               params: [], metrics: '[]', mlflowTags: $tags, user: $user, lifecycleStage: 'active',
               startedAt: datetime({epochMillis: $startTime}), artifactUri: $artifactUri})
CREATE (r)-[:IN]->(e)
RETURN r {.*} AS run

// name: mlflow_lock_run
// A run under its write lock until the transaction ends, with what a change merges into (params,
// tags, the latest metrics).
MATCH (r:Run {runId: $runId})
SET r._lock = true
REMOVE r._lock
RETURN r {.params, .mlflowTags, .metrics} AS run

// name: mlflow_set_run_values
// Logs params and sets tags of a run in one statement (log-parameter, set-tag, a log-batch of params
// and tags), under the run's write lock, taken before anything is read (so what it merges into is
// the latest committed). $params and $tags: [{key, value}], each key once. A param already set to
// another value is a conflict: the conflicts are returned (with the stored values) and nothing is
// written. A tag set again keeps its place with its new value; new params and tags are appended.
// No row: the run does not exist.
MATCH (r:Run {runId: $runId})
SET r._lock = true
REMOVE r._lock
WITH r, coalesce(r.params, []) AS params, coalesce(r.mlflowTags, []) AS tags
WITH r, params, tags,
     [p IN $params WHERE any(s IN params WHERE s STARTS WITH p.key + '=' AND s <> p.key + '=' + p.value)
      | {key: p.key, stored: substring(head([s IN params WHERE s STARTS WITH p.key + '=']), size(p.key) + 1)}]
       AS conflicts
CALL (r, params, tags, conflicts) {
  WITH r, params, tags WHERE size(conflicts) = 0
  SET r.params = params + [p IN $params WHERE NOT (p.key + '=' + p.value) IN params | p.key + '=' + p.value],
      r.mlflowTags = [t IN tags | coalesce(head([n IN $tags WHERE t STARTS WITH n.key + '=' | n.key + '=' + n.value]), t)]
                     + [n IN $tags WHERE none(t IN tags WHERE t STARTS WITH n.key + '=') | n.key + '=' + n.value]
}
RETURN conflicts

// name: mlflow_lock_runs
// Runs under their write locks until the transaction ends (in the order given: sorted ids, so two
// transactions never wait on each other), with their latest metrics.
UNWIND $runIds AS runId
MATCH (r:Run {runId: runId})
SET r._lock = true
REMOVE r._lock
RETURN r.runId AS runId, r.metrics AS metrics

// name: mlflow_log_runs_metrics
// The metric writes of several runs in one statement: each run's latest metrics (computed under its
// lock) and its new points (none of them NaN: see mlflow_log_metric_points).
UNWIND $runs AS run
MATCH (r:Run {runId: run.runId})
SET r.metrics = run.metrics
WITH r, run
CALL (r, run) {
  UNWIND run.points AS point
  MERGE (p:MetricPoint {runId: r.runId, key: point.key, value: point.value, timestamp: point.timestamp,
                        step: point.step})
    ON CREATE SET p.modelId = point.modelId
}
RETURN count(r) AS runs

// name: mlflow_update_run
// Sets a run's fields (computed under its lock) and appends its new metric points ($points, none of
// them NaN: see mlflow_log_metric_points), in one statement; endTime in epoch milliseconds when given.
// Returns the run as it then stands, with its experiment's MLflow id (update-run answers with it).
MATCH (r:Run {runId: $runId})
SET r += $changes
SET r.endedAt = CASE WHEN $endTime IS NULL THEN r.endedAt ELSE datetime({epochMillis: $endTime}) END
WITH r
CALL (r) {
  UNWIND $points AS point
  MERGE (p:MetricPoint {runId: r.runId, key: point.key, value: point.value, timestamp: point.timestamp,
                        step: point.step})
    ON CREATE SET p.modelId = point.modelId
}
RETURN r {.*} AS run, head([(r)-[:IN]->(e:Experiment) | e.mlflowId]) AS experimentId

// name: mlflow_log_metric_points
// Appends points to a run's metric histories; a point logged again (same key, time, step and value,
// as log_model re-logs a run's metrics for its logged model) stays one point, as in MLflow.
UNWIND $points AS point
MERGE (p:MetricPoint {runId: $runId, key: point.key, value: point.value, timestamp: point.timestamp,
                      step: point.step})
  ON CREATE SET p.modelId = point.modelId

// name: mlflow_metric_history
// One metric's history of a run, in the order it was logged (by step, then time).
MATCH (p:MetricPoint {runId: $runId, key: $key})
RETURN p.key AS key, p.value AS value, p.timestamp AS timestamp, p.step AS step
ORDER BY p.step, p.timestamp

// name: mlflow_link_commit
// The commit a run ran (MLflow's git tags), recorded once per (repo, sha).
MATCH (r:Run {runId: $runId})
MERGE (c:Commit {repo: $repo, sha: $sha})
  ON CREATE SET c.branch = $branch, c.createdAt = datetime.transaction()
MERGE (r)-[:RAN]->(c)

// name: mlflow_record_run_inputs
// The dataset versions a run used (registered before, in the same transaction): MLflow's own
// description of each, kept as it was first logged, and the input's context as the role (one edge
// per role) with the input's tags.
MATCH (r:Run {runId: $runId})
UNWIND $inputs AS input
MATCH (v:DatasetVersion {dataset: input.dataset, version: input.version})
SET v.mlflowSourceType = coalesce(v.mlflowSourceType, input.sourceType),
    v.mlflowSource = coalesce(v.mlflowSource, input.source),
    v.mlflowSchema = coalesce(v.mlflowSchema, input.schema),
    v.mlflowProfile = coalesce(v.mlflowProfile, input.profile),
    v.mlflowDigest = coalesce(v.mlflowDigest, input.mlflowDigest)
MERGE (r)-[u:USED {role: input.role}]->(v)
SET u.mlflowTags = input.tags

// name: mlflow_get_runs
// Runs with what MLflow shows of them: experiment id, inputs and outputs.
UNWIND $runIds AS runId
MATCH (r:Run {runId: runId})-[:IN]->(e:Experiment)
RETURN r {.*} AS run, e.mlflowId AS experimentId,
       [(r)-[u:USED]->(d:DatasetVersion) | {role: u.role, tags: u.mlflowTags, version: d {.*}}] AS inputs,
       [(r)-[o:OUTPUT]->(m:LoggedModel) | {modelId: m.modelId, step: o.step}] AS outputs

// name: mlflow_runs
// Runs with all MLflow shows of them, in one read: experiment id, inputs, outputs, and the latest point
// of every metric (highest step, then latest time, then highest value).
UNWIND $runIds AS runId
MATCH (r:Run {runId: runId})-[:IN]->(e:Experiment)
CALL (r) {
  MATCH (p:MetricPoint {runId: r.runId})
  WITH p ORDER BY p.step DESC, p.timestamp DESC, p.value DESC
  WITH p.key AS key, head(collect(p)) AS latest
  RETURN collect({key: key, value: latest.value, timestamp: latest.timestamp, step: latest.step}) AS metrics
}
RETURN r {.*} AS run, e.mlflowId AS experimentId, metrics,
       [(r)-[u:USED]->(d:DatasetVersion) | {role: u.role, tags: u.mlflowTags, version: d {.*}}] AS inputs,
       [(r)-[o:OUTPUT]->(m:LoggedModel) | {modelId: m.modelId, step: o.step}] AS outputs

// name: mlflow_search_runs
// One page of an MLflow run search, filtered, sorted and paged here (the text is fixed: the parsed
// filter comes as data). $fields: the {kind, key} fields the filter and the order name, each read
// per run as a list of values (a metric's latest point, a param, a tag, an attribute: at most one;
// dataset fields: one per input). $conditions, AND-combined: {field (index into $fields), op,
// number | text | texts | regex}; a comparison holds when one of the field's values satisfies it,
// so a run without the field matches none (as in MLflow). $orderings: up to six {field, ascending},
// missing values (and NaN) last whatever the direction, then the run id: pages are stable.
UNWIND $experimentIds AS experimentId
MATCH (:Experiment {mlflowId: experimentId})<-[:IN]-(r:Run)
WHERE $lifecycle IS NULL OR coalesce(r.lifecycleStage, 'active') IN $lifecycle
WITH r, [f IN $fields | [value IN CASE f.kind
    WHEN 'metric' THEN COLLECT {
      MATCH (p:MetricPoint {runId: r.runId, key: f.key})
      RETURN p.value ORDER BY p.step DESC, p.timestamp DESC, p.value DESC LIMIT 1
    }
    WHEN 'param' THEN [item IN coalesce(r.params, []) WHERE item STARTS WITH f.key + '=' |
      substring(item, size(f.key) + 1)]
    WHEN 'tag' THEN [item IN coalesce(r.mlflowTags, []) WHERE item STARTS WITH f.key + '=' |
      substring(item, size(f.key) + 1)]
    WHEN 'dataset' THEN [(r)-[u:USED]->(d:DatasetVersion) | CASE f.key
      WHEN 'name' THEN d.dataset
      WHEN 'digest' THEN coalesce(d.mlflowDigest, CASE WHEN d.digest STARTS WITH 'mlflow:' THEN substring(d.digest, 7)
                                                  ELSE d.digest END)
      ELSE head([tag IN coalesce(u.mlflowTags, []) WHERE tag STARTS WITH 'mlflow.data.context=' | substring(tag, 20)])
    END]
    ELSE [CASE f.key
      WHEN 'run_id' THEN r.runId
      WHEN 'run_uuid' THEN r.runId
      WHEN 'run_name' THEN coalesce(r.name, '')
      WHEN 'status' THEN coalesce(r.mlflowStatus, r.status, 'RUNNING')
      WHEN 'start_time' THEN r.startedAt.epochMillis
      WHEN 'end_time' THEN r.endedAt.epochMillis
      WHEN 'user_id' THEN coalesce(r.user, '')
      WHEN 'artifact_uri' THEN coalesce(r.artifactUri, '')
      WHEN 'lifecycle_stage' THEN coalesce(r.lifecycleStage, 'active')
    END]
  END WHERE value IS NOT NULL]] AS values
WHERE all(c IN $conditions WHERE any(value IN values[c.field] WHERE
  CASE
    WHEN c.op = 'IN' THEN toString(value) IN c.texts
    WHEN c.op = 'NOT IN' THEN NOT toString(value) IN c.texts
    WHEN c.op IN ['LIKE', 'ILIKE'] THEN c.regex IS NOT NULL AND toString(value) =~ c.regex
    WHEN c.number IS NOT NULL THEN
      toFloatOrNull(value) IS NOT NULL AND NOT isNaN(toFloatOrNull(value)) AND CASE c.op
        WHEN '=' THEN toFloatOrNull(value) = c.number
        WHEN '!=' THEN toFloatOrNull(value) <> c.number
        WHEN '<' THEN toFloatOrNull(value) < c.number
        WHEN '<=' THEN toFloatOrNull(value) <= c.number
        WHEN '>' THEN toFloatOrNull(value) > c.number
        WHEN '>=' THEN toFloatOrNull(value) >= c.number
        ELSE false
      END
    ELSE CASE c.op
      WHEN '=' THEN toString(value) = c.text
      WHEN '!=' THEN toString(value) <> c.text
      WHEN '<' THEN toString(value) < c.text
      WHEN '<=' THEN toString(value) <= c.text
      WHEN '>' THEN toString(value) > c.text
      WHEN '>=' THEN toString(value) >= c.text
      ELSE false
    END
  END))
WITH r, [o IN $orderings | {value: head(values[o.field]), ascending: o.ascending}] AS sorts
WITH r, [s IN sorts | {
  missing: s.value IS NULL OR s.value <> s.value,
  up: CASE WHEN s.ascending THEN s.value END,
  down: CASE WHEN NOT s.ascending THEN s.value END
}] AS keys
RETURN r.runId AS runId
ORDER BY keys[0].missing, keys[0].up, keys[0].down DESC,
         keys[1].missing, keys[1].up, keys[1].down DESC,
         keys[2].missing, keys[2].up, keys[2].down DESC,
         keys[3].missing, keys[3].up, keys[3].down DESC,
         keys[4].missing, keys[4].up, keys[4].down DESC,
         keys[5].missing, keys[5].up, keys[5].down DESC,
         runId
SKIP $offset
LIMIT $limit

// name: mlflow_add_run_outputs
// Logged models a run produced, with the step they were logged at.
MATCH (r:Run {runId: $runId})
UNWIND $outputs AS output
MATCH (m:LoggedModel {modelId: output.modelId})
MERGE (r)-[o:OUTPUT]->(m)
SET o.step = output.step
RETURN count(o) AS linked

// name: mlflow_log_nan_metric_points
// Appends NaN points (which MERGE cannot match on) to a run's metric histories.
UNWIND $points AS point
CREATE (:MetricPoint {runId: $runId, key: point.key, value: point.value, timestamp: point.timestamp,
                      step: point.step, modelId: point.modelId})
