"""Presigned URLs name the endpoint clients reach S3 by, when it differs from the server's own.

docker compose is the case: the API reaches MinIO as http://minio:9000, clients as
http://127.0.0.1:9000. Here the API uses `localhost` and clients get `127.0.0.1`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from urllib.parse import urlparse

import httpx
import pytest

from graph_registry.settings import Settings
from tests.artifacts.flow import COMPLETE, declare, put, sha256_of, upload_target
from tests.artifacts.stores import MULTIPART_THRESHOLD, s3_settings
from tests.graphql import data
from tests.live_server import LiveServer
from tests.support.s3proxy import S3Server


@pytest.fixture(scope="module")
def split_api(neo4j_settings: Settings, database: object, s3_server: S3Server, s3_bucket: str) -> Iterator[LiveServer]:
    public = urlparse(s3_server.endpoint_url)
    if public.hostname != "127.0.0.1":
        pytest.skip("needs the S3 server started by the tests (on 127.0.0.1)")
    internal = public._replace(netloc=f"localhost:{public.port}").geturl()
    settings = s3_settings(
        neo4j_settings, s3_server, s3_bucket, s3_endpoint_url=internal, s3_public_endpoint_url=s3_server.endpoint_url
    )
    with LiveServer.serving(settings) as server:
        yield server


async def test_upload_and_download_urls_name_the_public_endpoint(split_api: LiveServer, model_name: str) -> None:
    payload = os.urandom(100_000)
    async with httpx.AsyncClient(base_url=split_api.url, timeout=60) as client:
        version = await declare(client, model_name, payload)
        target = await upload_target(client, model_name, version)
        assert target["url"].startswith(f"http://127.0.0.1:{urlparse(target['url']).port}/")
        assert (await put(target, payload)).status_code == 200

        done = (await data(client, COMPLETE, model=model_name, version=version))["completeArtifactUpload"]
        assert done["status"] == "READY" and done["sha256"] == sha256_of(payload)
        assert urlparse(done["downloadUrl"]).hostname == "127.0.0.1"
        async with httpx.AsyncClient(timeout=60) as http:
            assert (await http.get(done["downloadUrl"])).content == payload


async def test_part_urls_name_the_public_endpoint(split_api: LiveServer, model_name: str) -> None:
    size = MULTIPART_THRESHOLD + 1
    async with httpx.AsyncClient(base_url=split_api.url, timeout=60) as client:
        version = await declare(client, model_name, b"\0" * size)
        target = await upload_target(client, model_name, version)
        assert len(target["parts"]) >= 2
        assert {urlparse(part["url"]).hostname for part in target["parts"]} == {"127.0.0.1"}
