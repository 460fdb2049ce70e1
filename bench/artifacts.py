"""Artifact throughput: a 1 GiB file up and down through each store, against boto3 as the reference.

Run by hand (not part of the suite), with the test Neo4j running:

    .venv/bin/python -m bench.artifacts [--size-mib 1024]

Starts S3Proxy and, per store, the API as its own uvicorn process; uploads
with the registry's client helpers (declare, PUT, complete = server-side
verification), downloads with verification, and reads the API process's peak
RSS (VmHWM) after each store. The reference is boto3 `upload_file` /
`download_file` of the same file to the same S3 server. Results go to
bench/ARTIFACTS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import httpx
from boto3.s3.transfer import TransferConfig

from graph_registry.bootstrap import neo4j_credentials
from graph_registry.client.transfer import download, file_digest, graphql_over_http, publish
from graph_registry.settings import Settings
from graph_registry.storage.s3_store import client_config
from tests.support.s3proxy import S3PROXY_POM_DIR, S3Server, start_s3proxy, stop_s3proxy

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024
RSS_LIMIT = 200 * MIB


@dataclass
class Result:
    name: str
    upload_s: float
    complete_s: float | None
    download_s: float
    peak_rss: int | None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def make_file(path: Path, size: int) -> None:
    with path.open("wb") as handle:
        left = size
        while left:
            chunk = os.urandom(min(MIB, left))
            handle.write(chunk)
            left -= len(chunk)


def peak_rss(pid: int) -> int:
    """The kernel's high-water mark of the process's resident memory."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc")


@contextlib.contextmanager
def api_process(env: dict[str, str], log: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", "graph_registry.api.app:serving_app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the API exited: {log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("the API did not become ready")
            time.sleep(0.3)
        yield url, process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def through_registry(name: str, env: dict[str, str], path: Path, work: Path) -> Result:
    sha256, size = file_digest(path)
    with (
        api_process(env, work / f"api-{uuid.uuid4().hex[:6]}.log") as (url, process),
        httpx.Client(timeout=600) as http,
    ):
        graphql = graphql_over_http(http, url + "/graphql")
        model = f"bench-{uuid.uuid4().hex[:12]}"
        declared = graphql(
            "mutation($m: String!, $s: String!, $n: Float!) "
            "{ createModelVersion(input: {model: $m, artifact: {sha256: $s, sizeBytes: $n}}) { version } }",
            {"m": model, "s": sha256, "n": size},
        )
        version = declared["createModelVersion"]["version"]
        timings: dict[str, float] = {}
        original = graphql

        def timed(query: str, variables: dict[str, object]) -> dict[str, object]:
            started = time.perf_counter()
            answer = original(query, variables)
            if "completeArtifactUpload" in query:
                timings["complete"] = time.perf_counter() - started
            return answer

        started = time.perf_counter()
        artifact = publish(timed, model=model, version=version, path=path, client=http, progress=False)
        upload_s = time.perf_counter() - started - timings["complete"]
        started = time.perf_counter()
        copy = download(
            str(artifact["downloadUrl"]), work / "registry.out", sha256=sha256, size=size, client=http, progress=False
        )
        download_s = time.perf_counter() - started
        copy.unlink()
        rss = peak_rss(process.pid)
    return Result(name, upload_s, timings["complete"], download_s, rss)


def through_boto3(server: S3Server, bucket: str, path: Path, work: Path) -> Result:
    client = boto3.client(
        "s3",
        endpoint_url=server.endpoint_url,
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        region_name=server.region,
        config=client_config(),
    )
    config = TransferConfig()
    started = time.perf_counter()
    client.upload_file(str(path), bucket, "reference/blob", Config=config)
    upload_s = time.perf_counter() - started
    started = time.perf_counter()
    client.download_file(bucket, "reference/blob", str(work / "boto3.out"), Config=config)
    download_s = time.perf_counter() - started
    (work / "boto3.out").unlink()
    client.close()
    return Result("boto3 upload_file/download_file (reference)", upload_s, None, download_s, None)


def report(results: list[Result], size: int) -> str:
    mb = size / 1e6
    lines = [
        "# Artifact transfer benchmark",
        "",
        f"`python -m bench.artifacts --size-mib {size // MIB}` on {platform.node()} "
        f"({os.cpu_count()} cores, Python {platform.python_version()}), S3Proxy 4.1.0 (filesystem store) on "
        "127.0.0.1, Neo4j from the test state folder, one uvicorn worker per store. "
        "Upload = createArtifactUpload + PUT(s); complete = server-side seal + sha256 of the stored bytes; "
        "download = GET + client-side sha256. Peak RSS is the API process's VmHWM.",
        "",
        "| path | upload MB/s | complete (verify) s | download MB/s | API peak RSS MB |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        complete = f"{r.complete_s:.1f}" if r.complete_s is not None else "-"
        rss = f"{r.peak_rss / MIB:.0f}" + (" (over limit!)" if r.peak_rss > RSS_LIMIT else "") if r.peak_rss else "-"
        lines.append(f"| {r.name} | {mb / r.upload_s:.0f} | {complete} | {mb / r.download_s:.0f} | {rss} |")
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mib", type=int, default=1024)
    args = parser.parse_args()
    size = args.size_mib * MIB
    os.environ.setdefault("GRAPH_REGISTRY_HOME", str(ROOT / ".graph-registry-test"))
    os.environ.setdefault("GRAPH_REGISTRY_EMBEDDED_NEO4J_PORT", "7697")
    uri, user, password = neo4j_credentials(Settings())
    with tempfile.TemporaryDirectory(prefix="artifact-bench-") as scratch:
        work = Path(scratch)
        blob = work / "blob.bin"
        make_file(blob, size)
        server = start_s3proxy(data_dir=work / "s3", port=free_port(), launcher_dir=S3PROXY_POM_DIR)
        try:
            bucket = f"bench-{uuid.uuid4().hex[:8]}"
            boto3.client(
                "s3",
                endpoint_url=server.endpoint_url,
                aws_access_key_id=server.access_key,
                aws_secret_access_key=server.secret_key,
                region_name=server.region,
                config=client_config(),
            ).create_bucket(Bucket=bucket)
            common = {
                "NEO4J_URI": uri,
                "NEO4J_USER": user,
                "NEO4J_PASSWORD": password,
                "GRAPH_REGISTRY_LOAD_DEMO": "false",
            }
            s3 = {
                "GRAPH_REGISTRY_ARTIFACT_STORE": "s3",
                "GRAPH_REGISTRY_S3_BUCKET": bucket,
                "GRAPH_REGISTRY_S3_ENDPOINT_URL": server.endpoint_url,
                "GRAPH_REGISTRY_S3_REGION": server.region,
                "GRAPH_REGISTRY_S3_ACCESS_KEY_ID": server.access_key,
                "GRAPH_REGISTRY_S3_SECRET_ACCESS_KEY": server.secret_key,
            }
            local = {"GRAPH_REGISTRY_ARTIFACT_STORE": "local", "GRAPH_REGISTRY_ARTIFACTS_DIR": str(work / "local")}
            results = [
                through_registry("registry, local store (bytes through the API)", {**common, **local}, blob, work),
                through_registry("registry, S3 store (presigned, direct to S3)", {**common, **s3}, blob, work),
                through_boto3(server, bucket, blob, work),
            ]
        finally:
            stop_s3proxy(server)
    text = report(results, size)
    print(text)
    (ROOT / "bench" / "ARTIFACTS.md").write_text(text)


if __name__ == "__main__":
    main()
