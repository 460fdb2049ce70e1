// name: set_artifact_upload
// Records the multipart upload of a PENDING artifact unless one is recorded already, and returns
// the one that holds: of two concurrent requests, both end up using the same upload.
MATCH (v:ModelVersion {model: $model, version: $version})
WHERE v.artifactStatus = 'PENDING' AND v.artifactSha256 = $sha256
SET v.artifactUploadId = coalesce(v.artifactUploadId, $uploadId)
RETURN v.artifactUploadId AS uploadId

// name: clear_artifact_upload
// Forgets a multipart upload that S3 no longer holds, or that produced rejected bytes.
MATCH (v:ModelVersion {model: $model, version: $version})
WHERE v.artifactUploadId = $uploadId
REMOVE v.artifactUploadId
RETURN v.version AS version

// name: mark_artifact_ready
// Marks a PENDING artifact READY once its stored bytes were verified, recording where they live.
// A READY artifact is never changed: then the row comes back as it was.
MATCH (v:ModelVersion {model: $model, version: $version})
WHERE v.artifactSha256 = $sha256 AND v.artifactSize = $size
SET v += CASE v.artifactStatus
  WHEN 'PENDING' THEN {artifactStatus: 'READY', artifactKey: $key, artifactUri: $uri,
                       artifactVerifiedAt: datetime.transaction(), artifactUploadId: null}
  ELSE {}
END
RETURN v {.*} AS version
