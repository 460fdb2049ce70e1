// name: search_registry
// Models, non-deleted model versions and datasets matching a Lucene query, best first, with the
// node's label (kinds: the labels wanted, null for all).
CALL db.index.fulltext.queryNodes('registry_search', $lucene) YIELD node, score
WITH node, score,
     CASE WHEN node:Model THEN 'Model' WHEN node:ModelVersion THEN 'ModelVersion' ELSE 'Dataset' END AS label
WHERE NOT coalesce(node.deleted, false) AND ($labels IS NULL OR label IN $labels)
RETURN label, node {.*} AS node, score
ORDER BY score DESC
LIMIT $first

// name: list_leaderboard_candidates
// A model's non-deleted versions (optionally in one stage) whose metrics name the metric; the
// caller orders them by its value.
MATCH (v:ModelVersion {model: $model})
WHERE NOT v.deleted AND ($stage IS NULL OR v.stage = $stage) AND v.metrics CONTAINS $needle
RETURN v {.*} AS version
