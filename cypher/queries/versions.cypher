// name: create_model_version
// Allocates the next version number of a model (created on first use) and creates the version.
// The write lock on the model node is taken before anything is read, so concurrent writers
// queue up and see each other's committed versions: numbers run 1..N without gaps, and a
// retried requestId finds the version created by its first attempt.
MERGE (m:Model {name: $model})
  ON CREATE SET m.createdAt = datetime.transaction(), m.tags = [], m.versionCount = 0, m.eventCount = 0
SET m._lock = true
REMOVE m._lock
WITH m
OPTIONAL MATCH (prior:ModelVersion {model: $model, requestId: $requestId})
CALL (m, prior) {
  WITH m, prior WHERE prior IS NULL
  SET m.versionCount = m.versionCount + 1, m.eventCount = m.eventCount + 1
  CREATE (v:ModelVersion {model: m.name, version: m.versionCount, stage: 'NONE', deleted: false,
                          description: $description, tags: $tags, metrics: $metrics,
                          requestId: $requestId, createdAt: datetime.transaction(),
                          artifactSha256: $artifactSha256, artifactSize: $artifactSize,
                          artifactStatus: CASE WHEN $artifactSha256 IS NULL THEN null ELSE 'PENDING' END})
  CREATE (v)-[:VERSION_OF]->(m)
  CREATE (:Event {model: m.name, version: v.version, seq: m.eventCount, type: 'VERSION_CREATED',
                  actor: $actor, at: datetime.transaction()})
  RETURN v, false AS replayed
  UNION
  WITH prior WHERE prior IS NOT NULL
  RETURN prior AS v, true AS replayed
}
RETURN v {.*} AS version, replayed

// name: get_versions
// Model versions by (model, version) pair, for the per-request loader.
UNWIND $keys AS key
MATCH (v:ModelVersion {model: key[0], version: key[1]})
RETURN v {.*} AS version

// name: get_version_aliases
// The alias names currently pointing at each version.
UNWIND $keys AS key
MATCH (a:Alias {model: key[0]})-[:POINTS_TO]->(v:ModelVersion {model: key[0], version: key[1]})
RETURN key[0] AS model, key[1] AS version, collect(a.name) AS aliases

// name: get_latest_versions
// The newest non-deleted version of each model.
UNWIND $names AS name
CALL (name) {
  MATCH (v:ModelVersion {model: name})
  WHERE NOT v.deleted
  RETURN v ORDER BY v.version DESC LIMIT 1
}
RETURN v {.*} AS version

// name: get_stage_holders
// The non-deleted versions of each model that are in the given stage now.
UNWIND $names AS name
MATCH (v:ModelVersion {model: name, stage: $stage})
WHERE NOT v.deleted
RETURN v {.*} AS version
ORDER BY v.version DESC

// name: find_version_by_alias
// The version an alias of a model points at now.
MATCH (:Alias {model: $model, name: $alias})-[:POINTS_TO]->(v:ModelVersion)
RETURN v {.*} AS version

// name: find_version_by_alias_at
// The version an alias pointed at, at a moment in the past.
MATCH (h:AliasAssignment {model: $model, alias: $alias})
WHERE h.from <= $at AND (h.to IS NULL OR h.to > $at)
MATCH (v:ModelVersion {model: $model, version: h.version})
RETURN v {.*} AS version
ORDER BY h.seq DESC LIMIT 1

// name: find_version_by_stage_at
// The version that held a stage at a moment in the past: among each version's transitions up to
// that moment, the last one decides its stage; the most recent entrant into the stage wins.
MATCH (e:Event {model: $model, type: 'STAGE_CHANGED'})
WHERE e.at <= $at
WITH e ORDER BY e.seq DESC
WITH e.version AS number, head(collect(e)) AS last
WHERE last.toStage = $stage
WITH number, last ORDER BY last.seq DESC LIMIT 1
MATCH (v:ModelVersion {model: $model, version: number})
RETURN v {.*} AS version

// name: find_latest_version_at
// The newest version that existed at a moment in the past.
MATCH (v:ModelVersion {model: $model})
WHERE v.createdAt <= $at
RETURN v {.*} AS version
ORDER BY v.version DESC LIMIT 1

// name: list_versions
// One page of each model's non-deleted versions, newest first, optionally in one stage, with the
// total: one row per model, for the per-request loader (a listing of N models is one query, not N).
// Times as text: see records.moment.
UNWIND $models AS model
CALL (model) {
  MATCH (v:ModelVersion {model: model})
  WHERE NOT v.deleted AND ($stage IS NULL OR v.stage = $stage)
  RETURN count(v) AS total
}
CALL (model) {
  MATCH (v:ModelVersion {model: model})
  WHERE NOT v.deleted AND ($stage IS NULL OR v.stage = $stage) AND ($after IS NULL OR v.version < $after)
  WITH v ORDER BY v.version DESC LIMIT $limit
  RETURN collect(v {.*, createdAt: toString(datetime({datetime: v.createdAt, timezone: 'Z'}))}) AS versions
}
RETURN model, total, versions

// name: get_stage_histories
// Every stage change of each version, oldest first.
UNWIND $keys AS key
MATCH (e:Event {model: key[0], version: key[1], type: 'STAGE_CHANGED'})
RETURN e {.*} AS transition
ORDER BY e.seq

// name: get_alias_histories
// Every alias assignment each version held, oldest first.
UNWIND $keys AS key
MATCH (h:AliasAssignment {model: key[0], version: key[1]})
RETURN h {.*} AS assignment
ORDER BY h.seq

// name: find_version_with_links
// The version an alias points at now, or a version by number, with what the asked fields need in the
// same query (the `modelVersion` root field looks ahead at its selection): with $provenance, what
// get_version_provenance returns for it; with $aliases, what get_version_aliases returns. Times as
// text (see records.moment; datetime() of a missing time is an error, hence the CASEs).
CALL () {
  MATCH (:Alias {model: $model, name: $alias})-[:POINTS_TO]->(v:ModelVersion)
  RETURN v
  UNION
  MATCH (v:ModelVersion {model: $model, version: $version})
  RETURN v
}
OPTIONAL MATCH (v)-[:PRODUCED_BY]->(r:Run WHERE $provenance)
RETURN v {.*, createdAt: toString(datetime({datetime: v.createdAt, timezone: 'Z'}))} AS version,
       CASE WHEN $provenance THEN {
         run: CASE WHEN r IS NULL THEN null ELSE r {.*,
                startedAt: CASE WHEN r.startedAt IS NULL THEN null
                                ELSE toString(datetime({datetime: r.startedAt, timezone: 'Z'})) END,
                endedAt: CASE WHEN r.endedAt IS NULL THEN null
                              ELSE toString(datetime({datetime: r.endedAt, timezone: 'Z'})) END} END,
         commit: head([(r)-[:RAN]->(c:Commit) | c {.*}]),
         inputs: [(r)-[u:USED]->(d:DatasetVersion) |
                  {role: u.role,
                   datasetVersion: d {.*, createdAt: toString(datetime({datetime: d.createdAt, timezone: 'Z'}))}}],
         baseModel: head([(v)-[:FINE_TUNED_FROM]->(b:ModelVersion) |
                          b {.*, createdAt: toString(datetime({datetime: b.createdAt, timezone: 'Z'}))}]),
         packages: [(v)-[:REQUIRES]->(p:Package) | p {.*}]
       } END AS provenance,
       CASE WHEN $aliases THEN [(a:Alias {model: v.model})-[:POINTS_TO]->(v) | a.name] END AS aliases
