// Security (issue 5). Numbered 3: the artifact store needed no migration, and numbers run without gaps.
// API tokens: a token is found by the hash of its secret, and names are never reused.
CREATE CONSTRAINT api_token_hash IF NOT EXISTS FOR (t:ApiToken) REQUIRE t.hash IS UNIQUE;
CREATE CONSTRAINT api_token_name IF NOT EXISTS FOR (t:ApiToken) REQUIRE t.name IS UNIQUE;
// Audit entries: one per attempted mutation, found by id (to record the outcome), per model
// (and version), per actor, and newest first.
CREATE CONSTRAINT audit_entry_id IF NOT EXISTS FOR (e:AuditEntry) REQUIRE e.id IS UNIQUE;
CREATE INDEX audit_entry_model IF NOT EXISTS FOR (e:AuditEntry) ON (e.model);
CREATE INDEX audit_entry_actor IF NOT EXISTS FOR (e:AuditEntry) ON (e.actor);
CREATE INDEX audit_entry_time IF NOT EXISTS FOR (e:AuditEntry) ON (e.at);
