import { formatNumber, formatTime } from './format';
import { kindStyle } from './kinds';
import type { LineageNode, VulnerabilityFact } from './types';

const TIME_FIELDS = new Set(['createdAt', 'startedAt', 'endedAt', 'committedAt']);

function show(field: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (TIME_FIELDS.has(field)) return formatTime(String(value));
  if (typeof value === 'number') return formatNumber(value);
  if (field === 'vulnerabilities' && Array.isArray(value)) {
    return (
      (value as VulnerabilityFact[])
        .map((hit) => `${hit.advisory.osvId} (${hit.advisory.severity ?? 'no severity'}, ${hit.package.name}==${hit.package.packageVersion})`)
        .join(', ') || '—'
    );
  }
  if (Array.isArray(value)) {
    return value
      .map((item) =>
        item && typeof item === 'object' && 'key' in item ? `${item.key}=${show('', (item as { value: unknown }).value)}` : show('', item),
      )
      .join(', ') || '—';
  }
  if (typeof value === 'object') {
    return Object.values(value as Record<string, unknown>)
      .map((inner) => show('', inner))
      .join(' ');
  }
  return String(value);
}

/** What the API says about the node at the centre of the graph. */
export function NodeDetails({ entry }: { entry: LineageNode }) {
  const style = kindStyle(entry.kind);
  // The global id last: useful to paste into GraphiQL, noise at the top.
  const fields = Object.entries(entry.node).filter(([field]) => field !== '__typename' && field !== 'id');
  fields.push(['id', entry.node.id]);
  return (
    <section className="node-details" data-testid="node-details">
      <div className="node-details-kind" style={{ color: style.color }}>
        {style.name}
      </div>
      <h3 data-testid="root-label">{entry.label}</h3>
      <dl>
        {fields.map(([field, value]) => (
          <div key={field}>
            <dt>{field}</dt>
            <dd>{show(field, value)}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
