// name: lock_for_transition
// Takes the model's write lock (every lifecycle change of a model queues behind it), then reads
// the version to move and the other versions that hold the target stage now, and whether the
// version's producing run used a dataset and ran a commit (PRODUCTION governance).
MATCH (m:Model {name: $model})
SET m._lock = true
REMOVE m._lock
WITH m
OPTIONAL MATCH (v:ModelVersion {model: $model, version: $version})
OPTIONAL MATCH (holder:ModelVersion {model: $model, stage: $stage})
WHERE holder.version <> $version AND NOT holder.deleted
RETURN m.eventCount AS eventCount, v {.*} AS version, collect(holder.version) AS holders,
       v IS NOT NULL AND EXISTS { (v)-[:PRODUCED_BY]->(:Run)-[:USED]->(:DatasetVersion) } AS hasDataset,
       v IS NOT NULL AND EXISTS { (v)-[:PRODUCED_BY]->(:Run)-[:RAN]->(:Commit) } AS hasCommit

// name: apply_stage_changes
// Moves versions between stages and records each move as a STAGE_CHANGED event, in the
// transaction that holds the model's lock. `changes` carry their event sequence numbers. Every
// version moved, and the model, were last updated now (MLflow's last_updated_timestamp).
MATCH (m:Model {name: $model})
SET m.eventCount = $eventCount, m.updatedAt = datetime.transaction()
WITH m
UNWIND $changes AS change
MATCH (v:ModelVersion {model: $model, version: change.version})
SET v.stage = change.toStage, v.updatedAt = datetime.transaction()
CREATE (:Event {model: $model, version: change.version, seq: change.seq, type: 'STAGE_CHANGED',
                fromStage: change.fromStage, toStage: change.toStage, comment: change.comment,
                actor: $actor, at: datetime.transaction()})
RETURN v {.*} AS version

// name: lock_for_alias
// Takes the model's write lock, then reads the version an alias should point at and the
// version it points at now.
MATCH (m:Model {name: $model})
SET m._lock = true
REMOVE m._lock
WITH m
OPTIONAL MATCH (v:ModelVersion {model: $model, version: $version})
OPTIONAL MATCH (:Alias {model: $model, name: $alias})-[:POINTS_TO]->(current:ModelVersion)
RETURN m.eventCount AS eventCount, v {.*} AS version, current.version AS currentVersion

// name: move_alias
// Points an alias at a version: the old pointer and the open assignment are closed and the new
// ones opened in the same transaction, so the alias always points at exactly one version.
MATCH (m:Model {name: $model})
MATCH (v:ModelVersion {model: $model, version: $version})
SET m.eventCount = $seq
MERGE (a:Alias {model: $model, name: $alias})
WITH v, a
OPTIONAL MATCH (a)-[old:POINTS_TO]->()
DELETE old
WITH DISTINCT v, a
CREATE (a)-[:POINTS_TO]->(v)
WITH v
OPTIONAL MATCH (open:AliasAssignment {model: $model, alias: $alias})
WHERE open.to IS NULL
SET open.to = datetime.transaction()
WITH DISTINCT v
CREATE (:AliasAssignment {model: $model, alias: $alias, version: $version, actor: $actor,
                          from: datetime.transaction(), seq: $seq})
CREATE (:Event {model: $model, version: $version, seq: $seq, type: 'ALIAS_SET', detail: $alias,
                actor: $actor, at: datetime.transaction()})
RETURN v {.*} AS version

// name: remove_alias
// Deletes an alias and closes its open assignment; no row when the alias does not exist.
MATCH (a:Alias {model: $model, name: $alias})-[:POINTS_TO]->(v:ModelVersion)
MATCH (m:Model {name: $model})
SET m.eventCount = $seq
DETACH DELETE a
WITH v
OPTIONAL MATCH (open:AliasAssignment {model: $model, alias: $alias})
WHERE open.to IS NULL
SET open.to = datetime.transaction()
WITH DISTINCT v
CREATE (:Event {model: $model, version: v.version, seq: $seq, type: 'ALIAS_DELETED', detail: $alias,
                actor: $actor, at: datetime.transaction()})
RETURN v.version AS version
