"""A Neo4j Community server on this machine, for the embedded default and the tests.

Neo4j comes from Maven Central (`launcher/pom.xml`, fetched by `mvn` into
~/.m2); `launcher/Launcher.java` starts it with only the Bolt connector, bound
to 127.0.0.1. Data, logs, the pid file and a generated password live under
`<home>/neo4j`.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from graph_registry.resources import launcher_dir

# Servers this process started: kept referenced so they are reaped by `stop`, not left as zombies.
_children: dict[int, subprocess.Popen[bytes]] = {}
# How a long step tells a person what it is doing (one line per phase); silent by default.
Report = Callable[[str], None]
# Maven's line for each file it fetched: "Downloaded from central: https://... (1.2 MB at 3.4 MB/s)".
_DOWNLOADED = re.compile(r"^Downloaded from [^:]+: \S+ \((?P<size>[\d.]+) (?P<unit>B|kB|KB|MB|GB)")
_UNITS = {"B": 1, "kB": 1000, "KB": 1024, "MB": 1000**2, "GB": 1000**3}
PROGRESS_STEP = 25 * 1000**2


def quiet(message: str) -> None:
    """A report that says nothing."""
    return None


class LocalNeo4jError(Exception):
    """The local Neo4j could not be started or stopped; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Status:
    running: bool
    pid: int | None
    uri: str


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class LocalNeo4j:
    """Start, stop and inspect the local Neo4j server that lives under one state folder."""

    def __init__(self, home: Path, *, port: int, heap: str = "1g", pagecache_mb: int = 256) -> None:
        self.home = home
        self.port = port
        self.heap = heap
        self.pagecache_mb = pagecache_mb

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    @property
    def user(self) -> str:
        return "neo4j"

    @property
    def _pid_file(self) -> Path:
        return self.home / "neo4j.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "neo4j.log"

    def password(self) -> str:
        """The password generated for this state folder on first use (never a built-in default)."""
        path = self.home / "password"
        if not path.exists():
            self.home.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(24))
        return path.read_text().strip()

    def status(self) -> Status:
        pid = self._read_pid()
        running = pid is not None and _pid_alive(pid)
        return Status(running=running, pid=pid if running else None, uri=self.uri)

    def exit_status(self) -> int | None:
        """None while the server runs; once it is gone, its exit status (negative: killed by that
        signal; 0 when unknown: not started by this process, or already reaped). Reaps it."""
        pid = self._read_pid()
        if pid is None:
            return 0
        child = _children.get(pid)
        if child is None:
            return None if _pid_alive(pid) else 0
        code = child.poll()
        if code is None:
            return None
        del _children[pid]
        self._pid_file.unlink(missing_ok=True)
        return code

    def start(self, *, timeout: float = 180.0, report: Report = quiet) -> Status:
        """Start the server (or find it running) and wait until Bolt answers; `report` hears each phase."""
        current = self.status()
        if current.running:
            self._wait_for_bolt(current.pid, timeout)
            return current
        for tool in ("java", "javac", "mvn"):
            if shutil.which(tool) is None:
                raise LocalNeo4jError(
                    f"'{tool}' was not found on PATH: the local Neo4j needs Java 17+ and Maven. "
                    "Install them, or point the registry at an existing server with NEO4J_URI."
                )
        if port_in_use(self.port):
            raise LocalNeo4jError(
                f"port {self.port} on 127.0.0.1 is already taken by another program; "
                "choose another with GRAPH_REGISTRY_EMBEDDED_NEO4J_PORT or stop that program."
            )
        classpath = self._classpath(report)
        classes = self._compile(classpath)
        started = time.monotonic()
        report(f"starting Neo4j on {self.uri} (data in {self.home}) ...")
        self.home.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "NEO4J_LAUNCHER_PASSWORD": self.password(),
            "NEO4J_LAUNCHER_PAGECACHE_MB": str(self.pagecache_mb),
        }
        with self.log_file.open("wb") as log:
            process = subprocess.Popen(
                [
                    "java",
                    f"-Xmx{self.heap}",
                    "-XX:+UseG1GC",
                    "-XX:+ExitOnOutOfMemoryError",
                    "-cp",
                    f"{classes}{os.pathsep}{classpath}",
                    "Launcher",
                    str(self.home / "data"),
                    str(self.port),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        _children[process.pid] = process
        self._pid_file.write_text(str(process.pid))
        self._wait_for_bolt(process.pid, timeout)
        report(f"Neo4j started in {time.monotonic() - started:.1f}s")
        return Status(running=True, pid=process.pid, uri=self.uri)

    def stop(self, *, timeout: float = 60.0, report: Report = quiet) -> bool:
        """Stop the server; True when one was running."""
        pid = self._read_pid()
        if pid is None or not _pid_alive(pid):
            self._pid_file.unlink(missing_ok=True)
            return False
        started = time.monotonic()
        report(f"stopping the local Neo4j (pid {pid}) ...")
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _pid_alive(pid) and time.monotonic() < deadline:
            if self._reap(pid):
                break
            time.sleep(0.2)
        if _pid_alive(pid) and not self._reap(pid):
            os.kill(pid, signal.SIGKILL)
            self._reap(pid)
        self._pid_file.unlink(missing_ok=True)
        report(f"local Neo4j stopped in {time.monotonic() - started:.1f}s")
        return True

    @staticmethod
    def _reap(pid: int) -> bool:
        """True when `pid` was our child and has exited (it is then reaped)."""
        child = _children.get(pid)
        if child is None or child.poll() is None:
            return False
        del _children[pid]
        return True

    def _read_pid(self) -> int | None:
        try:
            return int(self._pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def _wait_for_bolt(self, pid: int | None, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pid is not None and (not _pid_alive(pid) or self._reap(pid)):
                raise LocalNeo4jError(f"Neo4j exited while starting. Last log lines:\n{self._log_tail()}")
            if "READY" in self._log_tail(lines=50) and port_in_use(self.port):
                return
            time.sleep(0.25)
        raise LocalNeo4jError(
            f"Neo4j did not answer on {self.uri} within {timeout:.0f}s. Last log lines:\n{self._log_tail()}"
        )

    def _log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    def _classpath(self, report: Report) -> str:
        pom = launcher_dir() / "pom.xml"
        key = hashlib.sha256(pom.read_bytes()).hexdigest()[:16]
        cached = self.home / f"classpath-{key}.txt"
        if not cached.exists():
            self.home.mkdir(parents=True, exist_ok=True)
            started = time.monotonic()
            report("fetching Neo4j Community with Maven (into ~/.m2; about 150 MB the first time) ...")
            fetched = self._fetch(pom, cached, report)
            total = sum(_size(Path(jar)) for jar in cached.read_text().strip().split(os.pathsep))
            report(
                f"Neo4j jars ready: {total / 1000**2:.0f} MB ({fetched / 1000**2:.0f} MB fetched from Maven Central) "
                f"in {time.monotonic() - started:.0f}s"
            )
        return cached.read_text().strip()

    @staticmethod
    def _fetch(pom: Path, cached: Path, report: Report) -> int:
        """Run Maven, reporting its downloads as they add up; the bytes fetched."""
        tail: deque[str] = deque(maxlen=40)
        fetched, next_report = 0, PROGRESS_STEP
        process = subprocess.Popen(
            ["mvn", "-B", "-f", str(pom), "dependency:build-classpath", f"-Dmdep.outputFile={cached}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        assert process.stdout is not None
        with process.stdout:
            for line in process.stdout:
                tail.append(line)
                if match := _DOWNLOADED.match(line.strip()):
                    fetched += int(float(match["size"]) * _UNITS[match["unit"]])
                    if fetched >= next_report:
                        report(f"  fetching Neo4j: {fetched / 1000**2:.0f} MB so far ...")
                        next_report = fetched + PROGRESS_STEP
        if process.wait() != 0 or not cached.exists():
            cached.unlink(missing_ok=True)
            raise LocalNeo4jError("Maven could not fetch Neo4j from Maven Central:\n" + "".join(tail)[-2000:])
        return fetched

    def _compile(self, classpath: str) -> Path:
        source = launcher_dir() / "Launcher.java"
        key = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
        classes = self.home / f"launcher-{key}"
        if not (classes / "Launcher.class").exists():
            classes.mkdir(parents=True, exist_ok=True)
            result = subprocess.run(
                ["javac", "-cp", classpath, "-d", str(classes), str(source)],
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                shutil.rmtree(classes, ignore_errors=True)
                raise LocalNeo4jError("could not compile the Neo4j launcher:\n" + result.stderr[-2000:])
        return classes


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
