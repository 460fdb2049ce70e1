// name: find_nodes_holding
// Every node (audit entries aside) with a property equal to $text, or a list property with an item
// containing it: where an untrusted string ended up. Scans the graph; for security checks only.
MATCH (n)
WHERE NOT n:AuditEntry
WITH n, [key IN keys(n) WHERE n[key] = $text
         OR (n[key] IS :: LIST<ANY> AND any(item IN n[key] WHERE item IS :: STRING AND item CONTAINS $text))]
        AS matched
WHERE size(matched) > 0
RETURN labels(n) AS labels, matched AS properties, [key IN matched | n[key]] AS values

// name: list_schema
// Names of every index (constraints are backed by an index of the same name), to compare schema states.
SHOW INDEXES YIELD name
RETURN name

// name: delete_migration_record
// Forgets one applied migration (tests clean up the probes they apply).
MATCH (m:Migration {version: $version})
DELETE m

// name: create_probe
// A node only tests make, as the change of a unit of work under test.
CREATE (p:UnitProbe {key: $key})
RETURN p.key AS key

// name: count_probes
// How many probe nodes carry $key.
MATCH (p:UnitProbe {key: $key})
RETURN count(p) AS count

// name: count_audit_entries_with_id
// How many audit entries carry $id, and their outcomes.
MATCH (e:AuditEntry {id: $id})
RETURN count(e) AS count, collect(e.outcome) AS outcomes
