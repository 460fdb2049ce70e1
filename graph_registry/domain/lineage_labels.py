"""Words for lineage edges, read in the direction a picture draws them.

Pictures draw data flow (source fed target: dataset -> run -> model version), while the stored
relationship types name the other way ((Run)-[:USED]->(DatasetVersion)). A label on a drawn edge
therefore reads forwards ("used by", "produced"), and a tree walked upstream reads the stored
names ("produced by", "used").
"""

from __future__ import annotations

# Drawn source -> target, as the GraphQL `edges { source target type }` give them.
FLOW = {
    "USED": "used by",
    "PRODUCED_BY": "produced",
    "DERIVED_FROM": "derived into",
    "FINE_TUNED_FROM": "fine-tuned into",
    "RAN": "ran in",
    "REQUIRES": "required by",
    "VERSION_OF": "has version",
    "IN": "has run",
}


def flow_label(relationship: str) -> str:
    """How an edge reads from its drawn source to its target: USED -> "used by"."""
    return FLOW.get(relationship, relationship.lower().replace("_", " "))


def upstream_label(relationship: str) -> str:
    """How an edge reads from the consumer back to what fed it: PRODUCED_BY -> "produced by"."""
    return relationship.lower().replace("_", " ")
