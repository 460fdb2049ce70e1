"""Keeps the embedded Neo4j that `serve` started running: restarted with backoff whenever it exits.

A Neo4j killed by the OOM killer or a `kill -9` used to stay dead until a person restarted
`serve`. The supervisor notices within `poll_interval`, logs it, waits (1 s, doubling up to
`max_delay`, back to 1 s once a server has stayed up for `stable_after`), starts it again on the
same data and port, and logs that too. Committed transactions survive: Neo4j recovers its store
from the transaction log on start. Meanwhile the API answers UNAVAILABLE and /readyz 503; the
driver reconnects by itself.
"""

from __future__ import annotations

import logging
import threading
import time

from graph_registry.storage.local_neo4j import LocalNeo4j, LocalNeo4jError, Report, quiet

log = logging.getLogger("graph_registry.neo4j")


class Neo4jSupervisor:
    def __init__(
        self,
        local: LocalNeo4j,
        *,
        start_timeout: float,
        poll_interval: float = 0.5,
        first_delay: float = 1.0,
        max_delay: float = 30.0,
        stable_after: float = 60.0,
    ) -> None:
        self.local = local
        self.start_timeout = start_timeout
        self.poll_interval = poll_interval
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.stable_after = stable_after
        self.restarts = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="neo4j-supervisor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, *, force: bool = False, report: Report = quiet) -> None:
        """Stop watching and stop the server (a restart under way included); `force` kills it."""
        self._stopping.set()
        timeout = 0.0 if force else 60.0
        self.local.stop(timeout=timeout, report=report)  # also ends a restart that is waiting for Bolt
        if self._thread.is_alive():
            self._thread.join()
        self.local.stop(timeout=timeout)  # a server the last restart started after all

    def _watch(self) -> None:
        delay = self.first_delay
        up_since = time.monotonic()
        while not self._stopping.wait(self.poll_interval):
            status = self.local.exit_status()
            if status is None:
                if time.monotonic() - up_since >= self.stable_after:
                    delay = self.first_delay
                continue
            self.restarts += 1
            log.error(
                "the embedded Neo4j exited (status %s); restarting it in %.0fs (restart %d)",
                status,
                delay,
                self.restarts,
            )
            if self._stopping.wait(delay):
                return
            delay = min(delay * 2, self.max_delay)
            began = time.monotonic()
            try:
                started = self.local.start(timeout=self.start_timeout)
            except LocalNeo4jError as error:
                log.error("restarting the embedded Neo4j failed: %s", error)
                self.local.stop(timeout=10.0)
                continue
            if self._stopping.is_set():
                return
            up_since = time.monotonic()
            log.warning(
                "the embedded Neo4j is back (pid %s, %s) after %.1fs", started.pid, started.uri, up_since - began
            )
