// name: find_event_position
// Where a feed of one model's events starts: just before its first event at or after $since, or
// after its last event when $since is null or nothing happened since then.
OPTIONAL MATCH (e:Event {model: $model})
WITH max(e.seq) AS last, min(CASE WHEN e.at >= $since THEN e.seq END) AS first
RETURN coalesce(first - 1, last, 0) AS after

// name: list_model_events
// One model's events after a position, in sequence order (index on model + seq), each with the
// version it is about (absent once a version was hard-deleted).
MATCH (e:Event {model: $model})
WHERE e.seq > $after
WITH e ORDER BY e.seq LIMIT $limit
OPTIONAL MATCH (v:ModelVersion {model: e.model, version: e.version})
RETURN e {.*} AS event, v {.*} AS version

// name: list_event_heads
// Which models had events in a recent time window (index on Event.at): each model's last sequence
// number and its first one at or after $start, with the database's clock to move the window on.
OPTIONAL MATCH (e:Event)
WHERE e.at >= $since
WITH e.model AS model, max(e.seq) AS last, min(CASE WHEN e.at >= $start THEN e.seq END) AS first
WITH collect(CASE WHEN model IS NOT NULL THEN {model: model, last: last, first: first} END) AS heads
RETURN heads, datetime() AS now

// name: list_events_after
// Several models' events after a position each, up to $limit per model, with their versions.
UNWIND $cursors AS cursor
CALL (cursor) {
  MATCH (e:Event {model: cursor.model})
  WHERE e.seq > cursor.after
  RETURN e ORDER BY e.seq LIMIT $limit
}
OPTIONAL MATCH (v:ModelVersion {model: e.model, version: e.version})
RETURN e {.*} AS event, v {.*} AS version

// name: get_database_time
// The database's clock: event times come from it, so feeds measure windows with it too.
RETURN datetime() AS now
