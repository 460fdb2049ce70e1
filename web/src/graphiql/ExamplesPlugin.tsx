import type { GraphiQLPlugin } from '@graphiql/react';
import { useGraphiQL, useGraphiQLActions } from '@graphiql/react';
import { useState } from 'react';
import { loadToken, saveToken } from '../shared/token';
import { EXAMPLES, type Example, exampleVariables } from './examples';

function ExamplesIcon() {
  return (
    <svg viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" strokeWidth="1.6" aria-hidden>
      <circle cx="5" cy="6" r="2.2" />
      <circle cx="5" cy="18" r="2.2" />
      <circle cx="19" cy="12" r="2.2" />
      <path d="M7 6.8 17 11.2M7 17.2 17 12.8" />
    </svg>
  );
}

function ExamplesPanel() {
  const { addTab } = useGraphiQLActions();
  const queryEditor = useGraphiQL((state) => state.queryEditor);
  const variableEditor = useGraphiQL((state) => state.variableEditor);
  const [token, setToken] = useState(loadToken);
  const [saved, setSaved] = useState(false);

  function open(example: Example) {
    addTab();
    queryEditor?.setValue(example.query);
    variableEditor?.setValue(exampleVariables(example));
  }

  return (
    <div className="registry-panel">
      <div className="graphiql-doc-explorer-title">Examples</div>
      <p>Provenance questions against the demo graph. Each opens in a new tab.</p>
      <ul className="registry-examples">
        {EXAMPLES.map((example) => (
          <li key={example.title}>
            <button type="button" className="graphiql-un-styled" onClick={() => open(example)}>
              {example.title}
            </button>
          </li>
        ))}
      </ul>
      <div className="graphiql-doc-explorer-section-title">Access token</div>
      <p>
        When the registry requires tokens, every request here and in the lineage view is sent with{' '}
        <code>Authorization: Bearer …</code>. Stored in this browser only.
      </p>
      <form
        className="registry-token"
        onSubmit={(event) => {
          event.preventDefault();
          saveToken(token);
          setSaved(true);
        }}
      >
        <input
          type="password"
          aria-label="Access token"
          placeholder="token"
          value={token}
          onChange={(event) => {
            setToken(event.target.value);
            setSaved(false);
          }}
        />
        <button type="submit" className="graphiql-button">
          {saved ? 'Saved' : 'Save'}
        </button>
      </form>
      <p>
        <a href="/ui">Open the lineage view →</a>
      </p>
    </div>
  );
}

export const examplesPlugin: GraphiQLPlugin = {
  title: 'Examples',
  icon: ExamplesIcon,
  content: ExamplesPanel,
};
