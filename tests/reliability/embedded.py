"""A real `graph-registry serve` on the embedded default: its own Neo4j, which it starts, supervises
and stops, under a state folder of the test's own (the shared test Neo4j is never touched)."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

from graph_registry.settings import Settings
from graph_registry.storage.local_neo4j import LocalNeo4j, port_in_use
from tests.live_server import free_port
from tests.reliability.servers import GRAPH_REGISTRY, _reuse_launcher_cache

# Guards against a hang, not timing assertions.
# A loaded machine (CI with other JVMs) has taken over 180 s to start a Neo4j.
START_PATIENCE = 600.0
STOP_PATIENCE = 120.0


def free_bolt_port() -> int:
    """A free port below the ephemeral range: a probe of a port in that range can connect to itself
    (TCP simultaneous open), which LocalNeo4j's check would take for another program listening."""
    rng = random.Random()
    while True:
        port = rng.randrange(20_000, 32_000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


def _ppid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def descendants(root: int) -> set[int]:
    """Every live process below `root` (workers, the Neo4j JVM), read from /proc."""
    parents = {int(entry.name): _ppid(int(entry.name)) for entry in Path("/proc").iterdir() if entry.name.isdigit()}
    found: set[int] = set()
    frontier = {root}
    while frontier:
        children = {pid for pid, parent in parents.items() if parent in frontier and pid not in found}
        found |= children
        frontier = children
    return found


def alive(pid: int) -> bool:
    """Running (a zombie, exited but not yet reaped, counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:200]
    except (FileNotFoundError, ProcessLookupError):
        return f"{pid} (gone)"


class EmbeddedServe:
    def __init__(self, home: Path, *, workers: int = 1, **env: str) -> None:
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.neo4j = LocalNeo4j(home / "neo4j", port=free_bolt_port())
        _reuse_launcher_cache(Settings().neo4j_home, self.neo4j.home)
        self.log_path = home / "serve.log"
        self.env = {
            key: value for key, value in os.environ.items() if key not in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD")
        }
        self.env.update(
            {
                "GRAPH_REGISTRY_HOME": str(home),
                "GRAPH_REGISTRY_EMBEDDED_NEO4J_PORT": str(self.neo4j.port),
                "GRAPH_REGISTRY_EMBEDDED_NEO4J_HEAP": "512m",
                "GRAPH_REGISTRY_EMBEDDED_NEO4J_PAGECACHE_MB": "64",
                "GRAPH_REGISTRY_EMBEDDED_NEO4J_START_TIMEOUT": str(START_PATIENCE - 60),
                "GRAPH_REGISTRY_LOAD_DEMO": "false",
                **env,
            }
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [GRAPH_REGISTRY, "serve", "--port", str(self.port), "--workers", str(self.workers)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def neo4j_pid(self) -> int | None:
        try:
            return int((self.neo4j.home / "neo4j.pid").read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, patience: float = START_PATIENCE) -> None:
        deadline = time.monotonic() + patience
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, f"serve exited:\n{self.log()[-4000:]}"
            try:
                if httpx.get(f"{self.url}/readyz", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"serve was not ready within {patience}s:\n{self.log()[-4000:]}")

    def wait_for_log(self, text: str, patience: float = STOP_PATIENCE) -> None:
        deadline = time.monotonic() + patience
        while text not in self.log():
            assert time.monotonic() < deadline, f"{text!r} never logged:\n{self.log()[-4000:]}"
            time.sleep(0.1)

    def signal(self, number: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(number)

    def wait_exit(self, patience: float = STOP_PATIENCE) -> int:
        assert self.process is not None
        try:
            return self.process.wait(timeout=patience)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"serve did not exit within {patience}s:\n{self.log()[-4000:]}") from None

    def ports_free(self) -> bool:
        return not port_in_use(self.port) and not port_in_use(self.neo4j.port)

    def close(self) -> None:
        """Whatever a failed test left: serve and its processes killed."""
        if self.process is not None and self.process.poll() is None:
            for pid in descendants(self.pid):
                os.kill(pid, signal.SIGKILL)
            self.process.kill()
            self.process.wait(timeout=30)
        pid = self.neo4j_pid()
        if pid is not None and alive(pid):
            os.kill(pid, signal.SIGKILL)
