"""The OpenLineage adapter: `POST /api/v1/lineage`, the path OpenLineage producers and Marquez use."""
