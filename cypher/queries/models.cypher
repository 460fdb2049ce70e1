// name: create_model
// Creates a model; returns no row when the name is taken (the service reports CONFLICT).
OPTIONAL MATCH (existing:Model {name: $name})
WITH existing WHERE existing IS NULL
CREATE (m:Model {name: $name, description: $description, tags: $tags, createdAt: datetime.transaction(),
                 versionCount: 0, eventCount: 0})
RETURN m {.*} AS model

// name: update_model
// Changes a model's description and/or tags; no row when the model does not exist.
MATCH (m:Model {name: $name})
SET m += $changes
RETURN m {.*} AS model

// name: get_models
// Models by name, for the per-request loader.
UNWIND $names AS name
MATCH (m:Model {name: name})
RETURN m {.*} AS model

// name: list_models
// One page of models ordered by name, filtered by a name fragment and/or a `key=value` tag. The
// range predicate on the name lets the planner walk the unique name index in order and stop at the
// page's end: a page costs about what it shows, however many models there are (names are never
// empty, so '' starts from the first).
MATCH (m:Model)
WHERE m.name > coalesce($after, '')
  AND ($nameContains IS NULL OR m.name CONTAINS $nameContains) AND ($tag IS NULL OR $tag IN m.tags)
WITH m ORDER BY m.name LIMIT $limit
RETURN m {.*} AS model

// name: count_models
// How many models match the filters of list_models (reads every model: asked only for totalCount).
MATCH (m:Model)
WHERE ($nameContains IS NULL OR m.name CONTAINS $nameContains) AND ($tag IS NULL OR $tag IN m.tags)
RETURN count(m) AS total

// name: get_model_aliases
// The aliases each model currently has, with the version they point at.
UNWIND $names AS name
MATCH (a:Alias {model: name})-[:POINTS_TO]->(v:ModelVersion)
RETURN name AS model, a.name AS alias, v.version AS version
ORDER BY model, alias

// name: list_models_with_versions
// list_models and, for each model of the page, what list_versions returns for it, in one query (the
// `models` root field looks ahead: a listing of models with their versions is one round trip).
MATCH (m:Model)
WHERE m.name > coalesce($after, '')
  AND ($nameContains IS NULL OR m.name CONTAINS $nameContains) AND ($tag IS NULL OR $tag IN m.tags)
WITH m ORDER BY m.name LIMIT $limit
CALL (m) {
  MATCH (v:ModelVersion {model: m.name})
  WHERE NOT v.deleted AND ($stage IS NULL OR v.stage = $stage)
  RETURN count(v) AS total
}
CALL (m) {
  MATCH (v:ModelVersion {model: m.name})
  WHERE NOT v.deleted AND ($stage IS NULL OR v.stage = $stage)
    AND ($versionsAfter IS NULL OR v.version < $versionsAfter)
  WITH v ORDER BY v.version DESC LIMIT $versionsLimit
  RETURN collect(v {.*, createdAt: toString(datetime({datetime: v.createdAt, timezone: 'Z'}))}) AS versions
}
RETURN m {.*, createdAt: toString(datetime({datetime: m.createdAt, timezone: 'Z'}))} AS model, total, versions
