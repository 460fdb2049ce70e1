"""MLflow's input rules (keys, value lengths, names, artifact paths), as the adapter enforces them.

MLflow accepts more than the registry's GraphQL rules: keys with spaces and slashes, param values
of 6,000 characters, tag values of 8,000, experiment names with '/' and spaces. Those are kept as
MLflow sends them. Where a name becomes part of a registry reference (`model:3`, `model@alias`),
the registry's own rule holds and the refusal names it. Pure functions raising InvalidInput.
"""

from __future__ import annotations

import math
import posixpath
import re
from collections.abc import Sequence

from graph_registry.domain import validation
from graph_registry.errors import InvalidInput

KEY = re.compile(r"[\w./ -]{1,250}")
MAX_PARAM_VALUE = 6000
MAX_TAG_VALUE = 8000
MAX_NAME = 500
MAX_BATCH_METRICS = 1000
MAX_BATCH_PARAMS = 100
MAX_BATCH_TAGS = 100
MAX_INT64 = 2**63 - 1
RUN_ID = re.compile(r"[0-9a-f]{32}")
LOGGED_MODEL_ID = re.compile(r"m-[0-9a-f]{32}")


def key(value: object, *, what: str) -> str:
    if not isinstance(value, str) or not KEY.fullmatch(value) or ".." in value.split("/") or value.startswith("/"):
        raise InvalidInput(
            f"invalid {what} name {str(value)[:80]!r}: names may only contain alphanumerics, underscores, dashes, "
            "periods, spaces and slashes (at most 250 characters)",
            field=what,
        )
    return value


def text(value: object, *, what: str, limit: int) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be a string", field=what)
    if len(value) > limit:
        raise InvalidInput(f"{what} is longer than {limit} characters", field=what)
    return value


def pairs(items: Sequence[tuple[str, str]], *, what: str, limit: int, most: int) -> list[tuple[str, str]]:
    if len(items) > most:
        raise InvalidInput(f"at most {most} {what}s are allowed in one request", field=what)
    return [(key(k, what=what), text(v, what=f"{what} {k!r}", limit=limit)) for k, v in items]


def experiment_name(value: object) -> str:
    name = text(value, what="experiment name", limit=MAX_NAME)
    if not name.strip() or not name.isprintable():
        raise InvalidInput("an experiment name is 1-500 printable characters", field="name")
    return name


def model_name(value: object) -> str:
    """Registered model names become `name:3` and `name@alias` references: the registry's rule."""
    if not isinstance(value, str) or not value:
        raise InvalidInput("a registered model name is required", field="name")
    return validation.name(value)


def run_id(value: object) -> str:
    if not isinstance(value, str) or not RUN_ID.fullmatch(value):
        validation.run_id(str(value))  # the registry's UUID run ids are valid MLflow run ids too
    return str(value)


def logged_model_id(value: object) -> str:
    if not isinstance(value, str) or not LOGGED_MODEL_ID.fullmatch(value):
        raise InvalidInput(f"invalid logged model id {str(value)[:80]!r}", field="model_id")
    return value


def metric_value(value: object) -> float:
    """A metric value as MLflow sends it: a number, or the strings 'NaN', 'Infinity', '-Infinity'."""
    if isinstance(value, bool):
        raise InvalidInput("a metric value is a number", field="value")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise InvalidInput(f"invalid metric value {str(value)[:40]!r}", field="value")


def json_number(value: float) -> float | str:
    """How MLflow's JSON carries NaN and infinities (protobuf's JSON mapping)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def int64(value: object, *, what: str, default: int | None = None) -> int:
    if value is None and default is not None:
        return default
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,19}", value):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not -MAX_INT64 - 1 <= value <= MAX_INT64:
        raise InvalidInput(f"{what} must be a 64-bit integer", field=what)
    return value


def artifact_path(value: str) -> list[str]:
    """A relative artifact path as segments; absolute paths, `..`, empty segments and odd bytes refused."""
    if len(value) > 1024 or "\\" in value or "\x00" in value or not value.isprintable():
        raise InvalidInput(f"invalid artifact path {value[:80]!r}", field="path")
    if value.startswith("/") or re.match(r"[A-Za-z]:", value):
        raise InvalidInput(f"invalid artifact path {value[:80]!r}: it must be relative", field="path")
    stripped = value.strip("/")
    if not stripped:
        return []
    segments = stripped.split("/")
    if any(segment in {"", ".", ".."} for segment in segments) or posixpath.normpath(stripped) != stripped:
        raise InvalidInput(f"invalid artifact path {value[:80]!r}: no '.', '..' or empty segments", field="path")
    return segments
