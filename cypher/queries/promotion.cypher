// name: get_promotion_policies
// The registry-wide policy (scope '') and the policy of the team that owns the model, if any, with
// the team's name: what the version of a model must pass to enter PRODUCTION.
OPTIONAL MATCH (registry:PromotionPolicy {scope: ''})
OPTIONAL MATCH (:Model {name: $model})-[:OWNED_BY]->(t:Team)
OPTIONAL MATCH (own:PromotionPolicy {scope: t.name})
RETURN registry {.*} AS registry, t.name AS team, own {.*} AS policy

// name: get_scope_policies
// The registry-wide policy and the one of a named team ($team null: the registry-wide one alone).
OPTIONAL MATCH (registry:PromotionPolicy {scope: ''})
OPTIONAL MATCH (own:PromotionPolicy {scope: $team})
RETURN registry {.*} AS registry, own {.*} AS policy

// name: set_promotion_policy
// Sets the given rules of one scope's policy ('' registry-wide, else a team's), leaving the others.
MERGE (p:PromotionPolicy {scope: $scope})
  ON CREATE SET p.createdAt = datetime.transaction()
SET p += $changes, p.updatedAt = datetime.transaction(), p.updatedBy = $actor
RETURN p {.*} AS policy

// name: get_promotion_facts
// What the promotion rules look at: the version's artifact status and metrics, its producing run's
// final metrics, and whether its lineage holds a run, a dataset and a commit.
MATCH (v:ModelVersion {model: $model, version: $version})
OPTIONAL MATCH (v)-[:PRODUCED_BY]->(run:Run)
RETURN v {.*} AS version, run.metrics AS runMetrics, run IS NOT NULL AS hasRun,
       EXISTS { (v)-[:PRODUCED_BY]->(:Run)-[:USED]->(:DatasetVersion) } AS hasDataset,
       EXISTS { (v)-[:PRODUCED_BY]->(:Run)-[:RAN]->(:Commit) } AS hasCommit
