"""Large artifacts on S3: presigned parts, resumed after an interruption, assembled and verified."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph_registry.client.transfer import put_range
from tests.artifacts.conftest import Backend
from tests.artifacts.flow import COMPLETE, artifact_of, declare, upload_target
from tests.artifacts.stores import MIB, PART_SIZE
from tests.graphql import data, error_code

LARGE = os.urandom(11 * MIB)  # above the suite's 8 MiB threshold: parts of 5, 5 and 1 MiB


async def put_part(part: dict[str, Any]) -> int:
    start = int(part["offset"])
    body = LARGE[start : start + int(part["sizeBytes"])]
    async with httpx.AsyncClient(timeout=120) as http:
        return (await http.put(part["url"], content=body)).status_code


async def test_multipart_upload_resumes_and_verifies(s3_api: Any, model_name: str) -> None:
    async with httpx.AsyncClient(base_url=s3_api.url, timeout=120) as client:
        backend = Backend(kind="s3", client=client)
        version = await declare(backend.client, model_name, LARGE)
        target = await upload_target(backend.client, model_name, version)
        parts = target["parts"]
        assert [(p["partNumber"], p["offset"], p["sizeBytes"]) for p in parts] == [
            (1, 0, PART_SIZE),
            (2, PART_SIZE, PART_SIZE),
            (3, 2 * PART_SIZE, len(LARGE) - 2 * PART_SIZE),
        ]
        assert target["url"] == parts[0]["url"]
        assert await put_part(parts[0]) == 200

        # Interrupted here: completing now is refused and leaves the upload open.
        assert await error_code(backend.client, COMPLETE, model=model_name, version=version) == "INVALID_INPUT"
        resumed = await upload_target(backend.client, model_name, version)
        assert [p["uploaded"] for p in resumed["parts"]] == [True, False, False]
        for part in resumed["parts"]:
            if not part["uploaded"]:
                assert await put_part(part) == 200

        done = (await data(backend.client, COMPLETE, model=model_name, version=version))["completeArtifactUpload"]
        assert done["status"] == "READY"
        artifact = await artifact_of(backend.client, model_name, version)
        async with httpx.AsyncClient(timeout=120) as http:
            assert (await http.get(artifact["downloadUrl"])).content == LARGE


@pytest.fixture
def large_file(tmp_path: Path) -> Path:
    path = tmp_path / "large.bin"
    path.write_bytes(LARGE)
    return path


async def test_multipart_with_a_wrong_part_is_rejected(s3_api: Any, model_name: str, large_file: Path) -> None:
    async with httpx.AsyncClient(base_url=s3_api.url, timeout=120) as client:
        version = await declare(client, model_name, LARGE)
        target = await upload_target(client, model_name, version)
        with httpx.Client(timeout=120) as http:
            for part in target["parts"]:
                offset, size = int(part["offset"]), int(part["sizeBytes"])
                # Same sizes, but the last part's bytes come from the wrong place in the file.
                if part["partNumber"] == 3:
                    offset = 0
                response = put_range(http, part["url"], large_file, offset=offset, length=size, headers={})
                assert response.status_code == 200
        assert await error_code(client, COMPLETE, model=model_name, version=version) == "INVALID_INPUT"
        assert (await artifact_of(client, model_name, version))["status"] == "PENDING"
