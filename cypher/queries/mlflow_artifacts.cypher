// name: mlflow_record_artifact_file
// A file of a run's or logged model's artifacts, with what the store measured of its bytes.
MERGE (f:ArtifactFile {owner: $owner, path: $path})
SET f.key = $key, f.sha256 = $sha256, f.size = $size, f.storedAt = datetime.transaction()
RETURN f {.*} AS file

// name: mlflow_artifact_files
// The files of an owner's artifacts under a folder ('' for all), by path.
MATCH (f:ArtifactFile {owner: $owner})
WHERE $prefix = '' OR f.path = $prefix OR f.path STARTS WITH $prefix + '/'
RETURN f {.*} AS file
ORDER BY f.path

// name: mlflow_artifact_file
// One file of an owner's artifacts.
MATCH (f:ArtifactFile {owner: $owner, path: $path})
RETURN f {.*} AS file
