// GraphiQL served by the registry itself at GET /graphql: editor workers,
// styles and fonts are all bundled, so it works without any outside network.
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import '@graphiql/plugin-explorer/style.css';
import './graphiql.css';

import { explorerPlugin } from '@graphiql/plugin-explorer';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL, HISTORY_PLUGIN } from 'graphiql';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { GRAPHQL_URL } from '../shared/api';
import { authHeaders } from '../shared/token';
import { exampleTabs } from './examples';
import { examplesPlugin } from './ExamplesPlugin';

// The token is read on every request, so saving a new one needs no reload.
const fetcher = createGraphiQLFetcher({
  url: GRAPHQL_URL,
  enableIncrementalDelivery: false,
  fetch: (input, init) =>
    fetch(input, { ...init, headers: { ...authHeaders(), ...(init?.headers as Record<string, string>) } }),
});

const plugins = [examplesPlugin, explorerPlugin(), HISTORY_PLUGIN];

// GraphiQL's first layout gives the plugin pane a quarter and splits the editors evenly, which
// cuts the examples' lines at 1280 px. Until the user drags the bars (GraphiQL then stores their
// choice under the same keys), start with a narrower pane and a wider query editor.
const FIRST_LAYOUT: Record<string, string> = {
  'graphiql:docExplorerFlex': '0.2',
  'graphiql:editorFlex': '1.8',
};
for (const [key, value] of Object.entries(FIRST_LAYOUT)) {
  try {
    if (window.localStorage.getItem(key) === null) window.localStorage.setItem(key, value);
  } catch {
    // Storage disabled: GraphiQL's defaults apply.
  }
}

createRoot(document.getElementById('graphiql')!).render(
  <StrictMode>
    <GraphiQL fetcher={fetcher} plugins={plugins} visiblePlugin={examplesPlugin} defaultTabs={exampleTabs}>
      <GraphiQL.Logo>graph-registry</GraphiQL.Logo>
    </GraphiQL>
  </StrictMode>,
);
