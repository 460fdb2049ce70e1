import { useEffect, useRef, useState } from 'react';
import { ApiError, request } from '../shared/api';
import { MODELS, PAGE_SIZE, SEARCH_MODELS } from './queries';
import type { Connection, ModelSummary } from './types';

interface Props {
  selected: string | null;
  onSelect: (name: string) => void;
  onError: (error: ApiError) => void;
}

/** Find a model by name, a page at a time (cursor pagination). */
export function ModelSearch({ selected, onSelect, onError }: Props) {
  const [text, setText] = useState('');
  const [models, setModels] = useState<ModelSummary[]>([]);
  const [total, setTotal] = useState(0);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  // No name contains the text: the full-text search's close matches (one-letter typos) instead.
  const [closeMatches, setCloseMatches] = useState(false);
  // Answers to an older search may arrive after newer ones: only the latest counts.
  const latest = useRef(0);

  async function fetchPage(nameContains: string, after: string | null) {
    const asked = ++latest.current;
    setLoading(true);
    try {
      const data = await request<{ models: Connection<ModelSummary> }>(MODELS, {
        first: PAGE_SIZE,
        after,
        nameContains: nameContains || null,
      });
      if (asked !== latest.current) return;
      const page = data.models;
      if (!after && nameContains && page.totalCount === 0) {
        const found = await request<{ search: { node: ModelSummary }[] }>(SEARCH_MODELS, { query: nameContains });
        if (asked !== latest.current) return;
        setModels(found.search.map((hit) => hit.node));
        setTotal(0);
        setCursor(null);
        setCloseMatches(found.search.length > 0);
        return;
      }
      setCloseMatches(false);
      setModels((shown) => (after ? [...shown, ...page.edges.map((edge) => edge.node)] : page.edges.map((edge) => edge.node)));
      setTotal(page.totalCount);
      setCursor(page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null);
    } catch (error) {
      onError(error as ApiError);
    } finally {
      if (asked === latest.current) setLoading(false);
    }
  }

  // Search as the user types, once they pause; a new search starts from the first page.
  useEffect(() => {
    const timer = window.setTimeout(() => void fetchPage(text.trim(), null), 250);
    return () => window.clearTimeout(timer);
  }, [text]);

  return (
    <section className="model-search">
      <input
        type="search"
        placeholder="Search models"
        aria-label="Search models"
        value={text}
        onChange={(event) => setText(event.target.value)}
      />
      <div className="model-count">
        {loading ? 'Searching…' : `${total} model${total === 1 ? '' : 's'}`}
      </div>
      {closeMatches && <div className="model-close-matches">Close matches:</div>}
      <ul className="model-list" data-testid="model-list">
        {models.map((model) => (
          <li key={model.id}>
            <button
              type="button"
              className={model.name === selected ? 'selected' : undefined}
              onClick={() => onSelect(model.name)}
              title={model.description ? `${model.name}: ${model.description}` : model.name}
            >
              <span className="model-name">{model.name}</span>
              <span className="model-meta">
                {model.productionVersion ? (
                  <span
                    className="badge badge-stage stage-production"
                    data-testid="production-badge"
                    title={`v${model.productionVersion.version} is in PRODUCTION`}
                  >
                    prod v{model.productionVersion.version}
                  </span>
                ) : model.latestVersion ? (
                  <span title={`the latest version is v${model.latestVersion.version}`}>
                    latest v{model.latestVersion.version}
                  </span>
                ) : (
                  'no versions'
                )}
              </span>
            </button>
          </li>
        ))}
      </ul>
      {cursor && (
        <button type="button" className="load-more" disabled={loading} onClick={() => void fetchPage(text.trim(), cursor)}>
          Load more
        </button>
      )}
    </section>
  );
}
