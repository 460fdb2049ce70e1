"""`serve` says when the registry is ready: one line once /readyz answers (migrations and demo done).

The probe's own requests stay out of the access log until then, so waiting is not noise.
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.error
import urllib.request

from graph_registry.storage.local_neo4j import Report

POLL_SECONDS = 0.5
PROBE_PATH = "/readyz"


def _probe_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - the address served on, not one to bind
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


class _QuietProbe(logging.Filter):
    """Drops uvicorn's access-log lines of readiness probes while the server is not ready yet."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        return not (isinstance(args, tuple) and len(args) > 2 and args[2] == PROBE_PATH)


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - http on loopback, built here
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def announce(host: str, port: int, *, report: Report, give_up_after: float = 900.0) -> threading.Thread:
    """Report `ready at URL in Ns` from a background thread once the server answers ready."""
    started = time.monotonic()
    shown = f"http://{_probe_host(host)}:{port}"
    access = logging.getLogger("uvicorn.access")
    quiet = _QuietProbe()
    access.addFilter(quiet)

    def wait() -> None:
        try:
            while time.monotonic() - started < give_up_after:
                if _ready(shown + PROBE_PATH):
                    report(f"ready at {shown}/graphql (web UI {shown}/ui) in {time.monotonic() - started:.1f}s")
                    return
                time.sleep(POLL_SECONDS)
        finally:
            access.removeFilter(quiet)

    thread = threading.Thread(target=wait, name="readiness", daemon=True)
    thread.start()
    return thread
