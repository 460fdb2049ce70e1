import { useEffect, useState } from 'react';
import { ApiError, request } from '../shared/api';
import { IMPACT } from './queries';
import { StageBadge } from './StageBadge';
import type { ImpactHit, LineageNode, Stage } from './types';

interface Props {
  entry: LineageNode;
  highlighted: string[];
  onHighlight: (path: string[]) => void;
  onError: (error: ApiError) => void;
}

/**
 * The impact question for a dataset version: which model versions were made
 * from it? Picking an answer highlights the path that explains it.
 */
export function ImpactPanel({ entry, highlighted, onHighlight, onError }: Props) {
  const [stage, setStage] = useState<Stage | ''>('PRODUCTION');
  const [hits, setHits] = useState<ImpactHit[] | null>(null);
  const [loading, setLoading] = useState(false);
  const facts = entry.node as { dataset?: { name: string }; version?: number };

  useEffect(() => setHits(null), [entry.node.id]);

  async function ask() {
    if (!facts.dataset || facts.version === undefined) return;
    setLoading(true);
    try {
      const data = await request<{ impact: ImpactHit[] }>(IMPACT, {
        datasetVersion: { dataset: facts.dataset.name, version: facts.version },
        stage: stage || null,
      });
      setHits(data.impact);
      if (data.impact.length > 0) onHighlight(data.impact[0].path.map((node) => node.id));
    } catch (error) {
      onError(error as ApiError);
    } finally {
      setLoading(false);
    }
  }

  const current = highlighted.join('|');
  return (
    <section className="impact" data-testid="impact-panel">
      <h4>Impact: what must be retrained if this data is bad?</h4>
      <div className="impact-controls">
        <select value={stage} aria-label="Stage filter" onChange={(event) => setStage(event.target.value as Stage | '')}>
          <option value="PRODUCTION">PRODUCTION versions</option>
          <option value="STAGING">STAGING versions</option>
          <option value="">any stage</option>
        </select>
        <button type="button" onClick={() => void ask()} disabled={loading}>
          {loading ? 'Asking…' : 'Ask'}
        </button>
      </div>
      {hits && hits.length === 0 && <p className="muted">No model version depends on it.</p>}
      {hits && hits.length > 0 && (
        <ul className="impact-hits">
          {hits.map((hit) => {
            const path = hit.path.map((node) => node.id);
            return (
              <li key={hit.modelVersion.id}>
                <button
                  type="button"
                  className={path.join('|') === current ? 'selected' : undefined}
                  onClick={() => onHighlight(path)}
                >
                  {hit.modelVersion.model.name} v{hit.modelVersion.version} <StageBadge stage={hit.modelVersion.stage} />
                  {hit.modelVersion.aliases.map((alias) => (
                    <span key={alias} className="badge badge-alias">
                      @{alias}
                    </span>
                  ))}
                  <span className="muted"> · {hit.path.length - 1} hops</span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
