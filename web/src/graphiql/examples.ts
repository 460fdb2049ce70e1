// The registry's provenance questions, preloaded as GraphiQL tabs and listed in
// the Examples panel. They live in examples/ (index.json + one .graphql file
// each) so the Python tests can run them too; the variables point at the demo
// graph (`graph-registry demo`).
import index from './examples/index.json';

export interface Example {
  title: string;
  query: string;
  variables: Record<string, unknown>;
}

const files = import.meta.glob<string>('./examples/*.graphql', { query: '?raw', import: 'default', eager: true });

export const EXAMPLES: Example[] = index.map((entry) => ({
  title: entry.title,
  query: files[`./examples/${entry.file}`],
  variables: entry.variables,
}));

export function exampleVariables(example: Example): string {
  return Object.keys(example.variables).length ? JSON.stringify(example.variables, null, 2) : '';
}

export const exampleTabs = EXAMPLES.map((example) => ({
  query: example.query,
  variables: exampleVariables(example) || undefined,
}));
