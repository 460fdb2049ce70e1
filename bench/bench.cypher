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
