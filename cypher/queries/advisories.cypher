// name: get_advisory_states
// The stored modified time of each OSV id given (to decide replace or skip on re-import).
UNWIND $ids AS id
MATCH (a:Advisory {osvId: id})
RETURN a.osvId AS osvId, a.modifiedAt AS modifiedAt

// name: get_package_versions
// Every stored version of each package name given (PEP 503 names).
UNWIND $names AS name
MATCH (p:Package {name: name})
RETURN p.name AS name, collect(p.version) AS versions

// name: get_advisory_matches
// The (package, version) pairs each given advisory affects now.
UNWIND $ids AS id
MATCH (:Advisory {osvId: id})-[:AFFECTS]->(p:Package)
RETURN id AS osvId, p.name AS name, p.version AS version

// name: store_advisories
// Creates or replaces each advisory and its AFFECTS edges (the old edges are removed first, so a
// withdrawn or narrowed record stops matching what it no longer names).
UNWIND $advisories AS row
MERGE (a:Advisory {osvId: row.osvId})
SET a += row.properties
WITH a, row
CALL (a) {
  MATCH (a)-[old:AFFECTS]->(:Package)
  DELETE old
}
CALL (a, row) {
  UNWIND row.matches AS match
  MATCH (p:Package {name: match.name, version: match.version})
  MERGE (a)-[:AFFECTS]->(p)
}
RETURN count(a) AS stored

// name: find_versions_requiring
// Non-deleted model versions that require any of the given (name, version) packages, with the
// advisory ids that newly affect them.
UNWIND $pairs AS pair
MATCH (:Package {name: pair.name, version: pair.version})<-[:REQUIRES]-(v:ModelVersion)
WHERE NOT v.deleted
WITH v, collect(DISTINCT pair.osvId) AS osvIds
RETURN v {.*} AS version, osvIds
ORDER BY v.model, v.version

// name: record_vulnerability_events
// One VULNERABILITY_FOUND event per newly affected STAGING/PRODUCTION version, under each model's
// lock so its sequence numbers stay dense. `models` carry their versions and their osv ids.
UNWIND $models AS entry
MATCH (m:Model {name: entry.model})
SET m._lock = true
REMOVE m._lock
WITH m, entry, coalesce(m.eventCount, 0) AS base
SET m.eventCount = base + size(entry.versions)
WITH m, entry, base
UNWIND range(0, size(entry.versions) - 1) AS index
WITH m, base, index, entry.versions[index] AS hit
CREATE (:Event {model: m.name, version: hit.version, seq: base + index + 1, type: 'VULNERABILITY_FOUND',
                detail: hit.detail, actor: $actor, at: datetime.transaction()})
RETURN count(*) AS events

// name: find_advisories_for_packages
// Non-withdrawn advisories that name any of the given package names (for new package versions).
UNWIND $names AS name
MATCH (a:Advisory)
WHERE a.packageNames CONTAINS '|' + name + '|' AND a.withdrawnAt IS NULL
RETURN DISTINCT a.osvId AS osvId, a.affected AS affected, a.modifiedAt AS modifiedAt

// name: link_package_advisories
// AFFECTS edges for new package versions, matched in code against the advisories above.
UNWIND $matches AS match
MATCH (a:Advisory {osvId: match.osvId})
MATCH (p:Package {name: match.name, version: match.version})
MERGE (a)-[:AFFECTS]->(p)
RETURN count(*) AS linked

// name: get_advisory
// An advisory by its OSV id, or else by one of its aliases (CVE-..., GHSA-...).
OPTIONAL MATCH (byId:Advisory {osvId: $id})
OPTIONAL MATCH (byAlias:Advisory)
WHERE byId IS NULL AND byAlias.aliasNames CONTAINS '|' + $id + '|'
WITH coalesce(byId, byAlias) AS a
WHERE a IS NOT NULL
RETURN a {.*} AS advisory
ORDER BY a.osvId
LIMIT 1

// name: get_advisories
// Advisories by OSV id, for the per-request loader.
UNWIND $ids AS id
MATCH (a:Advisory {osvId: id})
RETURN a {.*} AS advisory

// name: get_version_vulnerabilities
// Each version's packages that a non-withdrawn advisory at or above a severity rank affects.
UNWIND $keys AS key
MATCH (v:ModelVersion {model: key[0], version: key[1]})-[:REQUIRES]->(p:Package)<-[:AFFECTS]-(a:Advisory)
WHERE a.withdrawnAt IS NULL AND ($minRank IS NULL OR a.severityRank >= $minRank)
RETURN key[0] AS model, key[1] AS version, p {.*} AS package, a {.*} AS advisory
ORDER BY coalesce(a.severityRank, 0) DESC, a.osvId, p.name

// name: find_vulnerable_versions
// Non-deleted versions (in a stage, holding an alias) with the packages and advisories that make
// them vulnerable, in one traversal.
MATCH (v:ModelVersion)-[:REQUIRES]->(p:Package)<-[:AFFECTS]-(a:Advisory)
WHERE NOT v.deleted AND a.withdrawnAt IS NULL
  AND ($stage IS NULL OR v.stage = $stage)
  AND ($minRank IS NULL OR a.severityRank >= $minRank)
  AND ($alias IS NULL OR EXISTS { (:Alias {model: v.model, name: $alias})-[:POINTS_TO]->(v) })
WITH v, collect({package: p {.*}, advisory: a {.*}}) AS hits
RETURN v {.*} AS version, hits
ORDER BY v.model, v.version

// name: find_blocking_advisories
// The non-withdrawn advisories at or above a severity rank that affect a version's packages,
// read in the caller's transaction (promotion checks).
MATCH (:ModelVersion {model: $model, version: $version})-[:REQUIRES]->(p:Package)<-[:AFFECTS]-(a:Advisory)
WHERE a.withdrawnAt IS NULL AND a.severityRank >= $minRank
RETURN a.osvId AS osvId, a.severity AS severity, p.name AS package, p.version AS packageVersion
ORDER BY a.severityRank DESC, a.osvId

// name: import_advisory_nodes
// Creates a batch of advisories from a backup, tagged with their id in the file.
UNWIND $rows AS row
CREATE (n:Advisory:BackupImported)
SET n = row.properties
RETURN count(*) AS created

// name: import_affects_relationships
// Links a batch of AFFECTS relationships (advisory to package) between imported nodes.
UNWIND $rows AS row
MATCH (source:BackupImported {_backupImportId: row.source})
MATCH (target:BackupImported {_backupImportId: row.target})
CREATE (source)-[r:AFFECTS]->(target)
SET r = row.properties
RETURN count(*) AS created
