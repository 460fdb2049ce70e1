import { ReactFlowProvider } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, request } from '../shared/api';
import { GovernancePanel } from './GovernancePanel';
import { CardPanel } from './CardPanel';
import { ImpactPanel } from './ImpactPanel';
import { LineageGraph } from './LineageGraph';
import { ModelSearch } from './ModelSearch';
import { NodeDetails } from './NodeDetails';
import { LINEAGE, MODEL, MORE_VERSIONS, PAGE_SIZE } from './queries';
import { TokenField } from './TokenField';
import type { Connection, Direction, LineageGraph as Graph, ModelDetail, VersionRow } from './types';
import { MAX_DEPTH, readViewState, writeViewState } from './url';
import { VersionsTable } from './VersionsTable';

const DIRECTIONS: { value: Direction; label: string }[] = [
  { value: 'UPSTREAM', label: 'Upstream' },
  { value: 'DOWNSTREAM', label: 'Downstream' },
  { value: 'BOTH', label: 'Both' },
];

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'lineage';
}

/** The lineage view: find a model, pick a version, explore its provenance graph. */
export function App() {
  const initial = useMemo(readViewState, []);
  const [modelName, setModelName] = useState<string | null>(initial.model);
  const [model, setModel] = useState<ModelDetail | null>(null);
  const [versions, setVersions] = useState<VersionRow[]>([]);
  const [versionsCursor, setVersionsCursor] = useState<string | null>(null);
  const [selectedVersion, setSelectedVersion] = useState<number | null>(initial.version);
  const [rootId, setRootId] = useState<string | null>(initial.root);
  const [direction, setDirection] = useState<Direction>(initial.direction);
  const [depth, setDepth] = useState(initial.depth);
  const [graph, setGraph] = useState<Graph | null>(null);
  const [graphLoading, setGraphLoading] = useState(false);
  const [path, setPath] = useState<string[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [tokenOpen, setTokenOpen] = useState(false);
  const [reloads, setReloads] = useState(0);
  // Read by the model loader without re-running it when they change.
  const chosenVersion = useRef(selectedVersion);
  const chosenRoot = useRef(rootId);
  chosenVersion.current = selectedVersion;
  chosenRoot.current = rootId;

  const onError = useCallback((failure: ApiError) => {
    setError(failure);
    if (failure.code === 'UNAUTHENTICATED') setTokenOpen(true);
  }, []);

  useEffect(() => {
    writeViewState({ model: modelName, version: selectedVersion, root: rootId, direction, depth });
  }, [modelName, selectedVersion, rootId, direction, depth]);

  // A model was picked: load it and its first page of versions; start at its production version.
  useEffect(() => {
    if (!modelName) return;
    let current = true;
    request<{ model: ModelDetail | null }>(MODEL, { name: modelName, first: PAGE_SIZE })
      .then(({ model: found }) => {
        if (!current) return;
        if (!found) throw new ApiError(`No model named ${modelName}`, 'NOT_FOUND');
        setModel(found);
        const rows = found.versions.edges.map((edge) => edge.node);
        setVersions(rows);
        setVersionsCursor(found.versions.pageInfo.hasNextPage ? found.versions.pageInfo.endCursor : null);
        const keep = rows.find((row) => row.version === chosenVersion.current);
        const start =
          keep ??
          rows.find((row) => row.version === found.productionVersion?.version) ??
          rows.reduce<VersionRow | undefined>((latest, row) => (!latest || row.version > latest.version ? row : latest), undefined);
        setSelectedVersion(start?.version ?? null);
        if (!chosenRoot.current && start) setRootId(start.id);
      })
      .catch((failure: ApiError) => current && onError(failure));
    return () => {
      current = false;
    };
  }, [modelName, onError, reloads]);

  // The root, direction or depth changed: ask for the graph.
  useEffect(() => {
    if (!rootId) return;
    let current = true;
    setGraphLoading(true);
    request<{ lineage: Graph }>(LINEAGE, { id: rootId, direction, depth })
      .then(({ lineage }) => {
        if (!current) return;
        setGraph(lineage);
        setError(null);
      })
      .catch((failure: ApiError) => current && onError(failure))
      .finally(() => current && setGraphLoading(false));
    return () => {
      current = false;
    };
  }, [rootId, direction, depth, onError, reloads]);

  function pickModel(name: string) {
    setModelName(name);
    setModel(null);
    setVersions([]);
    setSelectedVersion(null);
    setRootId(null);
    setGraph(null);
    setPath([]);
  }

  function pickVersion(row: VersionRow) {
    setSelectedVersion(row.version);
    setRootId(row.id);
    setPath([]);
  }

  function recentre(id: string) {
    setRootId(id);
    setPath([]);
  }

  async function loadMoreVersions() {
    if (!modelName || !versionsCursor) return;
    try {
      const data = await request<{ model: { versions: Connection<VersionRow> } }>(MORE_VERSIONS, {
        name: modelName,
        first: PAGE_SIZE,
        after: versionsCursor,
      });
      const page = data.model.versions;
      setVersions((rows) => [...rows, ...page.edges.map((edge) => edge.node)]);
      setVersionsCursor(page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null);
    } catch (failure) {
      onError(failure as ApiError);
    }
  }

  // Show an impact path: it runs downstream from the dataset version, so make
  // sure the graph walks that way and far enough to contain all of it.
  function highlight(ids: string[]) {
    setPath(ids);
    const shown = new Set(graph?.nodes.map((entry) => entry.node.id) ?? []);
    if (ids.every((id) => shown.has(id))) return;
    if (direction === 'UPSTREAM') setDirection('DOWNSTREAM');
    setDepth((value) => Math.min(MAX_DEPTH, Math.max(value, ids.length - 1)));
  }

  const rootEntry = graph?.nodes.find((entry) => entry.node.id === graph.root.id) ?? null;
  const production = model?.productionVersion
    ? versions.find((row) => row.version === model.productionVersion?.version)
    : undefined;

  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">graph-registry</span>
        <nav>
          <a href="/ui" className="active">
            Lineage
          </a>
          <a href="/graphql">GraphiQL</a>
        </nav>
        <TokenField
          open={tokenOpen}
          onToggle={() => setTokenOpen(!tokenOpen)}
          onSaved={() => {
            setTokenOpen(false);
            setError(null);
            setReloads((count) => count + 1);
          }}
        />
      </header>
      {error && (
        <div className="error" role="alert" data-testid="error">
          {error.code === 'UNAUTHENTICATED' ? 'This registry requires an access token: ' : ''}
          {error.message} <span className="muted">({error.code})</span>
        </div>
      )}
      <div className="layout">
        <aside className="sidebar">
          <ModelSearch key={reloads} selected={modelName} onSelect={pickModel} onError={onError} />
        </aside>
        <main className="content">
          {!modelName && <p className="muted placeholder">Pick a model to see its versions and lineage.</p>}
          {model && (
            <>
              <div className="model-header">
                <h2 data-testid="model-name">{model.name}</h2>
                {model.description && <span className="muted">{model.description}</span>}
                <span className="production" data-testid="production-version">
                  {production || model.productionVersion
                    ? `Production: v${model.productionVersion?.version}`
                    : 'No production version'}
                  {production?.aliases.map((alias) => (
                    <span key={alias} className="badge badge-alias">
                      @{alias}
                    </span>
                  ))}
                </span>
              </div>
              <VersionsTable
                versions={versions}
                total={model.versions.totalCount}
                selected={selectedVersion}
                hasMore={versionsCursor !== null}
                onSelect={pickVersion}
                onLoadMore={() => void loadMoreVersions()}
              />
            </>
          )}
          {rootId && (
            <section className="lineage">
              <div className="lineage-controls">
                <span className="segmented" role="group" aria-label="Direction">
                  {DIRECTIONS.map((option) => (
                    <button
                      key={option.value}
                      type="button"
                      className={direction === option.value ? 'selected' : undefined}
                      aria-pressed={direction === option.value}
                      onClick={() => setDirection(option.value)}
                    >
                      {option.label}
                    </button>
                  ))}
                </span>
                <label>
                  Depth
                  <input
                    type="range"
                    min={1}
                    max={MAX_DEPTH}
                    value={depth}
                    aria-label="Depth"
                    onChange={(event) => setDepth(Number(event.target.value))}
                  />
                  <span data-testid="depth-value">{depth}</span>
                </label>
                {graphLoading && <span className="muted">Loading…</span>}
              </div>
              <div className="lineage-body">
                {graph && (
                  <ReactFlowProvider>
                    <LineageGraph
                      graph={graph}
                      path={path}
                      fileStem={`lineage-${slug(rootEntry?.label ?? 'graph')}`}
                      onRecentre={recentre}
                    />
                  </ReactFlowProvider>
                )}
                {rootEntry && (
                  <div className="details-column">
                    <NodeDetails entry={rootEntry} />
                    {rootEntry.kind === 'MODEL_VERSION' && <GovernancePanel entry={rootEntry} onError={onError} />}
                    {rootEntry.kind === 'MODEL_VERSION' && <CardPanel entry={rootEntry} onError={onError} />}
                    {rootEntry.kind === 'DATASET_VERSION' && (
                      <ImpactPanel entry={rootEntry} highlighted={path} onHighlight={highlight} onError={onError} />
                    )}
                  </div>
                )}
              </div>
            </section>
          )}
        </main>
      </div>
    </div>
  );
}
