"""S3 servers and Settings for APIs backed by each artifact store."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
from pydantic import SecretStr

from graph_registry.settings import ArtifactStoreKind, Settings
from graph_registry.storage.s3_store import client_config
from tests.live_server import free_port
from tests.support.s3proxy import S3PROXY_POM_DIR, S3Server, start_s3proxy, stop_s3proxy

MIB = 1024 * 1024
PART_SIZE = 5 * MIB  # the smallest part S3 accepts
MULTIPART_THRESHOLD = 8 * MIB


def s3_data_root() -> Path:
    return Path(os.environ["GRAPH_REGISTRY_HOME"]) / "s3"


@contextlib.contextmanager
def running_s3proxy(name: str) -> Iterator[S3Server]:
    server = start_s3proxy(data_dir=s3_data_root() / name, port=free_port(), launcher_dir=S3PROXY_POM_DIR)
    try:
        yield server
    finally:
        stop_s3proxy(server)


def s3_client(server: S3Server) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=server.endpoint_url,
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        region_name=server.region,
        config=client_config(retries=1),
    )


def new_bucket(server: S3Server) -> str:
    bucket = f"artifacts-{uuid.uuid4().hex[:12]}"
    client = s3_client(server)
    client.create_bucket(Bucket=bucket)
    client.close()
    return bucket


def s3_settings(base: Settings, server: S3Server, bucket: str, **overrides: Any) -> Settings:
    return base.model_copy(
        update={
            "artifact_store": ArtifactStoreKind.S3,
            "s3_bucket": bucket,
            "s3_prefix": "registry",
            "s3_endpoint_url": server.endpoint_url,
            "s3_region": server.region,
            "s3_access_key_id": SecretStr(server.access_key),
            "s3_secret_access_key": SecretStr(server.secret_key),
            "s3_multipart_threshold": MULTIPART_THRESHOLD,
            "s3_part_size": PART_SIZE,
            **overrides,
        }
    )


def local_settings(base: Settings, root: Path, **overrides: Any) -> Settings:
    return base.model_copy(
        update={"artifact_store": ArtifactStoreKind.LOCAL, "artifacts_dir": root / "artifacts", **overrides}
    )
