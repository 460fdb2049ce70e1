// The MLflow REST adapter (api/mlflow/): MLflow's experiment ids, metric histories, logged models
// and the files of proxied artifacts, each found by its key without a label scan.
CREATE CONSTRAINT experiment_mlflow_id IF NOT EXISTS FOR (e:Experiment) REQUIRE e.mlflowId IS UNIQUE;
CREATE CONSTRAINT mlflow_sequence_name IF NOT EXISTS FOR (s:MlflowSequence) REQUIRE s.name IS UNIQUE;
CREATE CONSTRAINT logged_model_id IF NOT EXISTS FOR (m:LoggedModel) REQUIRE m.modelId IS UNIQUE;
CREATE CONSTRAINT artifact_file_key IF NOT EXISTS FOR (f:ArtifactFile) REQUIRE (f.owner, f.path) IS UNIQUE;
CREATE INDEX metric_point_run_key IF NOT EXISTS FOR (p:MetricPoint) ON (p.runId, p.key);
CREATE INDEX metric_point_run IF NOT EXISTS FOR (p:MetricPoint) ON (p.runId);
CREATE INDEX artifact_file_owner IF NOT EXISTS FOR (f:ArtifactFile) ON (f.owner);
CREATE INDEX logged_model_experiment IF NOT EXISTS FOR (m:LoggedModel) ON (m.experimentId);
