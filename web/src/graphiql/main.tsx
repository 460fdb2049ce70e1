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

createRoot(document.getElementById('graphiql')!).render(
  <StrictMode>
    <GraphiQL fetcher={fetcher} plugins={plugins} visiblePlugin={examplesPlugin} defaultTabs={exampleTabs}>
      <GraphiQL.Logo>graph-registry</GraphiQL.Logo>
    </GraphiQL>
  </StrictMode>,
);
