import { Fragment, useState } from 'react';
import { formatNumber, formatTime } from './format';
import { StageBadge } from './StageBadge';
import type { VersionRow } from './types';

interface Props {
  versions: VersionRow[];
  total: number;
  selected: number | null;
  hasMore: boolean;
  onSelect: (version: VersionRow) => void;
  onLoadMore: () => void;
}

/** A model's versions: stage, aliases, metrics, and each one's stage and alias history. */
export function VersionsTable({ versions, total, selected, hasMore, onSelect, onLoadMore }: Props) {
  const [open, setOpen] = useState<number | null>(null);
  return (
    <section className="versions">
      <table data-testid="versions-table">
        <thead>
          <tr>
            <th>Version</th>
            <th>Stage</th>
            <th>Aliases</th>
            <th>Metrics</th>
            <th>Created</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {versions.map((row) => (
            <Fragment key={row.id}>
              <tr
                className={[row.version === selected ? 'selected' : '', row.deleted ? 'deleted' : ''].join(' ')}
                data-testid="version-row"
                data-stage={row.stage}
                onClick={() => onSelect(row)}
              >
                <td>v{row.version}</td>
                <td>
                  <StageBadge stage={row.stage} />
                </td>
                <td>
                  {row.aliases.map((alias) => (
                    <span key={alias} className="badge badge-alias">
                      @{alias}
                    </span>
                  ))}
                </td>
                <td className="metrics">
                  {row.metrics.map((metric) => `${metric.key}=${formatNumber(metric.value)}`).join(' ')}
                </td>
                <td>{formatTime(row.createdAt)}</td>
                <td>
                  <button
                    type="button"
                    className="link"
                    onClick={(event) => {
                      event.stopPropagation();
                      setOpen(open === row.version ? null : row.version);
                    }}
                  >
                    {open === row.version ? 'hide history' : 'history'}
                  </button>
                </td>
              </tr>
              {open === row.version && (
                <tr className="history-row">
                  <td colSpan={6}>
                    <History row={row} />
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
      <div className="versions-footer">
        {versions.length} of {total} versions
        {hasMore && (
          <button type="button" className="load-more" onClick={onLoadMore}>
            Load more
          </button>
        )}
      </div>
    </section>
  );
}

function History({ row }: { row: VersionRow }) {
  return (
    <div className="history">
      <div>
        <h4>Stage history</h4>
        {row.stageHistory.length === 0 && <p className="muted">No stage changes.</p>}
        <ol>
          {row.stageHistory.map((change) => (
            <li key={change.at + change.to}>
              {formatTime(change.at)}: {change.from} → {change.to} by {change.actor}
              {change.comment && <em> “{change.comment}”</em>}
            </li>
          ))}
        </ol>
      </div>
      <div>
        <h4>Alias history</h4>
        {row.aliasHistory.length === 0 && <p className="muted">No aliases.</p>}
        <ol>
          {row.aliasHistory.map((held) => (
            <li key={held.alias + held.from}>
              @{held.alias} from {formatTime(held.from)} {held.to ? `to ${formatTime(held.to)}` : '(holds now)'} set by{' '}
              {held.actor}
            </li>
          ))}
        </ol>
      </div>
    </div>
  );
}
