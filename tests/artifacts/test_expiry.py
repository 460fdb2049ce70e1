"""Upload and download URLs stop working once they expire, on both stores."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from graph_registry.settings import Settings
from tests.artifacts.flow import COMPLETE, artifact_of, declare, put, upload_target
from tests.artifacts.stores import local_settings, s3_settings
from tests.graphql import data, error_code
from tests.live_server import LiveServer
from tests.support.s3proxy import S3Server

PAYLOAD = os.urandom(20_000)
EXPIRY = 2.0


@pytest.fixture(params=["local", "s3"])
def short_lived_api(
    request: pytest.FixtureRequest,
    neo4j_settings: Settings,
    database: object,
    tmp_path: Path,
) -> Iterator[LiveServer]:
    if request.param == "local":
        settings = local_settings(neo4j_settings, tmp_path, artifact_url_expiry=EXPIRY)
    else:
        server: S3Server = request.getfixturevalue("s3_server")
        bucket: str = request.getfixturevalue("s3_bucket")
        settings = s3_settings(neo4j_settings, server, bucket, artifact_url_expiry=EXPIRY)
    with LiveServer.serving(settings) as api:
        yield api


async def test_expired_urls_are_refused(short_lived_api: LiveServer, model_name: str) -> None:
    async with httpx.AsyncClient(base_url=short_lived_api.url, timeout=60) as client:
        version = await declare(client, model_name, PAYLOAD)
        target = await upload_target(client, model_name, version)
        await asyncio.sleep(EXPIRY + 1.5)
        assert (await put(target, PAYLOAD)).status_code == 403
        assert await error_code(client, COMPLETE, model=model_name, version=version) == "INVALID_INPUT"

        # A fresh URL works; the download URL it leads to expires the same way.
        assert (await put(await upload_target(client, model_name, version), PAYLOAD)).status_code == 200
        await data(client, COMPLETE, model=model_name, version=version)
        url = (await artifact_of(client, model_name, version))["downloadUrl"]
        await asyncio.sleep(EXPIRY + 1.5)
        async with httpx.AsyncClient(timeout=60) as http:
            assert (await http.get(url)).status_code == 403
