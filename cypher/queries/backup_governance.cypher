// name: import_team_nodes
// Creates a batch of teams from a backup, tagged with their id in the file.
UNWIND $rows AS row
CREATE (n:Team:BackupImported)
SET n = row.properties
RETURN count(*) AS created

// name: import_promotion_policy_nodes
// Creates a batch of promotion policies from a backup, tagged with their id in the file.
UNWIND $rows AS row
CREATE (n:PromotionPolicy:BackupImported)
SET n = row.properties
RETURN count(*) AS created

// name: import_stage_transition_request_nodes
// Creates a batch of stage transition requests from a backup, tagged with their id in the file.
UNWIND $rows AS row
CREATE (n:StageTransitionRequest:BackupImported)
SET n = row.properties
RETURN count(*) AS created

// name: import_approval_decision_nodes
// Creates a batch of approval decisions from a backup, tagged with their id in the file.
UNWIND $rows AS row
CREATE (n:ApprovalDecision:BackupImported)
SET n = row.properties
RETURN count(*) AS created

// name: import_owned_by_relationships
// Links a batch of OWNED_BY relationships between imported nodes.
UNWIND $rows AS row
MATCH (source:BackupImported {_backupImportId: row.source})
MATCH (target:BackupImported {_backupImportId: row.target})
CREATE (source)-[r:OWNED_BY]->(target)
SET r = row.properties
RETURN count(*) AS created

// name: import_member_of_relationships
// Links a batch of MEMBER_OF relationships between imported nodes.
UNWIND $rows AS row
MATCH (source:BackupImported {_backupImportId: row.source})
MATCH (target:BackupImported {_backupImportId: row.target})
CREATE (source)-[r:MEMBER_OF]->(target)
SET r = row.properties
RETURN count(*) AS created

// name: import_for_relationships
// Links a batch of FOR relationships between imported nodes.
UNWIND $rows AS row
MATCH (source:BackupImported {_backupImportId: row.source})
MATCH (target:BackupImported {_backupImportId: row.target})
CREATE (source)-[r:FOR]->(target)
SET r = row.properties
RETURN count(*) AS created

// name: import_on_relationships
// Links a batch of ON relationships between imported nodes.
UNWIND $rows AS row
MATCH (source:BackupImported {_backupImportId: row.source})
MATCH (target:BackupImported {_backupImportId: row.target})
CREATE (source)-[r:ON]->(target)
SET r = row.properties
RETURN count(*) AS created
