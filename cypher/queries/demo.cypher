// name: date_demo_model_history
// The demo's story happened on fixed dates (services/demo.py): each demo model's events take, in
// sequence order, the dates the loader lists for them, and its versions (and their verified
// artifacts) were created when their VERSION_CREATED events say. A model whose events are not the
// story's (more or fewer than listed) keeps the times it has.
UNWIND $models AS story
MATCH (m:Model {name: story.model})
MATCH (e:Event {model: story.model})
WITH m, story, e ORDER BY e.seq
WITH m, story, collect(e) AS events
WHERE size(events) = size(story.times)
SET m.createdAt = datetime(story.times[0])
WITH m, story, events
UNWIND range(0, size(events) - 1) AS i
WITH m, events[i] AS e, datetime(story.times[i]) AS at
SET e.at = at
WITH m, e, at
OPTIONAL MATCH (v:ModelVersion {model: m.name, version: e.version})
WHERE e.type = 'VERSION_CREATED'
SET v.createdAt = at,
    v.artifactVerifiedAt = CASE WHEN v.artifactVerifiedAt IS NULL THEN null ELSE at END
RETURN count(DISTINCT m) AS models

// name: date_demo_alias_history
// A demo model's alias assignments start when their ALIAS_SET events happened and end when the
// next assignment of the same alias started (after date_demo_model_history).
UNWIND $models AS model
MATCH (h:AliasAssignment {model: model})
MATCH (e:Event {model: model, seq: h.seq})
SET h.from = e.at
WITH h
OPTIONAL MATCH (next:AliasAssignment {model: h.model, alias: h.alias})
WHERE next.seq > h.seq
WITH h, next ORDER BY next.seq
WITH h, head(collect(next)) AS following
SET h.to = CASE WHEN h.to IS NULL THEN null ELSE following.from END
RETURN count(h) AS assignments

// name: date_demo_runs
// The demo's runs started and ended on the story's dates; their experiments began with their first
// run and each commit was first recorded by the first run that ran it.
UNWIND $runs AS row
MATCH (r:Run {runId: row.runId})
SET r.startedAt = datetime(row.startedAt), r.endedAt = datetime(row.endedAt)
WITH collect(r) AS runs
CALL (runs) {
  UNWIND runs AS r
  MATCH (r)-[:IN]->(e:Experiment)
  WITH e, min(r.startedAt) AS first
  SET e.createdAt = first
}
CALL (runs) {
  UNWIND runs AS r
  MATCH (r)-[:RAN]->(c:Commit)
  WITH c, min(r.startedAt) AS first
  SET c.createdAt = first
}
RETURN size(runs) AS runs

// name: date_demo_dataset_versions
// The demo's dataset versions were registered on the story's dates; each dataset began with its
// first version.
UNWIND $versions AS row
MATCH (v:DatasetVersion {dataset: row.dataset, version: row.version})
SET v.createdAt = datetime(row.at)
WITH v
MATCH (v)-[:VERSION_OF]->(d:Dataset)
WITH d, min(v.createdAt) AS first
SET d.createdAt = first
RETURN count(d) AS datasets
