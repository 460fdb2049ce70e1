// name: record_audit_entry
// Writes audit entries, one per attempt in $entries (a change's transaction may carry several: the
// coalesced metric writes of services/mlflow_metric_writes.py): a mutation about to run (outcome
// PENDING), one written whole with its outcome (OK, concluded at commit), or one refused before it
// ran (FORBIDDEN). requestId is the server's; clientRequestId the caller's X-Request-Id, if any.
// Times are kept to the microsecond so page cursors compare exactly.
UNWIND $entries AS entry
CREATE (e:AuditEntry {id: entry.id, at: datetime.truncate('microsecond', datetime.transaction()),
                      actor: entry.actor, role: entry.role, operation: entry.operation, outcome: entry.outcome,
                      model: entry.model, version: entry.version, arguments: entry.arguments,
                      requestId: entry.requestId, clientRequestId: entry.clientRequestId, message: entry.message})
RETURN e.id AS id

// name: finish_audit_entry
// Records how a PENDING attempt ended, and the model version it touched once that is known (a new
// version's number, say). An entry that already has an outcome is never changed.
MATCH (e:AuditEntry {id: $id})
WHERE e.outcome = 'PENDING'
SET e.outcome = $outcome, e.message = $message, e.finishedAt = datetime.transaction(),
    e.model = coalesce(e.model, $model), e.version = coalesce(e.version, $version)
RETURN e.id AS id

// name: amend_audit_entry
// An attempt whose one transaction wrote its entry OK with the change (services/audit.py,
// concludes_at_commit) and that then failed: its error replaces OK; the change itself committed.
MATCH (e:AuditEntry {id: $id})
WHERE e.outcome = 'OK'
SET e.outcome = $outcome, e.message = $message, e.finishedAt = datetime.transaction()
RETURN e.id AS id

// name: list_model_audit_entries
// One page of a model's audit entries (optionally of one version and/or one actor), newest first,
// after the (at, id) cursor.
MATCH (e:AuditEntry {model: $model})
WHERE ($version IS NULL OR e.version = $version) AND ($actor IS NULL OR e.actor = $actor)
  AND ($afterAt IS NULL OR e.at < $afterAt OR (e.at = $afterAt AND e.id < $afterId))
WITH e ORDER BY e.at DESC, e.id DESC LIMIT $limit
RETURN e {.*} AS entry

// name: count_model_audit_entries
// How many entries list_model_audit_entries pages through.
MATCH (e:AuditEntry {model: $model})
WHERE ($version IS NULL OR e.version = $version) AND ($actor IS NULL OR e.actor = $actor)
RETURN count(e) AS total

// name: list_audit_entries
// One page of the whole audit log (optionally of one actor), newest first, after the (at, id)
// cursor. The range predicate on `at` lets the planner walk the time index backwards and stop at the
// page's end, instead of sorting the whole log (one entry per mutation ever made).
MATCH (e:AuditEntry)
WHERE e.at <= coalesce($afterAt, datetime('9999-12-31T23:59:59Z'))
  AND ($actor IS NULL OR e.actor = $actor)
  AND ($afterAt IS NULL OR e.at < $afterAt OR e.id < $afterId)
WITH e ORDER BY e.at DESC, e.id DESC LIMIT $limit
RETURN e {.*} AS entry

// name: count_audit_entries
// How many entries list_audit_entries pages through (reads the whole log: asked only for totalCount).
MATCH (e:AuditEntry)
WHERE $actor IS NULL OR e.actor = $actor
RETURN count(e) AS total
