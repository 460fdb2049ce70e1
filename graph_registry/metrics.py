"""The registry's Prometheus metrics, defined once (prometheus-client), observed where things happen.

Under `serve --workers N`, `serve` points PROMETHEUS_MULTIPROC_DIR at a fresh folder before the
workers start: each worker writes its samples there and /metrics (api/metrics.py) adds them up,
so one scrape reports every worker. Gauges are summed over live workers.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator

from prometheus_client import Counter, Gauge, Histogram

REQUEST_DURATION = Histogram(
    "graph_registry_request_duration_seconds",
    "Time to answer a request: GraphQL by operation name and type, other endpoints by route.",
    ["endpoint", "operation", "operation_type"],
)
ERRORS = Counter("graph_registry_errors_total", "Errors answered, by contract code (extensions.code).", ["code"])
NEO4J_QUERY_DURATION = Histogram(
    "graph_registry_neo4j_query_duration_seconds",
    "Time of one Neo4j call: a named query, or a transaction of several.",
    ["query"],
)
NEO4J_IN_USE = Gauge(
    "graph_registry_neo4j_connections_in_use",
    "Neo4j calls in flight, each holding one connection of the driver's pool.",
    multiprocess_mode="livesum",
)
ARTIFACT_BYTES = Counter(
    "graph_registry_artifact_bytes_total",
    "Artifact bytes through the local store's upload and download routes (S3 transfers go direct).",
    ["direction"],
)
EVENTS = Counter("graph_registry_events_delivered_total", "Registry events sent to subscriptions.")
WEBHOOK_DELIVERIES = Counter(
    "graph_registry_webhook_deliveries_total", "Webhook delivery attempts, by outcome.", ["outcome"]
)

_OPERATION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
# Operation names come from clients: past this many distinct ones a process reports "other".
_MAX_OPERATION_NAMES = 500
_names_seen: set[str] = set()


def operation_label(name: str | None) -> str:
    if not name:
        return "anonymous"
    if not _OPERATION_NAME.fullmatch(name):
        return "invalid"
    if name not in _names_seen:
        if len(_names_seen) >= _MAX_OPERATION_NAMES:
            return "other"
        _names_seen.add(name)
    return name


@contextlib.contextmanager
def neo4j_call(query: str) -> Iterator[None]:
    NEO4J_IN_USE.inc()
    began = time.perf_counter()
    try:
        yield
    finally:
        NEO4J_QUERY_DURATION.labels(query).observe(time.perf_counter() - began)
        NEO4J_IN_USE.dec()
