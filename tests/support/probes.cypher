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
