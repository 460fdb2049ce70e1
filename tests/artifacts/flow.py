"""The artifact flow over HTTP: GraphQL operations and plain-HTTP transfers, as a client runs them."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx

from tests.graphql import data

DECLARE = """
mutation($model: String!, $sha256: String!, $size: Float!) {
  createModelVersion(input: {model: $model, artifact: {sha256: $sha256, sizeBytes: $size}}) {
    version artifact { status sha256 sizeBytes uri downloadUrl }
  }
}
"""
CREATE_UPLOAD = """
mutation($model: String!, $version: Int!) {
  createArtifactUpload(model: $model, version: $version) {
    url method headers { key value } expiresAt parts { partNumber url offset sizeBytes uploaded }
  }
}
"""
COMPLETE = """
mutation($model: String!, $version: Int!) {
  completeArtifactUpload(model: $model, version: $version) { uri sha256 sizeBytes status downloadUrl }
}
"""
ARTIFACT = """
query($model: String!, $version: Int!) {
  modelVersion(model: $model, version: $version) { version artifact { status uri sha256 sizeBytes downloadUrl } }
}
"""


def sha256_of(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


async def declare(client: httpx.AsyncClient, model: str, payload: bytes) -> int:
    result = await data(client, DECLARE, model=model, sha256=sha256_of(payload), size=len(payload))
    version: int = result["createModelVersion"]["version"]
    return version


async def upload_target(client: httpx.AsyncClient, model: str, version: int) -> dict[str, Any]:
    target: dict[str, Any] = (await data(client, CREATE_UPLOAD, model=model, version=version))["createArtifactUpload"]
    return target


async def put(target: dict[str, Any], body: bytes) -> httpx.Response:
    """PUT the bytes to the returned URL with plain HTTP, as curl would."""
    headers = {item["key"]: item["value"] for item in target["headers"]}
    async with httpx.AsyncClient(timeout=120) as http:
        return await http.request(target["method"], target["url"], content=body, headers=headers)


async def artifact_of(client: httpx.AsyncClient, model: str, version: int) -> dict[str, Any]:
    result = await data(client, ARTIFACT, model=model, version=version)
    artifact: dict[str, Any] = result["modelVersion"]["artifact"]
    return artifact
