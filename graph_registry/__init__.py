"""graph-registry: a graph-native model registry on Neo4j."""

__version__ = "0.1.0"
