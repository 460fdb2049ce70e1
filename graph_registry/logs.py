"""Logging of `serve`: human text or, with GRAPH_REGISTRY_LOG_FORMAT=json, one JSON object per line.

A JSON line has time (UTC, ISO 8601), level, logger and message, and what a request line carries:
request_id, actor, operation, operation_type, duration_ms, outcome (api/metrics.py writes one per
GraphQL operation; uvicorn's access lines give method, path and status). Nothing secret is logged:
request variables never are, and access lines lose their query string and the signed token of
artifact URLs (`Redact`). The same configuration is handed to uvicorn, so workers log alike.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any

import orjson

from graph_registry.settings import LogFormat

_REQUEST_FIELDS = ("request_id", "client_request_id", "actor", "operation", "operation_type", "duration_ms", "outcome")
_TOKEN_PATH = re.compile(r"^(/artifacts/(?:upload|download)/)[^/?]+")


def redact_path(path: str) -> str:
    """A request target without its query string (GET variables) or a signed URL token."""
    return _TOKEN_PATH.sub(r"\1<token>", path.split("?", 1)[0])


class Redact(logging.Filter):
    """For uvicorn's access log, whose arguments are (client, method, target, http version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, target, version, status = record.args
            record.args = (client, method, redact_path(str(target)), version, status)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _REQUEST_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            _, method, target, _, status = record.args
            line.update(method=method, path=target, status=status)
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


def config(log_format: LogFormat, level: str = "INFO") -> dict[str, Any]:
    """A logging.config.dictConfig for this process, its uvicorn and its workers."""
    text = log_format is LogFormat.TEXT
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": Redact}},
        "formatters": {
            "default": {"format": "%(levelname)s %(name)s: %(message)s"} if text else {"()": JsonFormatter},
            "access": {"format": "%(levelname)s %(name)s: %(message)s"} if text else {"()": JsonFormatter},
        },
        "handlers": {
            "default": {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stderr"},
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "access",
                "filters": ["redact"],
                "stream": "ext://sys.stdout",
            },
        },
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": ["access"], "level": level, "propagate": False},
        },
    }
