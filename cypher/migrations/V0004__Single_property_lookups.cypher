// Lookups by the first property of a composite key alone (found by bench/run.py, issue 7).
// A composite index (or the uniqueness constraint behind one) is not used for a predicate on one
// of its properties, so without these the planner scans every node of the label: a model's
// versions (list_versions, get_latest_versions, find_latest_version_at), a model's aliases
// (get_model_aliases) and a model's events (find_event_position, find_version_by_stage_at) would
// cost time proportional to the whole registry instead of to the one model.
CREATE INDEX model_version_model IF NOT EXISTS FOR (v:ModelVersion) ON (v.model);
CREATE INDEX alias_model IF NOT EXISTS FOR (a:Alias) ON (a.model);
CREATE INDEX event_model IF NOT EXISTS FOR (e:Event) ON (e.model);
