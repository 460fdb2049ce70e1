// name: list_migrations
// The schema migrations already applied, with the checksum of their file.
MATCH (m:Migration)
RETURN m.version AS version, m.checksum AS checksum
ORDER BY version

// name: record_migration
// Marks a migration as applied; MERGE keeps it single when two processes race.
MERGE (m:Migration {version: $version})
  ON CREATE SET m.description = $description, m.checksum = $checksum, m.appliedAt = datetime()
RETURN m.version AS version
