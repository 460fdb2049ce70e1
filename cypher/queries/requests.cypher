// name: lock_for_request
// Takes the model's write lock, then reads the version a request is about and the open request for
// the same version and stage, if any (`openKey` is set only on PENDING requests).
MATCH (m:Model {name: $model})
SET m._lock = true
REMOVE m._lock
WITH m
OPTIONAL MATCH (v:ModelVersion {model: $model, version: $version})
OPTIONAL MATCH (open:StageTransitionRequest {openKey: $openKey})
RETURN m.eventCount AS eventCount, v {.*} AS version, open.id AS openId

// name: create_transition_request
// Opens a request (PENDING) for a version and records TRANSITION_REQUESTED, under the model's lock.
MATCH (m:Model {name: $model})
MATCH (v:ModelVersion {model: $model, version: $version})
SET m.eventCount = $seq
CREATE (r:StageTransitionRequest {id: $id, model: $model, version: $version, to: $to, fromStage: v.stage,
                                  requestedBy: $actor, requestedAt: datetime.transaction(), comment: $comment,
                                  state: 'PENDING', requiredApprovals: $requiredApprovals, openKey: $openKey})
CREATE (r)-[:FOR]->(v)
CREATE (:Event {model: $model, version: $version, seq: $seq, type: 'TRANSITION_REQUESTED', detail: $detail,
                actor: $actor, at: datetime.transaction()})
RETURN r.id AS id

// name: lock_request_model
// Takes the write lock of the model a request is about (every decision on its requests queues
// behind it); no row when the request does not exist.
MATCH (r:StageTransitionRequest {id: $id})
MATCH (m:Model {name: r.model})
SET m._lock = true
REMOVE m._lock
RETURN r.model AS model, m.eventCount AS eventCount

// name: get_transition_requests
// Requests by id, each with its decisions in the order they were made.
UNWIND $ids AS id
MATCH (r:StageTransitionRequest {id: id})
RETURN r {.*, decisions: [(d:ApprovalDecision)-[:ON]->(r) | d {.*}]} AS request

// name: record_decision
// Records one actor's approval or rejection of a request, with its event, under the model's lock.
// The uniqueness constraint on (request, actor) backs "once each".
MATCH (m:Model {name: $model})
MATCH (r:StageTransitionRequest {id: $id})
SET m.eventCount = $seq
CREATE (:ApprovalDecision {request: $id, actor: $actor, approved: $approved, comment: $comment,
                           at: datetime.transaction()})-[:ON]->(r)
CREATE (:Event {model: $model, version: r.version, seq: $seq, type: $type, detail: $detail, actor: $actor,
                at: datetime.transaction()})
RETURN r.id AS id

// name: close_transition_request
// Ends a request (APPROVED, REJECTED, CANCELLED or EXPIRED): it is no longer open.
MATCH (r:StageTransitionRequest {id: $id})
SET r.state = $state, r.decidedAt = datetime.transaction()
REMOVE r.openKey
RETURN r.id AS id

// name: record_cancellation
// The event of a cancelled request, under the model's lock.
MATCH (m:Model {name: $model})
SET m.eventCount = $seq
CREATE (:Event {model: $model, version: $version, seq: $seq, type: 'TRANSITION_CANCELLED', detail: $detail,
                actor: $actor, at: datetime.transaction()})

// name: find_pending_requests_of_versions
// The PENDING requests of some versions of a model (which leave their stage, or are deleted), with the
// model's event count to number their TRANSITION_EXPIRED events from. The caller holds the model's lock.
MATCH (m:Model {name: $model})
OPTIONAL MATCH (r:StageTransitionRequest {model: $model, state: 'PENDING'})
WHERE r.version IN $versions
WITH m, r ORDER BY r.requestedAt
RETURN m.eventCount AS eventCount, collect(r {.id, .version}) AS pending

// name: expire_transition_requests
// Ends requests EXPIRED, each with its TRANSITION_EXPIRED event (numbered by the caller).
MATCH (m:Model {name: $model})
SET m.eventCount = $eventCount
WITH m
UNWIND $expiring AS entry
MATCH (r:StageTransitionRequest {id: entry.id})
SET r.state = 'EXPIRED', r.decidedAt = datetime.transaction()
REMOVE r.openKey
CREATE (:Event {model: $model, version: r.version, seq: entry.seq, type: 'TRANSITION_EXPIRED', detail: r.id,
                actor: $actor, at: datetime.transaction()})

// name: record_transition_approvers
// Names the approvers on the STAGE_CHANGED event of a move that completed a request.
MATCH (e:Event {model: $model, seq: $seq})
SET e.approvedBy = $approvedBy

// name: list_pending_requests
// PENDING requests, oldest first, of one model, of one team's models, or of every model.
MATCH (r:StageTransitionRequest {state: 'PENDING'})
WHERE ($model IS NULL OR r.model = $model)
  AND ($team IS NULL OR EXISTS { (:Model {name: r.model})-[:OWNED_BY]->(:Team {name: $team}) })
WITH r ORDER BY r.requestedAt, r.id
RETURN r {.*, decisions: [(d:ApprovalDecision)-[:ON]->(r) | d {.*}]} AS request

// name: get_version_requests
// The requests of each version, newest first, for the per-request loader.
UNWIND $keys AS key
MATCH (r:StageTransitionRequest {model: key[0], version: key[1]})
WITH r ORDER BY r.requestedAt DESC
RETURN r {.*, decisions: [(d:ApprovalDecision)-[:ON]->(r) | d {.*}]} AS request
