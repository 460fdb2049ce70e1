"""Servers the benchmark starts: ports, readiness, memory sampling, folder sizes, clean stops."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from bench.http_client import Answer


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_http(url: str, process: subprocess.Popen[bytes] | None, *, timeout: float, log: Path | None = None) -> None:
    """Poll `url` until it answers 200; fail early when the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}\n{tail}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.25)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s")


def stop_group(process: subprocess.Popen[bytes], *, timeout: float = 30.0) -> None:
    """Stop a server started in its own session (its workers share its process group)."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def tree_rss(pid: int) -> tuple[int, int]:
    """(largest single process RSS, sum over the tree) in bytes, for a process and its children."""
    # Imported here: the suite (tests/mlflow) starts servers with this module's helpers, and psutil
    # comes with the bench extra only.
    import psutil  # type: ignore[import-untyped]

    try:
        root = psutil.Process(pid)
        members = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return (0, 0)
    sizes = []
    for member in members:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            sizes.append(member.memory_info().rss)
    return (max(sizes, default=0), sum(sizes))


class RssWatch:
    """Samples a process tree's RSS in a background thread and keeps the peaks."""

    def __init__(self, pid: int, *, interval: float = 0.2) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_process = 0
        self.peak_total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"rss-{pid}", daemon=True)

    def __enter__(self) -> RssWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def sample(self) -> None:
        largest, total = tree_rss(self.pid)
        self.peak_process = max(self.peak_process, largest)
        self.peak_total = max(self.peak_total, total)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)


def folder_size(path: Path) -> int:
    """Bytes on disk under a folder (like `du -sb`)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


async def send_with_retries(send: Callable[[], Awaitable[Answer]], *, attempts: int = 6) -> Answer:
    """A request, sent again when the connection broke before an answer (bounded).

    uvicorn closes idle keep-alive connections after a few seconds and, with several workers,
    restarts a worker that misses its health check (it happens on a loaded machine): a request
    on such a connection gets no answer. Writes the benchmark sends are idempotent or checked.
    """
    from bench.http_client import CONNECTION_ERRORS  # here: the suite imports this module without aiohttp

    for attempt in range(attempts):
        try:
            return await send()
        except CONNECTION_ERRORS:
            if attempt + 1 == attempts:
                raise
            await asyncio.sleep(0.1 * 2**attempt)
    raise AssertionError("unreachable")
