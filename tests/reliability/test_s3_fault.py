"""The S3 server stopped mid-upload and started again: UNAVAILABLE while it is down, no artifact READY
without verified bytes, and the clients' retries then succeed."""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from tests.graphql import data, execute
from tests.live_server import free_port
from tests.reliability.harness import CREATE
from tests.reliability.servers import ApiProcess, ScratchNeo4j
from tests.support.s3proxy import S3PROXY_POM_DIR, S3Server, start_s3proxy, stop_s3proxy

MIB = 1024 * 1024
UPLOAD = """mutation($m: String!, $v: Int!) { createArtifactUpload(model: $m, version: $v) {
  url method headers { key value } parts { partNumber url offset sizeBytes uploaded } } }"""
COMPLETE = "mutation($m: String!, $v: Int!) { completeArtifactUpload(model: $m, version: $v) { status } }"
ARTIFACT = "query($m: String!, $v: Int!) { modelVersion(model: $m, version: $v) { artifact { status downloadUrl } } }"
# Two single PUTs and two multipart uploads (above the 8 MiB threshold: parts of 5 MiB).
PAYLOADS = [os.urandom(3 * MIB), os.urandom(2 * MIB), os.urandom(11 * MIB), os.urandom(9 * MIB)]


@dataclass
class RestartableS3:
    server: S3Server
    data_dir: Path
    bucket: str

    def stop(self) -> None:
        stop_s3proxy(self.server)

    def restart(self) -> float:
        """Start S3Proxy again on the same port, data and credentials; returns seconds until it answered."""
        began = time.monotonic()
        assert self.server.process is not None
        with (self.data_dir / "s3proxy-restart.log").open("ab") as log:
            process = subprocess.Popen(
                self.server.process.args,
                cwd=self.data_dir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.server = replace(self.server, process=process)
        client = self._client()
        while True:
            assert process.poll() is None and time.monotonic() - began < 120, "S3Proxy did not come back"
            try:
                client.head_bucket(Bucket=self.bucket)
                return time.monotonic() - began
            except Exception:
                time.sleep(0.2)

    def _client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.server.endpoint_url,
            aws_access_key_id=self.server.access_key,
            aws_secret_access_key=self.server.secret_key,
            region_name=self.server.region,
        )


@pytest.fixture
def s3(tmp_path: Path) -> Iterator[RestartableS3]:
    data_dir = tmp_path / "s3"
    server = start_s3proxy(data_dir=data_dir, port=free_port(), launcher_dir=S3PROXY_POM_DIR)
    s3 = RestartableS3(server, data_dir, bucket="reliability")
    try:
        s3._client().create_bucket(Bucket=s3.bucket)
        yield s3
    finally:
        s3.stop()


@pytest.fixture
def s3_api(s3: RestartableS3, scratch_neo4j: ScratchNeo4j, tmp_path: Path) -> Iterator[ApiProcess]:
    server = s3.server
    api = ApiProcess(
        scratch_neo4j,
        tmp_path / "api",
        GRAPH_REGISTRY_ARTIFACT_STORE="s3",
        GRAPH_REGISTRY_S3_BUCKET=s3.bucket,
        GRAPH_REGISTRY_S3_ENDPOINT_URL=server.endpoint_url,
        GRAPH_REGISTRY_S3_REGION=server.region,
        GRAPH_REGISTRY_S3_ACCESS_KEY_ID=server.access_key,
        GRAPH_REGISTRY_S3_SECRET_ACCESS_KEY=server.secret_key,
        GRAPH_REGISTRY_S3_MULTIPART_THRESHOLD=str(8 * MIB),
        GRAPH_REGISTRY_S3_PART_SIZE=str(5 * MIB),
    )
    api.start()
    try:
        api.wait_ready()
        yield api
    finally:
        api.stop()


async def _trickle(payload: bytes) -> AsyncIterator[bytes]:
    """The bytes at about 1 MiB/s, so every upload is still going when S3 stops."""
    for start in range(0, len(payload), 128 * 1024):
        yield payload[start : start + 128 * 1024]
        await asyncio.sleep(0.1)


async def _send(target: dict[str, Any], payload: bytes, *, slow: bool) -> list[str]:
    """PUT the bytes (each part of a multipart upload) as a client would; the outcome of each PUT."""
    parts = [p for p in target["parts"] or [] if not p["uploaded"]]
    pieces = [(p["url"], payload[int(p["offset"]) : int(p["offset"]) + int(p["sizeBytes"])]) for p in parts]
    pieces = pieces or [(target["url"], payload)]
    headers = {h["key"]: h["value"] for h in target["headers"]} if not target["parts"] else {}
    outcomes = []
    async with httpx.AsyncClient(timeout=60) as http:
        for url, body in pieces:
            try:
                content = _trickle(body) if slow else body
                sized = {**headers, "content-length": str(len(body))}
                response = await http.request(
                    target["method"] if not target["parts"] else "PUT", url, content=content, headers=sized
                )
                outcomes.append(str(response.status_code))
            except httpx.TransportError as error:
                outcomes.append(type(error).__name__)
    return outcomes


async def test_s3_stopped_mid_upload_then_retries_succeed(
    s3: RestartableS3, s3_api: ApiProcess, unique: str, figures: dict[str, Any]
) -> None:
    model = f"s3fault-{unique}"
    async with httpx.AsyncClient(base_url=s3_api.url, timeout=120) as http:
        versions = []
        for payload in PAYLOADS:
            created = await data(
                http,
                CREATE,
                input={
                    "model": model,
                    "artifact": {"sha256": hashlib.sha256(payload).hexdigest(), "sizeBytes": len(payload)},
                },
            )
            versions.append(created["createModelVersion"]["version"])
        targets = [(await data(http, UPLOAD, m=model, v=v))["createArtifactUpload"] for v in versions]

        uploads = asyncio.gather(*(_send(t, p, slow=True) for t, p in zip(targets, PAYLOADS, strict=True)))
        await asyncio.sleep(0.6)
        s3.stop()
        interrupted = await uploads

        while_down = [await execute(http, COMPLETE, m=model, v=v) for v in versions]
        codes_down = [body["errors"][0]["extensions"]["code"] if body.get("errors") else "READY" for body in while_down]
        new_targets_down = [await execute(http, UPLOAD, m=model, v=v) for v in versions[2:]]
        statuses_down = [
            (await data(http, ARTIFACT, m=model, v=v))["modelVersion"]["artifact"]["status"] for v in versions
        ]

        restart_seconds = await asyncio.to_thread(s3.restart)
        retried = []
        for version, payload in zip(versions, PAYLOADS, strict=True):
            target = (await data(http, UPLOAD, m=model, v=version))["createArtifactUpload"]
            retried.append(await _send(target, payload, slow=False))
            assert (await data(http, COMPLETE, m=model, v=version))["completeArtifactUpload"]["status"] == "READY"
            artifact = (await data(http, ARTIFACT, m=model, v=version))["modelVersion"]["artifact"]
            async with httpx.AsyncClient(timeout=120) as plain:
                assert (await plain.get(artifact["downloadUrl"])).content == payload

    figures["S3 stopped mid-upload"] = {
        "uploads in flight": len(PAYLOADS),
        "PUT outcomes when stopped": interrupted,
        "complete while down": codes_down,
        "S3 restart seconds": round(restart_seconds, 1),
        "retries READY": len(retried),
    }
    assert set(codes_down) == {"UNAVAILABLE"}, codes_down
    assert all(
        body.get("errors") and body["errors"][0]["extensions"]["code"] == "UNAVAILABLE" for body in new_targets_down
    )
    assert statuses_down == ["PENDING"] * len(PAYLOADS)
    assert all(outcome != "200" for outcomes in interrupted for outcome in outcomes[-1:]), interrupted
    assert s3_api.alive()
