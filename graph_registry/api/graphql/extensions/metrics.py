"""Each GraphQL operation timed by name and type, its errors counted by code, and one request log line.

Outermost of the extensions (it is left last, so it sees the errors' final codes). The log line
has the request id, actor, operation, duration and outcome; never the variables, which may carry
secrets.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from graph_registry import metrics

log = logging.getLogger("graph_registry.requests")


class OperationMetrics(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        began = time.perf_counter()
        yield
        duration = time.perf_counter() - began
        context = self.execution_context
        try:
            operation_type = context.operation_type.value
        except Exception:  # a document that does not parse has no type
            operation_type = "invalid"
        operation = metrics.operation_label(context.operation_name)
        metrics.REQUEST_DURATION.labels("graphql", operation, operation_type).observe(duration)
        codes = (
            [str((error.extensions or {}).get("code", "INTERNAL")) for error in (context.result.errors or [])]
            if context.result is not None
            else []
        )
        for code in codes:
            metrics.ERRORS.labels(code).inc()
        request_context = context.context
        log.info(
            "%s %s: %s in %.1f ms",
            operation_type,
            operation,
            codes[0] if codes else "ok",
            duration * 1000,
            extra={
                "request_id": getattr(request_context, "request_id", None),
                # The caller's own X-Request-Id, beside the id the server allocated (never instead of it).
                "client_request_id": getattr(request_context, "client_request_id", None),
                "actor": getattr(request_context, "actor", None),
                "operation": operation,
                "operation_type": operation_type,
                "duration_ms": round(duration * 1000, 3),
                "outcome": codes[0] if codes else "ok",
            },
        )
