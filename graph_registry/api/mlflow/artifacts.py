"""MLflow's proxied artifact API: upload (PUT), download (GET) and list, in the registry's store."""

from __future__ import annotations

from typing import Any

from starlette.requests import ClientDisconnect
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from graph_registry.api.mlflow.protocol import Call, endpoint
from graph_registry.errors import InvalidInput


def _length(call: Call) -> int | None:
    value = call.request.headers.get("content-length")
    return int(value) if value is not None and value.isdigit() else None


async def upload(call: Call) -> dict[str, Any]:
    try:
        stored = await call.services.mlflow.artifacts.upload(
            call.required("path"), call.request.stream(), size=_length(call), audit=call.audit
        )
    except ClientDisconnect as error:
        raise InvalidInput("the upload was cut short", field="body") from error
    call.touched["sha256"] = stored["sha256"]
    return {}


async def download(call: Call) -> Response:
    stored, body = await call.services.mlflow.artifacts.file(call.required("path"))
    headers = {"Content-Length": str(stored["size"])}
    return StreamingResponse(body, media_type="application/octet-stream", headers=headers)


async def listing(call: Call) -> dict[str, Any]:
    found = await call.services.mlflow.artifacts.listing(call.text("path") or "")
    files = []
    for item in found:
        shown: dict[str, Any] = {"path": item.path, "is_dir": item.is_dir}
        if item.size is not None:
            shown["file_size"] = item.size
        files.append(shown)
    return {"files": files}


P = "/api/2.0/mlflow-artifacts/artifacts"
routes = [
    Route(P, endpoint("ListArtifacts", listing, fields={"path"}, write=False), methods=["GET"]),
    Route(
        f"{P}/{{path:path}}",
        endpoint("UploadArtifact", upload, fields={"path"}, write=True, stream=True),
        methods=["PUT"],
    ),
    Route(f"{P}/{{path:path}}", endpoint("DownloadArtifact", download, fields={"path"}, write=False), methods=["GET"]),
]
