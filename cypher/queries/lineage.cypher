// name: walk_lineage
// The lineage subgraph of one node, in one query. Stored edges point from consumer to producer, so
// UPSTREAM follows them outward and DOWNSTREAM inward. Each reached node gets its shortest distance
// (ANY SHORTEST expands breadth-first: diamonds and cycles cost each node once). The walk looks one
// hop past $depth, only to say whether it was cut (truncated). A Model, Dataset, Experiment or Job
// root starts from its members at depth 1; the walk never passes through one (it would join all its
// versions), but each reached node's Model/Dataset/Experiment/Job and parent run are attached
// (VERSION_OF, IN, RUN_OF, CHILD_OF).
CALL () {
  MATCH (n:ModelVersion {model: $key[0], version: $key[1]}) WHERE $kind = 'ModelVersion' RETURN n
  UNION
  MATCH (n:DatasetVersion {dataset: $key[0], version: $key[1]}) WHERE $kind = 'DatasetVersion' RETURN n
  UNION
  MATCH (n:Run {runId: $key[0]}) WHERE $kind = 'Run' RETURN n
  UNION
  MATCH (n:Commit {repo: $key[0], sha: $key[1]}) WHERE $kind = 'Commit' RETURN n
  UNION
  MATCH (n:Package {name: $key[0], version: $key[1]}) WHERE $kind = 'Package' RETURN n
  UNION
  MATCH (n:Model {name: $key[0]}) WHERE $kind = 'Model' RETURN n
  UNION
  MATCH (n:Dataset {name: $key[0]}) WHERE $kind = 'Dataset' RETURN n
  UNION
  MATCH (n:Experiment {name: $key[0]}) WHERE $kind = 'Experiment' RETURN n
  UNION
  MATCH (n:Job {namespace: $key[0], name: $key[1]}) WHERE $kind = 'Job' RETURN n
}
WITH n AS root
CALL (root) {
  WITH root WHERE root:Model OR root:Dataset OR root:Experiment OR root:Job
  MATCH (root)<-[:VERSION_OF|IN|RUN_OF]-(start)
  RETURN start, 1 AS offset
  UNION
  WITH root WHERE NOT (root:Model OR root:Dataset OR root:Experiment OR root:Job)
  RETURN root AS start, 0 AS offset
}
CALL (start, offset) {
  RETURN start AS n, offset AS hops
  UNION
  WITH start, offset WHERE $upstream
  MATCH p = ANY SHORTEST
    (start) (()-[:USED|PRODUCED_BY|DERIVED_FROM|FINE_TUNED_FROM|RAN|REQUIRES]->()){1,26} (n)
  WHERE length(p) + offset <= $depth + 1
  RETURN n, length(p) + offset AS hops
  UNION
  WITH start, offset WHERE $downstream
  MATCH p = ANY SHORTEST
    (start) (()<-[:USED|PRODUCED_BY|DERIVED_FROM|FINE_TUNED_FROM|RAN|REQUIRES]-()){1,26} (n)
  WHERE length(p) + offset <= $depth + 1
  RETURN n, length(p) + offset AS hops
}
WITH root, n, min(hops) AS depth
WITH root, collect({node: n, depth: depth}) AS found
WITH root, any(f IN found WHERE f.depth > $depth) AS truncated,
     [f IN found WHERE f.depth <= $depth AND f.node <> root] AS others
WITH root, truncated, [{node: root, depth: 0}] + others AS reached
WITH root, truncated, reached, [f IN reached | f.node] AS members
CALL (members) {
  UNWIND members AS consumer
  MATCH (consumer)-[r:USED|PRODUCED_BY|DERIVED_FROM|FINE_TUNED_FROM|RAN|REQUIRES]->(producer)
  WHERE producer IN members
  RETURN collect({source: elementId(producer), target: elementId(consumer), type: type(r)}) AS edges
}
CALL (reached, members) {
  UNWIND reached AS f
  WITH f.node AS member, f.depth AS depth
  MATCH (member)-[r:VERSION_OF|IN|RUN_OF|CHILD_OF]->(owner)
  WHERE depth < $depth OR owner IN members
  WITH owner, min(depth) + 1 AS depth,
       collect({source: elementId(owner), target: elementId(member), type: type(r)}) AS ownerEdges
  WITH collect({owner: owner, depth: depth}) AS found, collect(ownerEdges) AS edgeLists
  RETURN [o IN found WHERE NOT o.owner IN members |
            {id: elementId(o.owner), labels: labels(o.owner), props: properties(o.owner), depth: o.depth}] AS owners,
         reduce(acc = [], edgeList IN edgeLists | acc + edgeList) AS attached
}
RETURN elementId(root) AS rootId, truncated,
       [f IN reached | {id: elementId(f.node), labels: labels(f.node), props: properties(f.node), depth: f.depth}]
         + owners AS nodes,
       edges + attached AS edges

// name: find_impacted_versions
// For each dataset version, the model versions downstream of it within $depth hops (through derived
// datasets, runs and fine-tuned children), each with one shortest path explaining why, both ends
// included (an empty path unless $withPaths: `impactedModels` asks for the versions alone, and the
// nodes of every path cost their properties). Filtered to a stage and/or an alias. Soft-deleted
// versions stay in (they are lineage). A derivation an OpenLineage run explains (DERIVED_FROM {run})
// is walked through that run (USED, PRODUCED_BY), so the path names the pipeline's runs.
UNWIND $keys AS key
MATCH (d:DatasetVersion {dataset: key[0], version: key[1]})
CALL (d) {
  MATCH p = ANY SHORTEST
    (d) (()<-[r:USED|PRODUCED_BY|DERIVED_FROM|FINE_TUNED_FROM WHERE r.run IS NULL]-()){1,26} (v:ModelVersion)
  WHERE length(p) <= $depth
    AND ($stage IS NULL OR v.stage = $stage)
    AND ($alias IS NULL OR EXISTS { (:Alias {model: v.model, name: $alias})-[:POINTS_TO]->(v) })
  RETURN v, CASE WHEN $withPaths THEN [x IN nodes(p) | {labels: labels(x), props: properties(x)}] ELSE [] END AS path
}
RETURN key[0] AS dataset, key[1] AS version, v {.*} AS modelVersion, path
ORDER BY v.model, v.version

// name: find_dataset_version_with_impact
// A dataset version by number and what find_impacted_versions returns for it without paths (the
// `datasetVersion` root field looks ahead at `impactedModels`): one query for the impact question.
// Times as text (see records.moment).
MATCH (d:DatasetVersion {dataset: $dataset, version: $version})
CALL (d) {
  MATCH p = ANY SHORTEST
    (d) (()<-[r:USED|PRODUCED_BY|DERIVED_FROM|FINE_TUNED_FROM WHERE r.run IS NULL]-()){1,26} (v:ModelVersion)
  WHERE length(p) <= $depth
    AND ($stage IS NULL OR v.stage = $stage)
    AND ($alias IS NULL OR EXISTS { (:Alias {model: v.model, name: $alias})-[:POINTS_TO]->(v) })
  WITH v ORDER BY v.model, v.version
  RETURN collect(v {.*, createdAt: toString(datetime({datetime: v.createdAt, timezone: 'Z'}))}) AS impacted
}
RETURN d {.*, createdAt: toString(datetime({datetime: d.createdAt, timezone: 'Z'}))} AS datasetVersion, impacted
