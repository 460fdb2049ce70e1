"""How `serve` runs and stops: uvicorn in this process or in N workers, SIGTERM and SIGINT alike.

The first SIGTERM or SIGINT (systemd, Kubernetes, `docker stop`, Ctrl-C) stops gracefully: the
listening socket closes, requests in flight get up to `shutdown_timeout` seconds, open WebSockets
are closed with 1012 (service restart), the app's lifespan closes the driver, and then `serve`
stops the embedded Neo4j it started and exits 0. A second signal forces it: requests are dropped,
Neo4j is killed, the exit status is 1.

uvicorn's own handling re-raised SIGTERM once it had shut down, which killed the process before it
could stop the embedded Neo4j: the JVM stayed behind holding the Bolt port and the store.
"""

from __future__ import annotations

import contextlib
import logging
import signal
from collections.abc import Callable, Iterator
from socket import socket
from types import FrameType
from typing import TYPE_CHECKING

import uvicorn
from uvicorn.supervisors import Multiprocess

if TYPE_CHECKING:
    from graph_registry.storage.local_neo4j import Report
    from graph_registry.storage.neo4j_supervisor import Neo4jSupervisor

log = logging.getLogger("graph_registry.serve")

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopRequested(Exception):
    """A first stop signal arrived while no server was running (e.g. Neo4j was starting)."""


class StopForced(Exception):
    """A second stop signal arrived: stop now."""


class Signals:
    """SIGTERM and SIGINT for the whole of `serve`: the first asks for a graceful stop, any next forces it.

    While a server runs, its hook decides what a signal does; otherwise the handler raises in the
    main thread, so a stop can interrupt a Neo4j start and a second one a graceful Neo4j stop.
    """

    def __init__(self) -> None:
        self.received = 0
        self.serving: Callable[[int], None] | None = None

    @property
    def forced(self) -> bool:
        return self.received > 1

    def install(self) -> None:
        for number in STOP_SIGNALS:
            signal.signal(number, self._on_signal)

    def _on_signal(self, number: int, frame: FrameType | None) -> None:
        self.received += 1
        name = signal.Signals(number).name
        if self.received == 1:
            log.warning("%s received: stopping gracefully (send it again to force)", name)
        else:
            log.warning("%s received again: forcing the stop", name)
        if self.serving is not None:
            self.serving(self.received)
            return
        raise StopForced if self.forced else StopRequested

    @contextlib.contextmanager
    def routed_to(self, hook: Callable[[int], None]) -> Iterator[None]:
        self.serving = hook
        try:
            yield
        finally:
            self.serving = None


def stop_supervised(supervisor: Neo4jSupervisor, signals: Signals, *, report: Report) -> None:
    """Stop the supervised Neo4j: gracefully, unless a second signal forced the stop already or
    arrives while it stops."""
    try:
        supervisor.stop(force=signals.forced, report=report)
    except StopForced:
        supervisor.stop(force=True, report=report)


class _Server(uvicorn.Server):
    """uvicorn's server with our signal handling (no re-raised SIGTERM; a second SIGTERM forces too)."""

    def __init__(self, config: uvicorn.Config, signals: Signals) -> None:
        super().__init__(config)
        self._signals = signals

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with self._signals.routed_to(self._on_stop):
            yield

    def _on_stop(self, received: int) -> None:
        if received == 1:
            self.should_exit = True
        else:
            self.force_exit = True


class _Workers(Multiprocess):
    """uvicorn's worker supervisor; a second stop signal kills the workers instead of waiting for them."""

    def __init__(self, config: uvicorn.Config, sockets: list[socket], signals: Signals) -> None:
        super().__init__(config, sockets)
        self._signals = signals
        signals.install()  # in place of Multiprocess' own SIGINT/SIGTERM handlers

    def run(self) -> None:
        with self._signals.routed_to(self._on_stop):
            super().run()

    def _on_stop(self, received: int) -> None:
        if received == 1:
            self.signal_queue.append(signal.SIGTERM)  # the main loop's own graceful path
            return
        for process in self.processes:
            process.kill()


def run(config: uvicorn.Config, signals: Signals) -> bool:
    """Serve until stopped; False when the server could not start (uvicorn's STARTUP_FAILURE)."""
    if config.workers > 1:
        _Workers(config, [config.bind_socket()], signals).run()
        return True
    server = _Server(config, signals)
    server.run()
    return server.started
