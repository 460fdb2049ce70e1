"""Persistence: Neo4j (the graph) and the artifact stores. Nothing above this layer imports a driver."""
