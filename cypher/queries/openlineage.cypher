// name: lock_lineage_run
// Finds or creates the run of an OpenLineage event (with its job and its experiment, named after
// the job's namespace), then takes the run's write lock: every event of one run is applied under it,
// one after the other. Returns the job the run belongs to, which the service checks.
MERGE (j:Job {namespace: $job.namespace, name: $job.name})
  ON CREATE SET j.createdAt = datetime.transaction()
MERGE (e:Experiment {name: $experiment})
  ON CREATE SET e.createdAt = datetime.transaction()
MERGE (r:Run {runId: $runId})
  ON CREATE SET r.name = $job.name, r.experiment = $experiment, r.status = 'RUNNING', r.params = [],
                r.metrics = '[]', r.startedAt = $eventTime, r.jobNamespace = $job.namespace,
                r.jobName = $job.name
SET r._lock = true
REMOVE r._lock
RETURN r.jobNamespace AS jobNamespace, r.jobName AS jobName

// name: update_lineage_run
// Applies one event to its run (locked by lock_lineage_run) so that the end state does not depend
// on arrival order: startedAt is the earliest eventTime seen; a terminal event (COMPLETE, FAIL,
// ABORT) sets status, endedAt and errorMessage unless a later terminal event already did (equal
// times: the greater status wins); facets are the newest non-empty ones (ties: the greater text).
MATCH (r:Run {runId: $runId})
MATCH (j:Job {namespace: $job.namespace, name: $job.name})
MATCH (e:Experiment {name: r.experiment})
MERGE (r)-[:RUN_OF]->(j)
MERGE (r)-[:IN]->(e)
WITH r, j,
     $terminal AND (r.endedAt IS NULL OR $eventTime > r.endedAt
                    OR ($eventTime = r.endedAt AND $status > r.status)) AS ends,
     $runFacets IS NOT NULL AND (r.facetsAt IS NULL OR $eventTime > r.facetsAt
                                 OR ($eventTime = r.facetsAt AND $runFacets > r.facets)) AS newerRunFacets,
     $jobFacets IS NOT NULL AND (j.facetsAt IS NULL OR $eventTime > j.facetsAt
                                 OR ($eventTime = j.facetsAt AND $jobFacets > j.facets)) AS newerJobFacets
SET r.startedAt = CASE WHEN $eventTime < r.startedAt THEN $eventTime ELSE r.startedAt END,
    r.status = CASE WHEN ends THEN $status ELSE r.status END,
    r.endedAt = CASE WHEN ends THEN $eventTime ELSE r.endedAt END,
    r.errorMessage = CASE WHEN ends THEN $errorMessage ELSE r.errorMessage END,
    r.facets = CASE WHEN newerRunFacets THEN $runFacets ELSE r.facets END,
    r.facetsAt = CASE WHEN newerRunFacets THEN $eventTime ELSE r.facetsAt END,
    j.facets = CASE WHEN newerJobFacets THEN $jobFacets ELSE j.facets END,
    j.facetsAt = CASE WHEN newerJobFacets THEN $eventTime ELSE j.facetsAt END
RETURN r {.*} AS run

// name: link_lineage_parent
// The parent run facet: (run)-[:CHILD_OF]->(parent). A parent not seen yet is recorded as a
// RUNNING run of its job, which its own events complete later.
MATCH (r:Run {runId: $runId})
MERGE (j:Job {namespace: $parent.namespace, name: $parent.name})
  ON CREATE SET j.createdAt = datetime.transaction()
MERGE (e:Experiment {name: $parent.experiment})
  ON CREATE SET e.createdAt = datetime.transaction()
MERGE (p:Run {runId: $parent.runId})
  ON CREATE SET p.name = $parent.name, p.experiment = $parent.experiment, p.status = 'RUNNING',
                p.params = [], p.metrics = '[]', p.startedAt = $eventTime,
                p.jobNamespace = $parent.namespace, p.jobName = $parent.name
WITH r, j, e, p
CALL (r, j, e, p) {
  WITH r, j, e, p WHERE p <> r AND p.jobNamespace = $parent.namespace AND p.jobName = $parent.name
  SET p.startedAt = CASE WHEN $eventTime < p.startedAt THEN $eventTime ELSE p.startedAt END
  MERGE (p)-[:RUN_OF]->(j)
  MERGE (p)-[:IN]->(e)
  MERGE (r)-[:CHILD_OF]->(p)
  SET r.parentRunId = p.runId
}
RETURN p.runId AS parent

// name: link_lineage_commit
// The job's sourceCodeLocation facet named a git commit: the run ran it (the commit recorded once).
MATCH (r:Run {runId: $runId})
MERGE (c:Commit {repo: $commit.repo, sha: $commit.sha})
  ON CREATE SET c.branch = $commit.branch, c.createdAt = datetime.transaction()
MERGE (r)-[:RAN]->(c)
RETURN c.sha AS sha

// name: merge_lineage_datasets
// The datasets an event names, found by their OpenLineage identity or created with their registry
// name, each under its write lock (rows come sorted, so concurrent events lock in one order).
// Dataset facets are the newest non-empty ones (ties: the greater text).
UNWIND $datasets AS ds
MERGE (d:Dataset {sourceNamespace: ds.namespace, sourceName: ds.name})
  ON CREATE SET d.name = ds.registryName, d.createdAt = datetime.transaction(), d.versionCount = 0
SET d._lock = true
REMOVE d._lock
WITH d, ds,
     ds.facets IS NOT NULL AND (d.facetsAt IS NULL OR $eventTime > d.facetsAt
                                OR ($eventTime = d.facetsAt AND ds.facets > d.facets)) AS newer
SET d.facets = CASE WHEN newer THEN ds.facets ELSE d.facets END,
    d.facetsAt = CASE WHEN newer THEN $eventTime ELSE d.facetsAt END
RETURN ds.namespace AS namespace, ds.name AS name, d.name AS dataset

// name: merge_lineage_version
// One version of a dataset (locked by merge_lineage_datasets), by digest: the stored one, or the
// next number allocated under the dataset's lock. With $digest null: the newest version observed
// at or before the event's time, or else the implicit $firstSeen version. observedAt is the earliest
// eventTime the version was seen at; facets (written by a run) and readFacets (as a run read it)
// are the newest non-empty ones. With $runId, the run used it ($role) or produced it.
MATCH (d:Dataset {name: $dataset})
OPTIONAL CALL (d) {
  WITH d WHERE $digest IS NULL
  MATCH (v:DatasetVersion {dataset: d.name})
  WHERE NOT v.deleted AND coalesce(v.observedAt, v.createdAt) <= $eventTime
  RETURN v AS newest ORDER BY coalesce(v.observedAt, v.createdAt) DESC, v.version DESC LIMIT 1
}
WITH d, newest, coalesce($digest, $firstSeen) AS digest
OPTIONAL MATCH (prior:DatasetVersion {dataset: d.name, digest: digest})
WITH d, digest, coalesce(newest, prior) AS found
CALL (d, digest, found) {
  WITH d, digest, found WHERE found IS NULL
  SET d.versionCount = coalesce(d.versionCount, 0) + 1
  CREATE (v:DatasetVersion {dataset: d.name, version: d.versionCount, digest: digest, deleted: false,
                            createdAt: datetime.transaction(), observedAt: $eventTime})
  CREATE (v)-[:VERSION_OF]->(d)
  RETURN v
  UNION
  WITH found WHERE found IS NOT NULL
  SET found.observedAt = CASE WHEN found.observedAt IS NULL OR $eventTime < found.observedAt
                              THEN $eventTime ELSE found.observedAt END
  RETURN found AS v
}
WITH v,
     $facets IS NOT NULL AND (v.facetsAt IS NULL OR $eventTime > v.facetsAt
                              OR ($eventTime = v.facetsAt AND $facets > v.facets)) AS newer,
     $readFacets IS NOT NULL AND (v.readFacetsAt IS NULL OR $eventTime > v.readFacetsAt
                                  OR ($eventTime = v.readFacetsAt AND $readFacets > v.readFacets)) AS newerRead
SET v.facets = CASE WHEN newer THEN $facets ELSE v.facets END,
    v.facetsAt = CASE WHEN newer THEN $eventTime ELSE v.facetsAt END,
    v.readFacets = CASE WHEN newerRead THEN $readFacets ELSE v.readFacets END,
    v.readFacetsAt = CASE WHEN newerRead THEN $eventTime ELSE v.readFacetsAt END
WITH v
CALL (v) {
  MATCH (r:Run {runId: $runId}) WHERE $role IS NOT NULL
  MERGE (r)-[:USED {role: $role}]->(v)
}
CALL (v) {
  MATCH (r:Run {runId: $runId}) WHERE $produced AND NOT EXISTS { (v)-[:PRODUCED_BY]->(:Run) }
  MERGE (v)-[:PRODUCED_BY]->(r)
}
RETURN v {.*} AS datasetVersion

// name: derive_lineage_outputs
// Each version a run produced is derived from each version it used (marked with the run, so that
// impact explains the derivation through the run instead of around it). Re-run after every event
// of the run, so inputs and outputs reported by different events meet whatever the order.
MATCH (r:Run {runId: $runId})
MATCH (o:DatasetVersion)-[:PRODUCED_BY]->(r)
MATCH (r)-[:USED]->(i:DatasetVersion)
WHERE i <> o
MERGE (o)-[:DERIVED_FROM {run: $runId}]->(i)
RETURN count(*) AS derived

// name: merge_lineage_job
// A JobEvent's job (static metadata): the job, with its newest non-empty facets.
MERGE (j:Job {namespace: $job.namespace, name: $job.name})
  ON CREATE SET j.createdAt = datetime.transaction()
WITH j,
     $jobFacets IS NOT NULL AND (j.facetsAt IS NULL OR $eventTime > j.facetsAt
                                 OR ($eventTime = j.facetsAt AND $jobFacets > j.facets)) AS newer
SET j.facets = CASE WHEN newer THEN $jobFacets ELSE j.facets END,
    j.facetsAt = CASE WHEN newer THEN $eventTime ELSE j.facetsAt END
RETURN j {.*} AS job

// name: get_jobs
// Jobs by (namespace, name), for the per-request loader.
UNWIND $keys AS key
MATCH (j:Job {namespace: key[0], name: key[1]})
RETURN j {.*} AS job

// name: list_job_runs
// One page of a job's runs, newest first (ties by runId), with the total.
CALL () {
  MATCH (r:Run {jobNamespace: $namespace, jobName: $name})
  RETURN count(r) AS total
}
CALL () {
  MATCH (r:Run {jobNamespace: $namespace, jobName: $name})
  WHERE $after IS NULL OR r.startedAt < $afterStartedAt OR (r.startedAt = $afterStartedAt AND r.runId < $after)
  WITH r ORDER BY r.startedAt DESC, r.runId DESC LIMIT $limit
  RETURN collect(r {.*}) AS runs
}
RETURN total, runs

// name: find_dataset_by_source
// The dataset recorded under an OpenLineage identity.
MATCH (d:Dataset {sourceNamespace: $namespace, sourceName: $name})
RETURN d {.*} AS dataset

// name: set_dataset_source
// Gives a dataset its OpenLineage identity (registerDatasetVersion's source); returns the identity
// it has, which the service compares with the one asked for.
MATCH (d:Dataset {name: $dataset})
SET d.sourceNamespace = coalesce(d.sourceNamespace, $namespace),
    d.sourceName = coalesce(d.sourceName, $name)
RETURN d.sourceNamespace AS namespace, d.sourceName AS name
