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
// One page of models ordered by name, filtered by a name fragment and/or a `key=value` tag,
// with the total count of matches.
CALL () {
  MATCH (m:Model)
  WHERE ($nameContains IS NULL OR m.name CONTAINS $nameContains) AND ($tag IS NULL OR $tag IN m.tags)
  RETURN count(m) AS total
}
CALL () {
  MATCH (m:Model)
  WHERE ($nameContains IS NULL OR m.name CONTAINS $nameContains) AND ($tag IS NULL OR $tag IN m.tags)
    AND ($after IS NULL OR m.name > $after)
  WITH m ORDER BY m.name LIMIT $limit
  RETURN collect(m {.*}) AS models
}
RETURN total, models

// name: get_model_aliases
// The aliases each model currently has, with the version they point at.
UNWIND $names AS name
MATCH (a:Alias {model: name})-[:POINTS_TO]->(v:ModelVersion)
RETURN name AS model, a.name AS alias, v.version AS version
ORDER BY model, alias
