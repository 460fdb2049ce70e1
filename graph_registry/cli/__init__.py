"""The `graph-registry` command."""
