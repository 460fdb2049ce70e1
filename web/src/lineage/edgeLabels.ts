// Edges are drawn the way data flowed (source fed target), while the stored relationship
// types name the other way ((Run)-[:USED]->(DatasetVersion)): the label reads as drawn.
// The same words as graph_registry/domain/lineage_labels.py (Mermaid, DOT, the CLI).
const FLOW: Record<string, string> = {
  USED: 'used by',
  PRODUCED_BY: 'produced',
  DERIVED_FROM: 'derived into',
  FINE_TUNED_FROM: 'fine-tuned into',
  RAN: 'ran in',
  REQUIRES: 'required by',
  VERSION_OF: 'has version',
  IN: 'has run',
};

export function flowLabel(type: string): string {
  return FLOW[type] ?? type.toLowerCase().replaceAll('_', ' ');
}
