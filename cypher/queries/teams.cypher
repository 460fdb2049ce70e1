// name: create_team
// Creates a team; no row when the name is taken (the uniqueness constraint settles concurrent creators).
OPTIONAL MATCH (existing:Team {name: $name})
WITH existing WHERE existing IS NULL
CREATE (t:Team {name: $name, description: $description, createdAt: datetime.transaction()})
RETURN t {.*} AS team

// name: get_teams
// Teams by name, with their members (token name and role), for the per-request loader.
UNWIND $names AS name
MATCH (t:Team {name: name})
RETURN t {.*, members: [(token:ApiToken)-[g:MEMBER_OF]->(t) | {actor: token.name, role: g.role}]} AS team

// name: list_teams
// Every team by name, with its members.
MATCH (t:Team)
RETURN t {.*, members: [(token:ApiToken)-[g:MEMBER_OF]->(t) | {actor: token.name, role: g.role}]} AS team
ORDER BY t.name

// name: grant_team_role
// Gives a token a role in a team, replacing the one it had there. Returns whether the team and the
// token exist; the grant is made only when both do.
OPTIONAL MATCH (t:Team {name: $team})
OPTIONAL MATCH (token:ApiToken {name: $actor})
CALL (t, token) {
  WITH t, token WHERE t IS NOT NULL AND token IS NOT NULL
  MERGE (token)-[g:MEMBER_OF]->(t)
  SET g.role = $role, g.grantedAt = datetime.transaction()
}
RETURN t IS NOT NULL AS teamFound, token IS NOT NULL AS tokenFound

// name: revoke_team_role
// Takes a token's role in a team away; reports whether the team exists and whether there was a role.
OPTIONAL MATCH (t:Team {name: $team})
OPTIONAL MATCH (:ApiToken {name: $actor})-[g:MEMBER_OF]->(t)
WITH t, g, g IS NOT NULL AS held
DELETE g
RETURN t IS NOT NULL AS teamFound, held

// name: get_model_teams
// The owning team of each named model (models without one, and unknown names, give no row).
UNWIND $names AS name
MATCH (:Model {name: name})-[:OWNED_BY]->(t:Team)
RETURN name AS model, t {.*} AS team

// name: set_model_team
// Moves a model to a team ($team null: to no team); reports whether the model and the team exist,
// and changes nothing unless both do.
OPTIONAL MATCH (m:Model {name: $model})
OPTIONAL MATCH (t:Team {name: $team})
WITH m, t, m IS NOT NULL AND ($team IS NULL OR t IS NOT NULL) AS ok
CALL (m, t, ok) {
  WITH m, t, ok WHERE ok
  OPTIONAL MATCH (m)-[old:OWNED_BY]->()
  DELETE old
  WITH DISTINCT m, t
  FOREACH (_ IN CASE WHEN t IS NULL THEN [] ELSE [1] END | CREATE (m)-[:OWNED_BY]->(t))
}
RETURN m IS NOT NULL AS modelFound, t IS NOT NULL AS teamFound

// name: join_team_if_created
// A model created by this very transaction (createModelVersion on first use) joins a team; a model
// that existed before keeps its own.
MATCH (m:Model {name: $model})
WHERE m.createdAt = datetime.transaction() AND NOT EXISTS { (m)-[:OWNED_BY]->() }
MATCH (t:Team {name: $team})
CREATE (m)-[:OWNED_BY]->(t)

// name: get_team_models
// One page of a team's models by name.
MATCH (m:Model)-[:OWNED_BY]->(:Team {name: $team})
WHERE m.name > coalesce($after, '')
WITH m ORDER BY m.name LIMIT $limit
RETURN m {.*} AS model

// name: count_team_models
// How many models a team owns.
MATCH (m:Model)-[:OWNED_BY]->(:Team {name: $team})
RETURN count(m) AS total

// name: get_access_scope
// For authorization, in one read: the team of each named model (and of each request's model), whether
// each named model exists, and every team role the actor holds.
CALL () {
  UNWIND $requests AS id
  MATCH (r:StageTransitionRequest {id: id})
  RETURN collect({request: id, model: r.model}) AS requests
}
CALL (requests) {
  UNWIND $models + [entry IN requests | entry.model] AS name
  OPTIONAL MATCH (m:Model {name: name})
  OPTIONAL MATCH (m)-[:OWNED_BY]->(t:Team)
  RETURN collect(DISTINCT {model: name, exists: m IS NOT NULL, team: t.name}) AS models
}
OPTIONAL MATCH (:ApiToken {name: $actor})-[g:MEMBER_OF]->(team:Team)
RETURN requests, models, collect({team: team.name, role: g.role}) AS memberships
