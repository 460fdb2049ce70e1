import { useState } from 'react';
import { loadToken, saveToken } from '../shared/token';

/** The access token sent as Authorization: Bearer, kept in localStorage (shared with GraphiQL). */
export function TokenField({ open, onToggle, onSaved }: { open: boolean; onToggle: () => void; onSaved: () => void }) {
  const [token, setToken] = useState(loadToken);
  return (
    <span className="token">
      <button type="button" className="link" onClick={onToggle}>
        {loadToken() ? 'Token ✓' : 'Token'}
      </button>
      {open && (
        <form
          className="token-form"
          onSubmit={(event) => {
            event.preventDefault();
            saveToken(token);
            onSaved();
          }}
        >
          <input
            type="password"
            aria-label="Access token"
            placeholder="Bearer token"
            value={token}
            onChange={(event) => setToken(event.target.value)}
          />
          <button type="submit">Save</button>
        </form>
      )}
    </span>
  );
}
