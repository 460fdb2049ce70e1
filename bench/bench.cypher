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
