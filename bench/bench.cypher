// name: count_nodes
// How many nodes the registry holds (the benchmark reports ingest in nodes + edges).
MATCH (n)
RETURN count(n) AS count

// name: count_edges
// How many relationships the registry holds.
MATCH ()-[r]->()
RETURN count(r) AS count

// name: heap_usage
// The JVM's heap use, read from JMX (available in Community).
CALL dbms.queryJmx('java.lang:type=Memory') YIELD attributes
RETURN attributes.HeapMemoryUsage.value.properties AS heap

// name: seed_search_models
// Creates a batch of models the way create_model stores them (bench/supply.py: 10,000 models for
// the search figure, written in bulk because one createModel request each takes minutes to load).
UNWIND $models AS model
CREATE (:Model {name: model.name, description: model.description, tags: model.tags,
                createdAt: datetime(), versionCount: 0, eventCount: 0})
RETURN count(*) AS created

// name: floor_champion_lineage
// The champion-lineage question as one minimal query (the floor GraphQL is compared with): the
// version an alias points at, the dataset versions its run used (with their dataset) and the commit.
MATCH (:Alias {model: $model, name: $alias})-[:POINTS_TO]->(v:ModelVersion)
OPTIONAL MATCH (v)-[:PRODUCED_BY]->(r:Run)
RETURN v.version AS version,
       [(r)-[:USED]->(d:DatasetVersion) | {dataset: d.dataset, version: d.version, digest: d.digest}] AS trainedOn,
       head([(r)-[:RAN]->(c:Commit) | {repo: c.repo, sha: c.sha}]) AS commit

// name: floor_listing
// The listing question as one minimal query: a page of models by name matching a fragment and a
// tag, each with its newest non-deleted versions and their tags.
MATCH (m:Model)
WHERE m.name > '' AND m.name CONTAINS $name AND $tag IN m.tags
WITH m ORDER BY m.name LIMIT $models
CALL (m) {
  MATCH (v:ModelVersion {model: m.name})
  WHERE NOT v.deleted
  WITH v ORDER BY v.version DESC LIMIT $versions
  RETURN collect({version: v.version, tags: v.tags}) AS versions
}
RETURN m.name AS name, versions
