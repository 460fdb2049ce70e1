// The access token for registries that require one (Authorization: Bearer).
// Both pages read the same localStorage key, so it is typed in once.
const KEY = 'graph-registry.token';

export function loadToken(): string {
  try {
    return window.localStorage.getItem(KEY) ?? '';
  } catch {
    return '';
  }
}

export function saveToken(token: string): void {
  const trimmed = token.trim();
  if (trimmed) window.localStorage.setItem(KEY, trimmed);
  else window.localStorage.removeItem(KEY);
}

export function authHeaders(): Record<string, string> {
  const token = loadToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}
