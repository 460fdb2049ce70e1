"""Start and stop a real S3-compatible server (S3Proxy) for tests.

S3Proxy is resolved from Maven Central through ``tests/support/maven/s3proxy/pom.xml``
(``mvn dependency:build-classpath``) and run with ``java`` on 127.0.0.1 only,
storing objects on the filesystem under ``data_dir``.  Readiness is checked
with a boto3 ListBuckets call, so a started server is known to accept the
generated credentials.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

__all__ = ["S3Server", "start_s3proxy", "stop_s3proxy"]

REGION = "us-east-1"
MAIN_CLASS = "org.gaul.s3proxy.Main"
# The folder of the pom.xml that resolves S3Proxy from Maven Central.
S3PROXY_POM_DIR = Path(__file__).resolve().parent / "maven" / "s3proxy"
# Resolving the classpath may download ~55 MB on a cold Maven cache; it has
# its own bound, separate from the server start-up ``timeout``.
MVN_TIMEOUT = 900.0
STOP_TIMEOUT = 15.0
_LOG_NAME = "s3proxy.log"


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    access_key: str
    secret_key: str
    region: str
    process: subprocess.Popen[bytes] | None


def start_s3proxy(*, data_dir: Path, port: int, launcher_dir: Path, timeout: float = 90.0) -> S3Server:
    """Start S3Proxy on 127.0.0.1:``port`` with a filesystem store in ``data_dir``.

    ``launcher_dir`` is the folder holding the S3Proxy ``pom.xml``.  Raises
    RuntimeError (with the log tail where there is one) when java or mvn is
    missing, the port is taken, or the server is not answering within
    ``timeout`` seconds.
    """
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    java = _find_java()
    _check_port_free(port)
    classpath = _resolve_classpath(launcher_dir.resolve() / "pom.xml", data_dir)

    access_key = "AK" + secrets.token_hex(9).upper()
    secret_key = secrets.token_urlsafe(30)
    endpoint_url = f"http://127.0.0.1:{port}"
    blobs = data_dir / "blobs"
    blobs.mkdir(exist_ok=True)
    props = data_dir / "s3proxy.properties"
    _write_private(
        props,
        "".join(
            f"{key}={value}\n"
            for key, value in (
                ("s3proxy.endpoint", endpoint_url),
                ("s3proxy.authorization", "aws-v2-or-v4"),
                ("s3proxy.identity", access_key),
                ("s3proxy.credential", secret_key),
                ("jclouds.provider", "filesystem"),
                ("jclouds.identity", access_key),
                ("jclouds.credential", secret_key),
                ("jclouds.filesystem.basedir", str(blobs)),
            )
        ),
    )

    log_path = data_dir / _LOG_NAME
    cmd = [
        java,
        "-Xmx512m",
        "-XX:+UseSerialGC",
        # logback's own start-up status lines would crowd S3Proxy's messages out of the log tail.
        "-Dlogback.statusListenerClass=ch.qos.logback.core.status.NopStatusListener",
        "-cp",
        classpath,
        MAIN_CLASS,
        "--properties",
        str(props),
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=data_dir,
            start_new_session=True,
        )
    server = S3Server(endpoint_url, access_key, secret_key, REGION, process)
    try:
        _wait_ready(server, port, timeout, log_path)
    except BaseException:
        stop_s3proxy(server)
        raise
    return server


def stop_s3proxy(server: S3Server) -> None:
    """SIGTERM the server, wait for it, and kill it if it does not exit."""
    process = server.process
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)


def _find_java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("java")
    if found is None:
        raise RuntimeError("S3Proxy needs java (17 or newer) on PATH or in JAVA_HOME")
    return found


def _check_port_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Same option Jetty sets, so a port in TIME_WAIT is not reported taken.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            raise RuntimeError(f"port 127.0.0.1:{port} is not free: {exc}") from exc


def _resolve_classpath(pom: Path, data_dir: Path) -> str:
    try:
        digest = hashlib.sha256(pom.read_bytes()).hexdigest()[:16]
    except OSError as exc:
        raise RuntimeError(f"cannot read S3Proxy launcher pom {pom}: {exc}") from exc
    cache = data_dir / f"s3proxy-classpath-{digest}.txt"
    if cache.is_file():
        cached = cache.read_text(encoding="utf-8").strip()
        if cached and all(Path(p).is_file() for p in cached.split(os.pathsep)):
            return cached

    mvn = shutil.which("mvn")
    if mvn is None:
        raise RuntimeError("resolving S3Proxy needs Maven (mvn) on PATH")
    partial = cache.with_name(cache.name + ".part")
    cmd = [
        mvn,
        "-q",
        "-B",
        "-f",
        str(pom),
        "dependency:build-classpath",
        f"-Dmdep.outputFile={partial}",
    ]
    try:
        done = subprocess.run(
            cmd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=MVN_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"mvn did not resolve S3Proxy within {MVN_TIMEOUT:.0f}s: {' '.join(cmd)}") from exc
    classpath = partial.read_text(encoding="utf-8").strip() if partial.is_file() else ""
    if done.returncode != 0 or not classpath:
        output = (done.stdout + done.stderr).decode("utf-8", "replace")
        raise RuntimeError(f"mvn failed to resolve S3Proxy (exit {done.returncode}): {' '.join(cmd)}\n" + _tail(output))
    partial.replace(cache)
    return classpath


def _wait_ready(server: S3Server, port: int, timeout: float, log_path: Path) -> None:
    assert server.process is not None
    deadline = time.monotonic() + timeout
    last_error = "no answer yet"
    while True:
        code = server.process.poll()
        if code is not None:
            raise RuntimeError(
                f"S3Proxy exited with code {code} before answering on port {port}; "
                f"log {log_path}:\n{_log_tail(log_path)}"
            )
        status = _list_buckets_status(server, port)
        if status == 200:
            return
        last_error = f"ListBuckets gave {status}" if isinstance(status, int) else status
        if time.monotonic() >= deadline:
            raise RuntimeError(
                f"S3Proxy did not answer on 127.0.0.1:{port} within {timeout:g}s "
                f"({last_error}); log {log_path}:\n{_log_tail(log_path)}"
            )
        time.sleep(0.2)


def _list_buckets_status(server: S3Server, port: int) -> int | str:
    """ListBuckets through boto3 (signed with the generated credentials): 200, or the error."""
    client = boto3.client(
        "s3",
        endpoint_url=server.endpoint_url,
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        region_name=server.region,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            connect_timeout=2,
            read_timeout=5,
            retries={"max_attempts": 1, "mode": "standard"},
        ),
    )
    try:
        client.list_buckets()
    except ClientError as exc:
        status: int = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return status or f"ClientError: {exc}"
    except BotoCoreError as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        client.close()
    return 200


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        return _tail(path.read_text(encoding="utf-8", errors="replace"), lines)
    except OSError as exc:
        return f"(no log: {exc})"


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])
