"""HTTP routes of the local artifact store: streamed upload and download, authorised by a signed token.

The token in the URL (minted by createArtifactUpload or Artifact.downloadUrl)
is the only authority: it names the key, the declared size and an expiry.
Bodies are streamed to and from disk, never held whole in memory.
"""

from __future__ import annotations

from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from graph_registry import metrics
from graph_registry.errors import Conflict, Forbidden, InvalidInput, NotFound, RegistryError, Unavailable
from graph_registry.services.artifacts import ArtifactService

STATUS = {Forbidden: 403, NotFound: 404, Conflict: 409, InvalidInput: 400, Unavailable: 503}


def _service(request: Request) -> ArtifactService:
    service: ArtifactService = request.app.state.runtime.services.artifacts
    return service


def _error(error: RegistryError) -> Response:
    status = next((code for kind, code in STATUS.items() if isinstance(error, kind)), 500)
    if error.fields.get("reason") == "oversize":
        status = 413
    return JSONResponse({"code": error.code, "message": error.message}, status_code=status)


def _length(request: Request) -> int | None:
    value = request.headers.get("content-length")
    return int(value) if value is not None and value.isdigit() else None


async def upload(request: Request) -> Response:
    try:
        received = await _service(request).receive_upload(
            request.path_params["token"], request.stream(), content_length=_length(request)
        )
    except RegistryError as error:
        return _error(error)
    except ClientDisconnect:
        return JSONResponse({"code": "INVALID_INPUT", "message": "the upload was cut short"}, status_code=400)
    metrics.ARTIFACT_BYTES.labels("in").inc(received)
    return JSONResponse({"sizeBytes": received})


async def download(request: Request) -> Response:
    try:
        path = _service(request).download_file(request.path_params["token"])
    except RegistryError as error:
        return _error(error)
    if request.method == "GET":
        metrics.ARTIFACT_BYTES.labels("out").inc(path.stat().st_size)
    return FileResponse(path, media_type="application/octet-stream", filename=path.name)


routes = [
    Route("/artifacts/upload/{token}", upload, methods=["PUT"]),
    Route("/artifacts/download/{token}", download, methods=["GET", "HEAD"]),
]
