import type { Direction } from './types';

/** The view's state in the address bar, so a graph can be bookmarked or shared. */
export interface ViewState {
  model: string | null;
  version: number | null;
  root: string | null;
  direction: Direction;
  depth: number;
}

const DIRECTIONS: Direction[] = ['UPSTREAM', 'DOWNSTREAM', 'BOTH'];
export const DEFAULT_DEPTH = 3;
export const MAX_DEPTH = 10;

export function readViewState(): ViewState {
  const params = new URLSearchParams(window.location.search);
  const version = Number.parseInt(params.get('version') ?? '', 10);
  const depth = Number.parseInt(params.get('depth') ?? '', 10);
  const direction = params.get('direction') as Direction | null;
  return {
    model: params.get('model'),
    version: Number.isNaN(version) ? null : version,
    root: params.get('root'),
    direction: direction && DIRECTIONS.includes(direction) ? direction : 'BOTH',
    depth: Number.isNaN(depth) ? DEFAULT_DEPTH : Math.min(Math.max(depth, 1), MAX_DEPTH),
  };
}

export function writeViewState(state: ViewState): void {
  const params = new URLSearchParams();
  if (state.model) params.set('model', state.model);
  if (state.version !== null) params.set('version', String(state.version));
  if (state.root) params.set('root', state.root);
  params.set('direction', state.direction);
  params.set('depth', String(state.depth));
  const query = params.toString();
  window.history.replaceState(null, '', `${window.location.pathname}?${query}`);
}
