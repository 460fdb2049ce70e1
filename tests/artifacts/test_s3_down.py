"""S3 unreachable: UNAVAILABLE, nothing marked READY, the version and its lineage kept."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from graph_registry.settings import Settings
from tests.artifacts.flow import COMPLETE, artifact_of, declare, put, upload_target
from tests.artifacts.stores import MIB, new_bucket, running_s3proxy, s3_settings
from tests.graphql import data, error_code
from tests.lineage_graphs import dataset, trained_version
from tests.live_server import LiveServer
from tests.support.s3proxy import S3Server, stop_s3proxy

PAYLOAD = os.urandom(50_000)


@dataclass
class DoomedS3:
    server: S3Server
    api: LiveServer


@pytest.fixture
def doomed_s3(neo4j_settings: Settings, database: object) -> Iterator[DoomedS3]:
    """An S3 server of this test's own, which the test stops, and an API that uses it."""
    with running_s3proxy("doomed") as server:
        settings = s3_settings(neo4j_settings, server, new_bucket(server))
        with LiveServer.serving(settings) as api:
            yield DoomedS3(server=server, api=api)


async def test_s3_down_is_unavailable_and_nothing_becomes_ready(doomed_s3: DoomedS3, model_name: str) -> None:
    async with httpx.AsyncClient(base_url=doomed_s3.api.url, timeout=60) as client:
        version = await declare(client, model_name, PAYLOAD)
        assert (await put(await upload_target(client, model_name, version), PAYLOAD)).status_code == 200
        features = await dataset(client, f"{model_name}-features", "rows")
        large = {
            "createModelVersion": await trained_version(
                client, model_name, [features], artifact={"sha256": "ab" * 32, "sizeBytes": float(20 * MIB)}
            )
        }

        stop_s3proxy(doomed_s3.server)

        assert await error_code(client, COMPLETE, model=model_name, version=version) == "UNAVAILABLE"
        # A multipart upload has to be started on S3 itself.
        multipart = "mutation($m: String!, $v: Int!) { createArtifactUpload(model: $m, version: $v) { url } }"
        v2 = large["createModelVersion"]["version"]
        assert await error_code(client, multipart, m=model_name, v=v2) == "UNAVAILABLE"

        artifact = await artifact_of(client, model_name, version)
        assert artifact["status"] == "PENDING"
        assert artifact["downloadUrl"] is None
        kept = await data(
            client,
            "query($m: String!) { model(name: $m) { versions { totalCount edges { node { version } } } } }",
            m=model_name,
        )
        assert kept["model"]["versions"]["totalCount"] == 2
        lineage = await data(
            client,
            "query($m: String!, $v: Int!) { modelVersion(model: $m, version: $v) "
            "{ trainedOn { version dataset { name } } commit { repo } artifact { status } } }",
            m=model_name,
            v=v2,
        )
        assert lineage["modelVersion"] == {
            "trainedOn": [{"version": features["version"], "dataset": {"name": f"{model_name}-features"}}],
            "commit": {"repo": "github.com/acme/tests"},
            "artifact": {"status": "PENDING"},
        }
