// name: count_graph
// How many nodes and relationships the graph holds (from the count store: no scan), to size the
// export's progress bar.
CALL () { MATCH (n) RETURN count(n) AS nodes }
CALL () { MATCH ()-[r]->() RETURN count(r) AS relationships }
RETURN nodes, relationships

// name: get_id_bounds
// The highest internal node and relationship ids: the export pages through [0, max] by id, so every
// page is an id seek, not a scan (internal ids stay dense in the record store).
CALL () { MATCH (n) RETURN max(id(n)) AS maxNodeId }
CALL () { MATCH ()-[r]->() RETURN max(id(r)) AS maxRelationshipId }
RETURN coalesce(maxNodeId, -1) AS maxNodeId, coalesce(maxRelationshipId, -1) AS maxRelationshipId

// name: export_nodes
// One page of nodes, ids in [$from, $to): element id, labels, and each property as {key, type,
// value}. Temporal values travel as their ISO text, which date()/datetime()/duration() parse back
// to the same value, nanoseconds and named zones included.
UNWIND range($from, $to - 1) AS nodeId
MATCH (n) WHERE id(n) = nodeId
RETURN elementId(n) AS id, labels(n) AS labels,
       [p IN [key IN keys(n) | {key: key, type: valueType(n[key]), value: n[key]}] | {
          key: p.key, type: p.type,
          value: CASE
            WHEN p.type =~ 'LIST<(DATE|LOCAL TIME|ZONED TIME|LOCAL DATETIME|ZONED DATETIME|DURATION).*'
              THEN [x IN p.value | toString(x)]
            WHEN p.type =~ '(DATE|LOCAL TIME|ZONED TIME|LOCAL DATETIME|ZONED DATETIME|DURATION).*'
              THEN toString(p.value)
            ELSE p.value
          END}] AS properties

// name: export_relationships
// One page of relationships, ids in [$from, $to): type, the element ids of both ends, and the
// properties encoded as in export_nodes.
UNWIND range($from, $to - 1) AS relationshipId
MATCH (source)-[r]->(target) WHERE id(r) = relationshipId
RETURN type(r) AS type, elementId(source) AS source, elementId(target) AS target,
       [p IN [key IN keys(r) | {key: key, type: valueType(r[key]), value: r[key]}] | {
          key: p.key, type: p.type,
          value: CASE
            WHEN p.type =~ 'LIST<(DATE|LOCAL TIME|ZONED TIME|LOCAL DATETIME|ZONED DATETIME|DURATION).*'
              THEN [x IN p.value | toString(x)]
            WHEN p.type =~ '(DATE|LOCAL TIME|ZONED TIME|LOCAL DATETIME|ZONED DATETIME|DURATION).*'
              THEN toString(p.value)
            ELSE p.value
          END}] AS properties

// name: get_import_state
// What stands in the way of an import: the nodes that hold data (anything but migration records
// and an unfinished import's own nodes), counted by label, and the unfinished import, if any.
CALL () {
  MATCH (n) WHERE NOT n:Migration AND NOT n:BackupImport AND NOT n:BackupImported
  UNWIND labels(n) AS label
  WITH label, count(*) AS nodes ORDER BY label
  RETURN collect({label: label, nodes: nodes}) AS occupied
}
OPTIONAL MATCH (marker:BackupImport)
RETURN occupied, collect(marker {.*}) AS imports

// name: start_import
// Records an import of the file with this digest (or finds the one begun before, to resume it).
MERGE (marker:BackupImport {digest: $digest})
  ON CREATE SET marker.done = 0, marker.records = $records, marker.startedAt = datetime.transaction()
RETURN marker.done AS done

// name: create_import_index
// Imported nodes are found by their id in the file while relationships are linked; dropped at the end.
CREATE INDEX backup_import_id IF NOT EXISTS FOR (n:BackupImported) ON (n._backupImportId)

// name: await_import_index
// Waits until the import index is online, so linking relationships seeks instead of scanning.
CALL db.awaitIndex('backup_import_id', 300)

// name: claim_import_batch
// Advances the import past records [$start, $end) in the transaction that writes them: a batch that
// committed is never written twice, whether the driver retries it or the import is run again.
MATCH (marker:BackupImport {digest: $digest})
WHERE marker.done = $start
SET marker.done = $end
RETURN marker.done AS done

// name: set_imported_node_temporals
// Sets the temporal properties of imported nodes from their ISO text (exact to the nanosecond).
UNWIND $rows AS row
MATCH (n:BackupImported {_backupImportId: row.id})
FOREACH (p IN row.temporals |
  SET n[p.key] = CASE p.type
    WHEN 'DATE' THEN date(p.value)
    WHEN 'LOCAL TIME' THEN localtime(p.value)
    WHEN 'ZONED TIME' THEN time(p.value)
    WHEN 'LOCAL DATETIME' THEN localdatetime(p.value)
    WHEN 'ZONED DATETIME' THEN datetime(p.value)
    WHEN 'DURATION' THEN duration(p.value)
    WHEN 'LIST<DATE>' THEN [x IN p.value | date(x)]
    WHEN 'LIST<LOCAL TIME>' THEN [x IN p.value | localtime(x)]
    WHEN 'LIST<ZONED TIME>' THEN [x IN p.value | time(x)]
    WHEN 'LIST<LOCAL DATETIME>' THEN [x IN p.value | localdatetime(x)]
    WHEN 'LIST<ZONED DATETIME>' THEN [x IN p.value | datetime(x)]
    WHEN 'LIST<DURATION>' THEN [x IN p.value | duration(x)]
    WHEN 'FLOAT' THEN toFloat(p.value)
  END)

// name: set_imported_relationship_temporals
// Sets the temporal properties of imported relationships, found from their source node by their
// record number in the file.
UNWIND $rows AS row
MATCH (:BackupImported {_backupImportId: row.source})-[r]->()
WHERE r._backupImportId = row.id
FOREACH (p IN row.temporals |
  SET r[p.key] = CASE p.type
    WHEN 'DATE' THEN date(p.value)
    WHEN 'LOCAL TIME' THEN localtime(p.value)
    WHEN 'ZONED TIME' THEN time(p.value)
    WHEN 'LOCAL DATETIME' THEN localdatetime(p.value)
    WHEN 'ZONED DATETIME' THEN datetime(p.value)
    WHEN 'DURATION' THEN duration(p.value)
    WHEN 'LIST<DATE>' THEN [x IN p.value | date(x)]
    WHEN 'LIST<LOCAL TIME>' THEN [x IN p.value | localtime(x)]
    WHEN 'LIST<ZONED TIME>' THEN [x IN p.value | time(x)]
    WHEN 'LIST<LOCAL DATETIME>' THEN [x IN p.value | localdatetime(x)]
    WHEN 'LIST<ZONED DATETIME>' THEN [x IN p.value | datetime(x)]
    WHEN 'LIST<DURATION>' THEN [x IN p.value | duration(x)]
    WHEN 'FLOAT' THEN toFloat(p.value)
  END)

// name: finish_imported_nodes
// Strips the import's bookkeeping from a batch of imported nodes and their outgoing relationships;
// returns how many it finished (0 when none are left).
MATCH (n:BackupImported)
WITH n LIMIT $limit
CALL (n) {
  MATCH (n)-[r]->()
  WHERE r._backupImportId IS NOT NULL
  REMOVE r._backupImportId
}
REMOVE n:BackupImported, n._backupImportId
RETURN count(n) AS finished

// name: drop_import_index
// Drops the import's lookup index once every node is finished.
DROP INDEX backup_import_id IF EXISTS

// name: end_import
// Forgets the finished import.
MATCH (marker:BackupImport {digest: $digest})
DELETE marker

// name: import_model_nodes
// Creates a batch of models from a backup, tagged with their id in the file.
UNWIND $rows AS row
CREATE (n:Model:BackupImported)
SET n = row.properties
RETURN count(*) AS created

// name: import_model_version_nodes
// Creates a batch of model versions from a backup, tagged with their id in the file.
UNWIND $rows AS row
CREATE (n:ModelVersion:BackupImported)
SET n = row.properties
RETURN count(*) AS created

// name: import_event_nodes
// Creates a batch of lifecycle events (stage changes, alias moves, creations) from a backup, tagged with their id in the file.
UNWIND $rows AS row
CREATE (n:Event:BackupImported)
SET n = row.properties
RETURN count(*) AS created

// name: import_alias_nodes
// Creates a batch of aliases from a backup, tagged with their id in the file.
UNWIND $rows AS row
CREATE (n:Alias:BackupImported)
SET n = row.properties
RETURN count(*) AS created

// name: import_alias_assignment_nodes
// Creates a batch of alias assignments (alias history) from a backup, tagged with their id in the file.
UNWIND $rows AS row
CREATE (n:AliasAssignment:BackupImported)
SET n = row.properties
RETURN count(*) AS created

// name: import_dataset_nodes
// Creates a batch of datasets from a backup, tagged with their id in the file.
UNWIND $rows AS row
CREATE (n:Dataset:BackupImported)
SET n = row.properties
RETURN count(*) AS created

// name: import_dataset_version_nodes
// Creates a batch of dataset versions from a backup, tagged with their id in the file.
UNWIND $rows AS row
CREATE (n:DatasetVersion:BackupImported)
SET n = row.properties
RETURN count(*) AS created

// name: import_experiment_nodes
// Creates a batch of experiments from a backup, tagged with their id in the file.
UNWIND $rows AS row
CREATE (n:Experiment:BackupImported)
SET n = row.properties
RETURN count(*) AS created

// name: import_run_nodes
// Creates a batch of runs from a backup, tagged with their id in the file.
UNWIND $rows AS row
CREATE (n:Run:BackupImported)
SET n = row.properties
RETURN count(*) AS created

// name: import_commit_nodes
// Creates a batch of commits from a backup, tagged with their id in the file.
UNWIND $rows AS row
CREATE (n:Commit:BackupImported)
SET n = row.properties
RETURN count(*) AS created

// name: import_package_nodes
// Creates a batch of packages from a backup, tagged with their id in the file.
UNWIND $rows AS row
CREATE (n:Package:BackupImported)
SET n = row.properties
RETURN count(*) AS created

// name: import_api_token_nodes
// Creates a batch of API tokens (only their hashes are stored) from a backup, tagged with their id in the file.
UNWIND $rows AS row
CREATE (n:ApiToken:BackupImported)
SET n = row.properties
RETURN count(*) AS created

// name: import_audit_entry_nodes
// Creates a batch of audit entries from a backup, tagged with their id in the file.
UNWIND $rows AS row
CREATE (n:AuditEntry:BackupImported)
SET n = row.properties
RETURN count(*) AS created

// name: import_migration_nodes
// Restores migration records as the backup has them; the migrations this code knows were applied
// before the import, so a record may exist already.
UNWIND $rows AS row
MERGE (n:Migration {version: row.properties.version})
SET n = row.properties, n:BackupImported
RETURN count(*) AS created

// name: import_version_of_relationships
// Links a batch of VERSION_OF relationships between imported nodes.
UNWIND $rows AS row
MATCH (source:BackupImported {_backupImportId: row.source})
MATCH (target:BackupImported {_backupImportId: row.target})
CREATE (source)-[r:VERSION_OF]->(target)
SET r = row.properties
RETURN count(*) AS created

// name: import_points_to_relationships
// Links a batch of POINTS_TO relationships between imported nodes.
UNWIND $rows AS row
MATCH (source:BackupImported {_backupImportId: row.source})
MATCH (target:BackupImported {_backupImportId: row.target})
CREATE (source)-[r:POINTS_TO]->(target)
SET r = row.properties
RETURN count(*) AS created

// name: import_used_relationships
// Links a batch of USED relationships between imported nodes.
UNWIND $rows AS row
MATCH (source:BackupImported {_backupImportId: row.source})
MATCH (target:BackupImported {_backupImportId: row.target})
CREATE (source)-[r:USED]->(target)
SET r = row.properties
RETURN count(*) AS created

// name: import_ran_relationships
// Links a batch of RAN relationships between imported nodes.
UNWIND $rows AS row
MATCH (source:BackupImported {_backupImportId: row.source})
MATCH (target:BackupImported {_backupImportId: row.target})
CREATE (source)-[r:RAN]->(target)
SET r = row.properties
RETURN count(*) AS created

// name: import_in_relationships
// Links a batch of IN relationships between imported nodes.
UNWIND $rows AS row
MATCH (source:BackupImported {_backupImportId: row.source})
MATCH (target:BackupImported {_backupImportId: row.target})
CREATE (source)-[r:IN]->(target)
SET r = row.properties
RETURN count(*) AS created

// name: import_produced_by_relationships
// Links a batch of PRODUCED_BY relationships between imported nodes.
UNWIND $rows AS row
MATCH (source:BackupImported {_backupImportId: row.source})
MATCH (target:BackupImported {_backupImportId: row.target})
CREATE (source)-[r:PRODUCED_BY]->(target)
SET r = row.properties
RETURN count(*) AS created

// name: import_derived_from_relationships
// Links a batch of DERIVED_FROM relationships between imported nodes.
UNWIND $rows AS row
MATCH (source:BackupImported {_backupImportId: row.source})
MATCH (target:BackupImported {_backupImportId: row.target})
CREATE (source)-[r:DERIVED_FROM]->(target)
SET r = row.properties
RETURN count(*) AS created

// name: import_fine_tuned_from_relationships
// Links a batch of FINE_TUNED_FROM relationships between imported nodes.
UNWIND $rows AS row
MATCH (source:BackupImported {_backupImportId: row.source})
MATCH (target:BackupImported {_backupImportId: row.target})
CREATE (source)-[r:FINE_TUNED_FROM]->(target)
SET r = row.properties
RETURN count(*) AS created

// name: import_requires_relationships
// Links a batch of REQUIRES relationships between imported nodes.
UNWIND $rows AS row
MATCH (source:BackupImported {_backupImportId: row.source})
MATCH (target:BackupImported {_backupImportId: row.target})
CREATE (source)-[r:REQUIRES]->(target)
SET r = row.properties
RETURN count(*) AS created

// name: import_job_nodes
// Creates a batch of OpenLineage jobs from a backup, tagged with their id in the file.
UNWIND $rows AS row
CREATE (n:Job:BackupImported)
SET n = row.properties
RETURN count(*) AS created

// name: import_run_of_relationships
// Links a batch of RUN_OF relationships (run -> OpenLineage job) between imported nodes.
UNWIND $rows AS row
MATCH (source:BackupImported {_backupImportId: row.source})
MATCH (target:BackupImported {_backupImportId: row.target})
CREATE (source)-[r:RUN_OF]->(target)
SET r = row.properties
RETURN count(*) AS created

// name: import_child_of_relationships
// Links a batch of CHILD_OF relationships (run -> parent run) between imported nodes.
UNWIND $rows AS row
MATCH (source:BackupImported {_backupImportId: row.source})
MATCH (target:BackupImported {_backupImportId: row.target})
CREATE (source)-[r:CHILD_OF]->(target)
SET r = row.properties
RETURN count(*) AS created
