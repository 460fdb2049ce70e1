// name: merge_commit
// Records a commit once per (repo, sha); a repeat returns the stored node unchanged.
MERGE (c:Commit {repo: $repo, sha: $sha})
  ON CREATE SET c.branch = $branch, c.author = $author, c.message = $message,
                c.committedAt = $committedAt, c.createdAt = datetime.transaction()
RETURN c {.*} AS commit

// name: start_run
// Creates a run in its experiment (created on first use), with the commit it ran (recorded once)
// and the dataset versions it used, each with its role. Inputs were resolved before, in the same
// transaction, so every MATCH here finds its node.
MERGE (e:Experiment {name: $experiment})
  ON CREATE SET e.createdAt = datetime.transaction()
CREATE (r:Run {runId: $runId, name: $name, experiment: $experiment, status: $status, params: $params,
               metrics: $metrics, startedAt: datetime.transaction(),
               endedAt: CASE WHEN $status = 'RUNNING' THEN null ELSE datetime.transaction() END})
CREATE (r)-[:IN]->(e)
WITH r
CALL (r) {
  WITH r WHERE $commit IS NOT NULL
  MERGE (c:Commit {repo: $commit.repo, sha: $commit.sha})
    ON CREATE SET c.branch = $commit.branch, c.author = $commit.author, c.message = $commit.message,
                  c.committedAt = $commit.committedAt, c.createdAt = datetime.transaction()
  CREATE (r)-[:RAN]->(c)
}
CALL (r) {
  UNWIND $inputs AS input
  MATCH (d:DatasetVersion {dataset: input.dataset, version: input.version})
  MERGE (r)-[u:USED {role: input.role}]->(d)
}
RETURN r {.*} AS run

// name: lock_run
// A run under its write lock until the transaction ends (so params and inputs are added to the state
// that is read here), with its status.
MATCH (r:Run {runId: $runId})
SET r._lock = true
REMOVE r._lock
RETURN r {.*} AS run

// name: add_run_inputs
// Adds dataset versions a RUNNING run used, each with its role (resolved before, in the same
// transaction); an input already recorded with that role stays one edge.
MATCH (r:Run {runId: $runId})
CALL (r) {
  UNWIND $inputs AS input
  MATCH (d:DatasetVersion {dataset: input.dataset, version: input.version})
  MERGE (r)-[:USED {role: input.role}]->(d)
}
RETURN r {.*} AS run

// name: set_run_params
// Replaces a run's params with the merged list its service computed under the run's lock.
MATCH (r:Run {runId: $runId})
SET r.params = $params
RETURN r {.*} AS run

// name: finish_run
// Ends a run that is still RUNNING, under the run's write lock; returns the status it had before,
// so a second finish is reported (and changes nothing).
MATCH (r:Run {runId: $runId})
SET r._lock = true
REMOVE r._lock
WITH r, r.status AS before
CALL (r, before) {
  WITH r WHERE before = 'RUNNING'
  SET r.status = $status, r.metrics = $metrics, r.endedAt = datetime.transaction()
}
RETURN r {.*} AS run, before

// name: get_runs
// Runs by runId, for the per-request loader.
UNWIND $runIds AS runId
MATCH (r:Run {runId: runId})
RETURN r {.*} AS run

// name: get_experiments
// Experiments by name, for the per-request loader.
UNWIND $names AS name
MATCH (e:Experiment {name: name})
RETURN e {.*} AS experiment

// name: list_runs
// One page of each experiment's runs, newest first (ties by runId), with the total: one row per
// experiment, for the per-request loader.
UNWIND $experiments AS experiment
CALL (experiment) {
  MATCH (r:Run {experiment: experiment})
  RETURN count(r) AS total
}
CALL (experiment) {
  MATCH (r:Run {experiment: experiment})
  WHERE $after IS NULL OR r.startedAt < $afterStartedAt OR (r.startedAt = $afterStartedAt AND r.runId < $after)
  WITH r ORDER BY r.startedAt DESC, r.runId DESC LIMIT $limit
  RETURN collect(r {.*}) AS runs
}
RETURN experiment, total, runs

// name: get_commits
// Commits by (repo, sha), for the per-request loader.
UNWIND $keys AS key
MATCH (c:Commit {repo: key[0], sha: key[1]})
RETURN c {.*} AS commit

// name: get_packages
// Packages by (name, version), for the per-request loader.
UNWIND $keys AS key
MATCH (p:Package {name: key[0], version: key[1]})
RETURN p {.*} AS package

// name: get_run_links
// Each run's neighbours in lineage: inputs with roles, commit, and what it produced.
UNWIND $runIds AS runId
MATCH (r:Run {runId: runId})
RETURN runId,
       [(r)-[u:USED]->(d:DatasetVersion) | {role: u.role, datasetVersion: d {.*}}] AS inputs,
       head([(r)-[:RAN]->(c:Commit) | c {.*}]) AS commit,
       [(v:ModelVersion)-[:PRODUCED_BY]->(r) | v {.*}] AS producedModels,
       [(d:DatasetVersion)-[:PRODUCED_BY]->(r) | d {.*}] AS producedDatasets
