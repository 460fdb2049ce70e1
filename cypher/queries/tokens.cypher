// name: create_api_token
// Stores a new API token under a unique name: only the hash of its secret, never the secret.
// No row when the name is taken (the uniqueness constraint settles concurrent creators).
OPTIONAL MATCH (existing:ApiToken {name: $name})
WITH existing WHERE existing IS NULL
CREATE (t:ApiToken {name: $name, role: $role, hash: $hash, createdAt: datetime.transaction(),
                    expiresAt: $expiresAt})
RETURN t {.name, .role, .createdAt, .expiresAt, .revokedAt} AS token

// name: find_api_token
// The token whose secret hashes to $hash, to authenticate a request (the hash never leaves here).
MATCH (t:ApiToken {hash: $hash})
RETURN t {.name, .role, .createdAt, .expiresAt, .revokedAt} AS token

// name: get_api_token
// One token by name: a long-lived connection re-checks that its token was not revoked since.
MATCH (t:ApiToken {name: $name})
RETURN t {.name, .role, .createdAt, .expiresAt, .revokedAt} AS token

// name: list_api_tokens
// Every token ever minted, revoked and expired ones included, by name.
MATCH (t:ApiToken)
RETURN t {.name, .role, .createdAt, .expiresAt, .revokedAt} AS token
ORDER BY t.name

// name: revoke_api_token
// Revokes a token; it stays stored so its name is never reused. The first revocation time holds.
MATCH (t:ApiToken {name: $name})
SET t.revokedAt = coalesce(t.revokedAt, datetime.transaction())
RETURN t {.name, .role, .createdAt, .expiresAt, .revokedAt} AS token
