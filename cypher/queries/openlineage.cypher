// name: apply_lineage_run
// A run event, whole, with its audit entry, in one statement (one round trip, its own auto-commit
// transaction: services/audit.write_one_concluded).
// The run: found or created, and its write lock taken, so the events of one run are applied one
// after the other. Returns the job the run belongs to; only when it is the event's job is the rest
// applied (its job, its experiment named after the job's namespace, and everything below), and
// otherwise nothing at all is written (the caller refuses the event). startedAt is the earliest
// eventTime seen; a terminal event (COMPLETE, FAIL, ABORT) sets status, endedAt and errorMessage
// unless a later terminal event already did (equal times: the greater status wins); facets are the
// newest non-empty ones (ties: the greater text); shared nodes (the job) are written only when they
// change. With $parent (the parent run facet): (run)-[:CHILD_OF]->(parent), a parent not seen yet
// recorded as a RUNNING run of its job, which its own events complete later. With $commit (the
// job's sourceCodeLocation named a git commit): the run ran it, the commit recorded once.
// The datasets ($datasets, sorted, so concurrent events lock in one order): found by their
// OpenLineage identity or created with their registry name; facets the newest non-empty ones.
// The versions ($versions, each item in its own subquery, in order: a dataset both read and written
// is two items, the read first): one version of the item's dataset, by digest: the stored one, or
// the next number allocated (under the dataset's write lock, checked again under it) and the version
// created. With item.digest null (an input read without a version facet, under the lock too): the
// newest version observed strictly before the event's time, or else the implicit $firstSeen version
// (the data as it was before anything seen), numbered 0 outside the count: it precedes every version
// observed, whenever its reads arrive. A version created for a time before reads that were resolved
// by time takes those reads over (their USED edges, and the derivations of what those runs wrote;
// each such run locked first), and a first-seen version left with no reads at all goes, so the end
// state does not depend on arrival order. observedAt is the earliest eventTime the version was seen
// at; facets (written by a run) and readFacets (as a run read it) are the newest non-empty ones. The
// run used the version (item.role, at the event's time) or produced it (item.produced). Last, each
// version the run produced is derived from each version it used (marked with the run, so that
// impact explains the derivation through the run). Last of all, with $audit (record_audit_entry's
// parameters, outcome OK), the attempt's audit entry, MERGEd on its id (a retried statement that had
// committed writes no second one); `audited` says it was written.
// The run's edges are created when missing, not MERGEd: a MERGE of a relationship locks both of its
// nodes until commit, so every new run of a namespace would wait on its one experiment, every child
// on its parent, every reader of a shared table on the version it read. The run's own lock keeps
// its edges single; a parent's edges exist once it does (the statement that created it wrote them).
MERGE (r:Run {runId: $runId})
  ON CREATE SET r.name = $job.name, r.experiment = $experiment, r.status = 'RUNNING', r.params = [],
                r.metrics = '[]', r.startedAt = $eventTime, r.jobNamespace = $job.namespace,
                r.jobName = $job.name
SET r._lock = true
REMOVE r._lock
WITH r, coalesce(r.jobNamespace = $job.namespace AND r.jobName = $job.name, false) AS mine
CALL (r, mine) {
  WITH r WHERE mine
  MERGE (j:Job {namespace: $job.namespace, name: $job.name})
    ON CREATE SET j.createdAt = datetime.transaction()
  MERGE (e:Experiment {name: $experiment})
    ON CREATE SET e.createdAt = datetime.transaction()
  WITH r, j, e
  CALL (r, j) {
    WITH r, j WHERE NOT EXISTS { (r)-[:RUN_OF]->(j) }
    CREATE (r)-[:RUN_OF]->(j)
  }
  CALL (r, e) {
    WITH r, e WHERE NOT EXISTS { (r)-[:IN]->(e) }
    CREATE (r)-[:IN]->(e)
  }
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
      r.facetsAt = CASE WHEN newerRunFacets THEN $eventTime ELSE r.facetsAt END
  WITH r, j, newerJobFacets
  CALL (j, newerJobFacets) {
    WITH j WHERE newerJobFacets
    SET j.facets = $jobFacets, j.facetsAt = $eventTime
  }
  CALL (r) {
    WITH r WHERE $parent IS NOT NULL
    MERGE (pj:Job {namespace: $parent.namespace, name: $parent.name})
      ON CREATE SET pj.createdAt = datetime.transaction()
    MERGE (pe:Experiment {name: $parent.experiment})
      ON CREATE SET pe.createdAt = datetime.transaction()
    MERGE (p:Run {runId: $parent.runId})
      ON CREATE SET p.name = $parent.name, p.experiment = $parent.experiment, p.status = 'RUNNING',
                    p.params = [], p.metrics = '[]', p.startedAt = $eventTime,
                    p.jobNamespace = $parent.namespace, p.jobName = $parent.name
    WITH r, pj, pe, p
    WHERE p <> r AND p.jobNamespace = $parent.namespace AND p.jobName = $parent.name
    CALL (p, pj) {
      WITH p, pj WHERE NOT EXISTS { (p)-[:RUN_OF]->(pj) }
      CREATE (p)-[:RUN_OF]->(pj)
    }
    CALL (p, pe) {
      WITH p, pe WHERE NOT EXISTS { (p)-[:IN]->(pe) }
      CREATE (p)-[:IN]->(pe)
    }
    CALL (r, p) {
      WITH r, p WHERE NOT EXISTS { (r)-[:CHILD_OF]->(p) }
      CREATE (r)-[:CHILD_OF]->(p)
      SET r.parentRunId = p.runId
    }
    CALL (p) {
      WITH p WHERE $eventTime < p.startedAt
      SET p.startedAt = $eventTime
    }
  }
  CALL (r) {
    WITH r WHERE $commit IS NOT NULL
    MERGE (c:Commit {repo: $commit.repo, sha: $commit.sha})
      ON CREATE SET c.branch = $commit.branch, c.createdAt = datetime.transaction()
    WITH r, c WHERE NOT EXISTS { (r)-[:RAN]->(c) }
    CREATE (r)-[:RAN]->(c)
  }
}
CALL (mine) {
  WITH mine WHERE mine
  UNWIND $datasets AS ds
  MERGE (d:Dataset {sourceNamespace: ds.namespace, sourceName: ds.name})
    ON CREATE SET d.name = ds.registryName, d.createdAt = datetime.transaction(), d.versionCount = 0
  WITH d, ds,
       ds.facets IS NOT NULL AND (d.facetsAt IS NULL OR $eventTime > d.facetsAt
                                  OR ($eventTime = d.facetsAt AND ds.facets > d.facets)) AS newer
  CALL (d, ds, newer) {
    WITH d, ds WHERE newer
    SET d.facets = ds.facets, d.facetsAt = $eventTime
  }
}
CALL (mine) {
  UNWIND CASE WHEN mine THEN $versions ELSE [] END AS item
  CALL (item) {
    MATCH (d:Dataset {sourceNamespace: item.namespace, sourceName: item.name})
    CALL (d, item) {
      WITH d WHERE item.digest IS NULL
      SET d._lock = true
      REMOVE d._lock
    }
    OPTIONAL CALL (d, item) {
      WITH d WHERE item.digest IS NULL
      MATCH (v:DatasetVersion {dataset: d.name})
      WHERE NOT v.deleted AND v.digest <> $firstSeen AND coalesce(v.observedAt, v.createdAt) < $eventTime
      RETURN v AS newest ORDER BY coalesce(v.observedAt, v.createdAt) DESC, v.version DESC LIMIT 1
    }
    WITH item, d, newest, coalesce(item.digest, $firstSeen) AS digest
    OPTIONAL MATCH (prior:DatasetVersion {dataset: d.name, digest: digest})
    WITH item, d, digest, coalesce(newest, prior) AS found
    CALL (d, digest, found) {
      WITH d, digest, found WHERE found IS NULL
      SET d._lock = true
      REMOVE d._lock
      WITH d, digest
      OPTIONAL MATCH (again:DatasetVersion {dataset: d.name, digest: digest})
      CALL (d, digest, again) {
        WITH d, digest, again WHERE again IS NULL
        SET d.versionCount = coalesce(d.versionCount, 0) + CASE WHEN digest = $firstSeen THEN 0 ELSE 1 END
        CREATE (v:DatasetVersion {dataset: d.name, version: CASE WHEN digest = $firstSeen THEN 0 ELSE d.versionCount END,
                                  digest: digest, deleted: false, createdAt: datetime.transaction(),
                                  observedAt: $eventTime})
        CREATE (v)-[:VERSION_OF]->(d)
        RETURN v, true AS created
        UNION
        WITH again WHERE again IS NOT NULL
        RETURN again AS v, false AS created
      }
      RETURN v, created
      UNION
      WITH found WHERE found IS NOT NULL
      RETURN found AS v, false AS created
    }
    CALL (d, v, created) {
      WITH d, v WHERE created AND v.digest <> $firstSeen
      MATCH (r:Run)-[u:USED {byTime: true}]->(x:DatasetVersion {dataset: d.name})
      WHERE x <> v AND r.runId <> $runId AND u.at > v.observedAt
        AND (x.digest = $firstSeen OR coalesce(x.observedAt, x.createdAt) < v.observedAt)
      SET r._lock = true
      REMOVE r._lock
      WITH r, u, x, v
      MERGE (r)-[moved:USED {role: u.role}]->(v)
        ON CREATE SET moved.at = u.at, moved.byTime = true
      WITH r, u, x, v
      CALL (r, x, v) {
        MATCH (o:DatasetVersion)-[old:DERIVED_FROM {run: r.runId}]->(x)
        MERGE (o)-[:DERIVED_FROM {run: r.runId}]->(v)
        DELETE old
      }
      DELETE u
    }
    CALL (d, v, created) {
      WITH d WHERE created AND v.digest <> $firstSeen
      MATCH (orphan:DatasetVersion {dataset: d.name, digest: $firstSeen})
      WHERE COUNT { (orphan)--() } = 1
      DETACH DELETE orphan
    }
    WITH item, v,
         $eventTime < v.observedAt AS earlier,
         item.facets IS NOT NULL AND (v.facetsAt IS NULL OR $eventTime > v.facetsAt
                                      OR ($eventTime = v.facetsAt AND item.facets > v.facets)) AS newer,
         item.readFacets IS NOT NULL AND (v.readFacetsAt IS NULL OR $eventTime > v.readFacetsAt
                                          OR ($eventTime = v.readFacetsAt AND item.readFacets > v.readFacets)) AS newerRead
    CALL (item, v, earlier, newer, newerRead) {
      WITH v WHERE earlier OR newer OR newerRead
      SET v.observedAt = CASE WHEN earlier THEN $eventTime ELSE v.observedAt END,
          v.facets = CASE WHEN newer THEN item.facets ELSE v.facets END,
          v.facetsAt = CASE WHEN newer THEN $eventTime ELSE v.facetsAt END,
          v.readFacets = CASE WHEN newerRead THEN item.readFacets ELSE v.readFacets END,
          v.readFacetsAt = CASE WHEN newerRead THEN $eventTime ELSE v.readFacetsAt END
    }
    CALL (item, v) {
      MATCH (r:Run {runId: $runId}) WHERE item.role IS NOT NULL
      OPTIONAL MATCH (r)-[u:USED {role: item.role}]->(v)
      CALL (item, r, v, u) {
        WITH r, v WHERE u IS NULL
        CREATE (r)-[:USED {role: item.role, at: $eventTime, byTime: item.digest IS NULL}]->(v)
      }
      CALL (u) {
        WITH u WHERE $eventTime < u.at
        SET u.at = $eventTime
      }
    }
    CALL (item, v) {
      MATCH (r:Run {runId: $runId}) WHERE item.produced AND NOT EXISTS { (v)-[:PRODUCED_BY]->(:Run) }
      MERGE (v)-[:PRODUCED_BY]->(r)
    }
    RETURN v
  }
  RETURN count(v) AS merged
}
CALL (r, mine) {
  WITH r WHERE mine
  MATCH (o:DatasetVersion)-[:PRODUCED_BY]->(r)
  MATCH (r)-[:USED]->(i:DatasetVersion)
  WHERE i <> o AND NOT EXISTS { (o)-[:DERIVED_FROM {run: $runId}]->(i) }
  CREATE (o)-[:DERIVED_FROM {run: $runId}]->(i)
}
CALL (mine) {
  WITH mine WHERE mine AND $audit IS NOT NULL
  MERGE (entry:AuditEntry {id: $audit.id})
    ON CREATE SET entry.at = datetime.truncate('microsecond', datetime.transaction()), entry.actor = $audit.actor,
                  entry.role = $audit.role, entry.operation = $audit.operation, entry.outcome = $audit.outcome,
                  entry.model = $audit.model, entry.version = $audit.version, entry.arguments = $audit.arguments,
                  entry.requestId = $audit.requestId, entry.clientRequestId = $audit.clientRequestId,
                  entry.message = $audit.message
}
RETURN r.jobNamespace AS jobNamespace, r.jobName AS jobName, mine AND $audit IS NOT NULL AS audited

// name: merge_lineage_datasets
// The datasets a DatasetEvent or JobEvent names (a run event's are merged by apply_lineage_run), found by their OpenLineage identity or created with their registry
// name (rows come sorted, so concurrent events lock in one order). Dataset facets are the newest
// non-empty ones (ties: the greater text), written only when they change.
UNWIND $datasets AS ds
MERGE (d:Dataset {sourceNamespace: ds.namespace, sourceName: ds.name})
  ON CREATE SET d.name = ds.registryName, d.createdAt = datetime.transaction(), d.versionCount = 0
WITH d, ds,
     ds.facets IS NOT NULL AND (d.facetsAt IS NULL OR $eventTime > d.facetsAt
                                OR ($eventTime = d.facetsAt AND ds.facets > d.facets)) AS newer
CALL (d, ds, newer) {
  WITH d, ds WHERE newer
  SET d.facets = ds.facets, d.facetsAt = $eventTime
}
RETURN count(d) AS datasets

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
