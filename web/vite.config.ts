import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Two pages: graphiql.html (served at GET /graphql) and index.html (the lineage
// view at /ui). The output goes inside the Python package, which serves it
// from /assets; nothing is fetched from anywhere else at run time.
export default defineConfig({
  base: '/',
  plugins: [react()],
  build: {
    outDir: '../graph_registry/_web',
    emptyOutDir: true,
    // Monaco (GraphiQL's editor) is large by nature; it loads only on /graphql.
    chunkSizeWarningLimit: 4096,
    rolldownOptions: {
      input: { lineage: 'index.html', graphiql: 'graphiql.html' },
      // GraphiQL's packages are compiled by the React compiler, whose "use no
      // memo" directives the bundler reports once per module; they are harmless.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: {
    // `npm run dev` against a registry started with `graph-registry serve`.
    proxy: { '/graphql': { target: 'http://127.0.0.1:8000', ws: true } },
  },
});
