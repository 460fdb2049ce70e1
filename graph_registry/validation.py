"""Input rules: names, tags, versions, page sizes. Pure functions raising InvalidInput."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from graph_registry.errors import InvalidInput
from graph_registry.records import Metric

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
ALIAS = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
TAG_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,127}")
MAX_VERSION = 2**31 - 1
MAX_TAGS = 100
MAX_TAG_VALUE = 1024
MAX_TEXT = 10_000
MAX_REQUEST_ID = 128


def name(value: str, *, what: str = "model") -> str:
    if not NAME.fullmatch(value):
        raise InvalidInput(
            f"invalid {what} name {value[:80]!r}: use 1-128 characters of [A-Za-z0-9._-], "
            "starting with a letter or digit",
            field=what,
        )
    return value


def alias(value: str) -> str:
    if not ALIAS.fullmatch(value):
        raise InvalidInput(
            f"invalid alias {value[:80]!r}: use 1-64 characters of [A-Za-z0-9_-], starting with a letter",
            field="alias",
        )
    return value


def version(value: int, *, what: str = "version") -> int:
    if not 1 <= value <= MAX_VERSION:
        raise InvalidInput(f"invalid {what} {value}: versions are whole numbers from 1", field=what)
    return value


def text(value: str | None, *, what: str, limit: int = MAX_TEXT) -> str | None:
    if value is not None and len(value) > limit:
        raise InvalidInput(f"{what} is longer than {limit} characters", field=what)
    return value


def tags(pairs: Sequence[tuple[str, str]] | None, *, what: str = "tag") -> list[tuple[str, str]]:
    pairs = list(pairs or ())
    if len(pairs) > MAX_TAGS:
        raise InvalidInput(f"at most {MAX_TAGS} {what}s are allowed", field=what)
    seen: set[str] = set()
    for key, value in pairs:
        if not TAG_KEY.fullmatch(key):
            raise InvalidInput(f"invalid {what} key {key[:80]!r}: use 1-128 characters of [A-Za-z0-9_.:/-]", field=what)
        if key in seen:
            raise InvalidInput(f"{what} key {key!r} is given twice", field=what)
        if len(value) > MAX_TAG_VALUE:
            raise InvalidInput(f"{what} {key!r} is longer than {MAX_TAG_VALUE} characters", field=what)
        seen.add(key)
    return pairs


def metrics(values: Sequence[Metric] | None) -> list[Metric]:
    values = list(values or ())
    for metric in values:
        if not TAG_KEY.fullmatch(metric.key):
            raise InvalidInput(f"invalid metric key {metric.key[:80]!r}", field="metric")
        if not math.isfinite(metric.value):
            raise InvalidInput(f"metric {metric.key!r} is not a finite number", field="metric")
        if metric.step is not None and metric.step < 0:
            raise InvalidInput(f"metric {metric.key!r} has a negative step", field="metric")
    return values


def request_id(value: str | None) -> str | None:
    if value is not None and not (0 < len(value) <= MAX_REQUEST_ID and value.isprintable()):
        raise InvalidInput(f"requestId must be 1-{MAX_REQUEST_ID} printable characters", field="requestId")
    return value


DEFAULT_PAGE_SIZE = 20


def run_id(value: str) -> str:
    """Run ids are the server-allocated UUIDs, in their canonical lowercase form."""
    try:
        canonical = str(uuid.UUID(value))
    except ValueError:
        canonical = None
    if canonical != value:
        raise InvalidInput(f"invalid run id {value[:80]!r}: expected a UUID such as startRun returns", field="runId")
    return value


def page_size(first: int | None, *, limit: int) -> int:
    """The page size asked for (`null` means the default), within 0..limit."""
    if first is None:
        return min(DEFAULT_PAGE_SIZE, limit)
    if not 0 <= first <= limit:
        raise InvalidInput(f"first must be between 0 and {limit}, got {first}", field="first")
    return first


# Neo4j stores UTC offsets from -18:00 to +18:00 (as ISO 8601 does); Python accepts up to 24 hours.
MAX_UTC_OFFSET = timedelta(hours=18)


def moment(value: datetime | None, *, what: str) -> datetime | None:
    """A time the graph can store: its UTC offset (if any) within -18:00..+18:00."""
    offset = value.utcoffset() if value is not None else None
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise InvalidInput(f"{what} has a UTC offset beyond -18:00..+18:00", field=what)
    return value


# Byte counts are whole numbers the graph stores as 64-bit integers.
MAX_BYTES = 2**63 - 1


def byte_count(value: float, *, what: str = "sizeBytes") -> int:
    """A size sent as a GraphQL Float (sizes pass 2^31): finite, whole, not negative; never rounded."""
    whole = isinstance(value, int) or (isinstance(value, float) and math.isfinite(value) and value.is_integer())
    if isinstance(value, bool) or not whole or not 0 <= value <= MAX_BYTES:
        raise InvalidInput(f"{what} must be a whole number of bytes from 0 to {MAX_BYTES}", field=what)
    return int(value)
