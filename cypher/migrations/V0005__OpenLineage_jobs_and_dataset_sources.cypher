// OpenLineage ingestion (issue 15). A job is named by (namespace, name); a dataset may carry the
// OpenLineage identity it was recorded under (sourceNamespace, sourceName), once per dataset. Both
// back the MERGEs of api/openlineage: MERGE alone does not keep concurrent writers from making twins.
CREATE CONSTRAINT job_name IF NOT EXISTS FOR (j:Job) REQUIRE (j.namespace, j.name) IS UNIQUE;
CREATE CONSTRAINT dataset_source IF NOT EXISTS FOR (d:Dataset) REQUIRE (d.sourceNamespace, d.sourceName) IS UNIQUE;
// A job's runs (Job.runs) and the newest version of a dataset at an event's time.
CREATE INDEX run_job IF NOT EXISTS FOR (r:Run) ON (r.jobNamespace, r.jobName);
CREATE INDEX dataset_version_observed IF NOT EXISTS FOR (v:DatasetVersion) ON (v.dataset, v.observedAt);
