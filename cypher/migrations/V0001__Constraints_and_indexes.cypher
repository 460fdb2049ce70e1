// Natural keys: every one is backed by a uniqueness constraint, because MERGE alone
// guarantees existence, not uniqueness, under concurrent writers.
CREATE CONSTRAINT migration_version IF NOT EXISTS FOR (m:Migration) REQUIRE m.version IS UNIQUE;
CREATE CONSTRAINT model_name IF NOT EXISTS FOR (m:Model) REQUIRE m.name IS UNIQUE;
CREATE CONSTRAINT model_version_number IF NOT EXISTS FOR (v:ModelVersion) REQUIRE (v.model, v.version) IS UNIQUE;
CREATE CONSTRAINT model_version_request IF NOT EXISTS FOR (v:ModelVersion) REQUIRE (v.model, v.requestId) IS UNIQUE;
CREATE CONSTRAINT alias_name IF NOT EXISTS FOR (a:Alias) REQUIRE (a.model, a.name) IS UNIQUE;
CREATE CONSTRAINT dataset_name IF NOT EXISTS FOR (d:Dataset) REQUIRE d.name IS UNIQUE;
CREATE CONSTRAINT dataset_version_number IF NOT EXISTS FOR (v:DatasetVersion) REQUIRE (v.dataset, v.version) IS UNIQUE;
CREATE CONSTRAINT dataset_version_digest IF NOT EXISTS FOR (v:DatasetVersion) REQUIRE (v.dataset, v.digest) IS UNIQUE;
CREATE CONSTRAINT experiment_name IF NOT EXISTS FOR (e:Experiment) REQUIRE e.name IS UNIQUE;
CREATE CONSTRAINT run_id IF NOT EXISTS FOR (r:Run) REQUIRE r.runId IS UNIQUE;
CREATE CONSTRAINT commit_sha IF NOT EXISTS FOR (c:Commit) REQUIRE (c.repo, c.sha) IS UNIQUE;
CREATE CONSTRAINT package_version IF NOT EXISTS FOR (p:Package) REQUIRE (p.name, p.version) IS UNIQUE;
// Lookups the lifecycle queries make: stage holders, histories, events.
CREATE INDEX model_version_stage IF NOT EXISTS FOR (v:ModelVersion) ON (v.model, v.stage);
CREATE INDEX event_version IF NOT EXISTS FOR (e:Event) ON (e.model, e.version);
CREATE INDEX event_sequence IF NOT EXISTS FOR (e:Event) ON (e.model, e.seq);
CREATE INDEX event_time IF NOT EXISTS FOR (e:Event) ON (e.at);
CREATE INDEX alias_assignment_version IF NOT EXISTS FOR (a:AliasAssignment) ON (a.model, a.version);
CREATE INDEX alias_assignment_alias IF NOT EXISTS FOR (a:AliasAssignment) ON (a.model, a.alias);
