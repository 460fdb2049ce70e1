"""The artifact flow on both stores: declare, upload with plain HTTP, complete, download, verify."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from urllib.parse import urlparse

import httpx

from tests.artifacts.conftest import Backend
from tests.artifacts.flow import (
    COMPLETE,
    artifact_of,
    declare,
    put,
    sha256_of,
    upload_target,
)
from tests.graphql import data, error_code

PAYLOAD = os.urandom(300_000)


async def test_full_flow(backend: Backend, model_name: str) -> None:
    version = await declare(backend.client, model_name, PAYLOAD)
    before = await artifact_of(backend.client, model_name, version)
    assert before["status"] == "PENDING"
    assert before["downloadUrl"] is None

    target = await upload_target(backend.client, model_name, version)
    assert target["method"] == "PUT"
    assert target["parts"] == []
    assert (await put(target, PAYLOAD)).status_code == 200

    done = (await data(backend.client, COMPLETE, model=model_name, version=version))["completeArtifactUpload"]
    assert done["status"] == "READY"
    assert done["sha256"] == sha256_of(PAYLOAD)
    assert done["sizeBytes"] == len(PAYLOAD)
    key = f"{model_name}/{version}/{sha256_of(PAYLOAD)}"
    assert done["uri"].endswith(key)
    if backend.kind == "s3":
        assert done["uri"].startswith("s3://")
    else:
        stored = Path(urlparse(done["uri"]).path)
        assert done["uri"].startswith("file:///")
        assert await asyncio.to_thread(stored.read_bytes) == PAYLOAD

    after = await artifact_of(backend.client, model_name, version)
    assert after["status"] == "READY"
    async with httpx.AsyncClient(timeout=60) as http:
        downloaded = await http.get(after["downloadUrl"])
    assert downloaded.status_code == 200
    assert downloaded.content == PAYLOAD


async def test_completing_again_returns_the_ready_artifact(backend: Backend, model_name: str) -> None:
    version = await declare(backend.client, model_name, PAYLOAD)
    await put(await upload_target(backend.client, model_name, version), PAYLOAD)
    first = (await data(backend.client, COMPLETE, model=model_name, version=version))["completeArtifactUpload"]
    again = (await data(backend.client, COMPLETE, model=model_name, version=version))["completeArtifactUpload"]
    # Download URLs are minted per request; everything else is the same READY artifact.
    assert {**again, "downloadUrl": None} == {**first, "downloadUrl": None}
    assert again["status"] == "READY"


async def test_wrong_bytes_are_rejected_and_removed(backend: Backend, model_name: str) -> None:
    version = await declare(backend.client, model_name, PAYLOAD)
    target = await upload_target(backend.client, model_name, version)
    wrong = bytes(len(PAYLOAD))
    assert (await put(target, wrong)).status_code == 200

    assert await error_code(backend.client, COMPLETE, model=model_name, version=version) == "INVALID_INPUT"
    assert (await artifact_of(backend.client, model_name, version))["status"] == "PENDING"
    # The bad bytes are gone: completing again finds nothing to verify.
    assert await error_code(backend.client, COMPLETE, model=model_name, version=version) == "INVALID_INPUT"

    # The client can still send the right bytes.
    assert (await put(await upload_target(backend.client, model_name, version), PAYLOAD)).status_code == 200
    done = await data(backend.client, COMPLETE, model=model_name, version=version)
    assert done["completeArtifactUpload"]["status"] == "READY"


async def test_short_upload_never_becomes_ready(backend: Backend, model_name: str) -> None:
    version = await declare(backend.client, model_name, PAYLOAD)
    response = await put(await upload_target(backend.client, model_name, version), PAYLOAD[:-1000])
    # The local store refuses it outright; S3 stores it, and verification rejects it.
    assert response.status_code == (400 if backend.kind == "local" else 200)
    assert await error_code(backend.client, COMPLETE, model=model_name, version=version) == "INVALID_INPUT"
    assert (await artifact_of(backend.client, model_name, version))["status"] == "PENDING"


async def test_oversize_upload_never_becomes_ready(backend: Backend, model_name: str) -> None:
    version = await declare(backend.client, model_name, PAYLOAD)
    response = await put(await upload_target(backend.client, model_name, version), PAYLOAD + b"extra")
    assert response.status_code == (413 if backend.kind == "local" else 200)
    assert await error_code(backend.client, COMPLETE, model=model_name, version=version) == "INVALID_INPUT"
    assert (await artifact_of(backend.client, model_name, version))["status"] == "PENDING"


async def test_ready_artifact_is_immutable(backend: Backend, model_name: str) -> None:
    version = await declare(backend.client, model_name, PAYLOAD)
    target = await upload_target(backend.client, model_name, version)
    await put(target, PAYLOAD)
    await data(backend.client, COMPLETE, model=model_name, version=version)

    query = "mutation($m: String!, $v: Int!) { createArtifactUpload(model: $m, version: $v) { url } }"
    assert await error_code(backend.client, query, m=model_name, v=version) == "CONFLICT"

    # Replaying the old upload URL cannot change the verified bytes.
    replay = await put(target, bytes(len(PAYLOAD)))
    assert replay.status_code == (409 if backend.kind == "local" else 200)
    artifact = await artifact_of(backend.client, model_name, version)
    assert artifact["status"] == "READY"
    async with httpx.AsyncClient(timeout=60) as http:
        assert (await http.get(artifact["downloadUrl"])).content == PAYLOAD


async def test_complete_without_upload_is_invalid(backend: Backend, model_name: str) -> None:
    version = await declare(backend.client, model_name, PAYLOAD)
    assert await error_code(backend.client, COMPLETE, model=model_name, version=version) == "INVALID_INPUT"
    assert (await artifact_of(backend.client, model_name, version))["status"] == "PENDING"


async def test_upload_needs_a_declared_artifact(backend: Backend, model_name: str) -> None:
    created = await data(
        backend.client,
        "mutation($m: String!) { createModelVersion(input: {model: $m}) { version artifact { status } } }",
        m=model_name,
    )
    assert created["createModelVersion"] == {"version": 1, "artifact": None}
    query = "mutation($m: String!) { createArtifactUpload(model: $m, version: 1) { url } }"
    assert await error_code(backend.client, query, m=model_name) == "NOT_FOUND"
    assert await error_code(backend.client, query, m=f"{model_name}-missing") == "NOT_FOUND"
