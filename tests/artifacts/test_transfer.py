"""The client-side helpers against both stores: pack, hash, publish, download, verify."""

from __future__ import annotations

import asyncio
import hashlib
import os
import tarfile
from pathlib import Path

import httpx
import pytest

from graph_registry.client.transfer import TransferError, download, file_digest, graphql_over_http, pack_folder, publish
from tests.artifacts.conftest import Backend
from tests.artifacts.flow import artifact_of
from tests.artifacts.stores import MIB
from tests.graphql import data


def make_folder(root: Path, *, mtime: int) -> Path:
    folder = root / "model"
    (folder / "weights").mkdir(parents=True)
    (folder / "config.json").write_text('{"layers": 3}')
    (folder / "weights" / "layer0.bin").write_bytes(bytes(range(256)) * 100)
    (folder / "run.sh").write_text("#!/bin/sh\n")
    (folder / "run.sh").chmod(0o775)
    for path in [folder, *folder.rglob("*")]:
        os.utime(path, (mtime, mtime))
    return folder


def test_pack_folder_is_deterministic(tmp_path: Path) -> None:
    first = pack_folder(make_folder(tmp_path / "a", mtime=1_000_000), tmp_path / "a.tar")
    second = pack_folder(make_folder(tmp_path / "b", mtime=2_000_000), tmp_path / "b.tar")
    assert file_digest(first) == file_digest(second)
    with tarfile.open(first) as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == ["config.json", "run.sh", "weights", "weights/layer0.bin"]
    assert {m.mtime for m in members} == {0}
    assert {(m.uid, m.gid, m.uname, m.gname) for m in members} == {(0, 0, "", "")}
    assert [oct(m.mode) for m in members] == ["0o644", "0o755", "0o755", "0o644"]


def test_file_digest_streams_the_whole_file(tmp_path: Path) -> None:
    payload = os.urandom(3 * MIB + 17)
    path = tmp_path / "blob"
    path.write_bytes(payload)
    assert file_digest(path) == (hashlib.sha256(payload).hexdigest(), len(payload))


def partial_files(folder: Path) -> list[Path]:
    return list(folder.glob("*.part")) + list(folder.glob(".*.part"))


def publish_and_fetch(url: str, model: str, path: Path, destination: Path) -> tuple[dict[str, object], Path]:
    sha256, size = file_digest(path)
    with httpx.Client(timeout=120) as http:
        graphql = graphql_over_http(http, url + "/graphql")
        created = graphql(
            "mutation($m: String!, $s: String!, $n: Float!) "
            "{ createModelVersion(input: {model: $m, artifact: {sha256: $s, sizeBytes: $n}}) { version } }",
            {"m": model, "s": sha256, "n": size},
        )
        version = created["createModelVersion"]["version"]
        artifact = publish(graphql, model=model, version=version, path=path, client=http, progress=False)
        fetched = download(
            str(artifact["downloadUrl"]), destination, sha256=sha256, size=size, client=http, progress=False
        )
    return artifact, fetched


@pytest.mark.parametrize("size", [1, 9 * MIB])  # 9 MiB goes multipart on S3
async def test_publish_and_download_a_folder(backend: Backend, model_name: str, tmp_path: Path, size: int) -> None:
    folder = make_folder(tmp_path, mtime=0)
    (folder / "weights" / "big.bin").write_bytes(os.urandom(size))
    packed = pack_folder(folder, tmp_path / "model.tar")
    url = str(backend.client.base_url).rstrip("/")
    artifact, fetched = await asyncio.to_thread(publish_and_fetch, url, model_name, packed, tmp_path / "copy.tar")
    assert artifact["status"] == "READY"
    assert fetched.read_bytes() == packed.read_bytes()
    assert (await artifact_of(backend.client, model_name, 1))["status"] == "READY"


async def test_download_refuses_bytes_that_do_not_verify(backend: Backend, model_name: str, tmp_path: Path) -> None:
    blob = tmp_path / "blob"
    blob.write_bytes(os.urandom(10_000))
    url = str(backend.client.base_url).rstrip("/")
    artifact, _ = await asyncio.to_thread(publish_and_fetch, url, model_name, blob, tmp_path / "ok")
    target = tmp_path / "bad"
    with pytest.raises(TransferError):
        await asyncio.to_thread(
            download, str(artifact["downloadUrl"]), target, sha256="0" * 64, size=10_000, progress=False
        )
    assert not target.exists()
    assert partial_files(tmp_path) == []
    found = await data(backend.client, "query($m: String!) { model(name: $m) { name } }", m=model_name)
    assert found["model"] == {"name": model_name}
