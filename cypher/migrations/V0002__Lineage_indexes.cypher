// Lookups the lineage queries make by one property of a composite key: a dataset's versions, a
// package's versions (packageImpact), an experiment's runs, and the versions in a stage (provenanceGaps).
CREATE INDEX dataset_version_dataset IF NOT EXISTS FOR (v:DatasetVersion) ON (v.dataset);
CREATE INDEX package_name IF NOT EXISTS FOR (p:Package) ON (p.name);
CREATE INDEX run_experiment IF NOT EXISTS FOR (r:Run) ON (r.experiment);
CREATE INDEX model_version_stage_only IF NOT EXISTS FOR (v:ModelVersion) ON (v.stage);
