"""Input rules: names, aliases, tags, versions, texts, run ids, digests, commit ids, roles, pinned
requirements. Pure functions raising InvalidInput."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from graph_registry.domain.records import Metric, PackageRecord
from graph_registry.errors import InvalidInput

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
ALIAS = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
TAG_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,127}")
MAX_VERSION = 2**31 - 1
MAX_TAGS = 100
# MLflow's own limit for registered model and model version tag values (mlflow/utils/validation.py,
# MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH, MLflow 3.x), for every API.
MAX_TAG_VALUE = 100_000
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


def dataset_version(value: int, *, what: str = "version") -> int:
    """A dataset version's number: from 1, or 0 (a dataset's implicit version as first seen by
    OpenLineage, before any version observed: services/openlineage.py)."""
    if not 0 <= value <= MAX_VERSION:
        raise InvalidInput(f"invalid {what} {value}: dataset versions are whole numbers from 0", field=what)
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


_HEX_RUN_ID = re.compile(r"[0-9a-f]{32}")


def run_id(value: str) -> str:
    """Run ids are the server-allocated UUIDs, in their canonical lowercase form, or MLflow's 32 hex digits."""
    if _HEX_RUN_ID.fullmatch(value):
        return value
    try:
        canonical = str(uuid.UUID(value))
    except ValueError:
        canonical = None
    if canonical != value:
        raise InvalidInput(f"invalid run id {value[:80]!r}: expected a UUID such as startRun returns", field="runId")
    return value


# Accepted content hashes: the algorithm prefix, then exactly its hex length, lower case.
DIGEST_LENGTHS = {"sha256": 64, "sha512": 128, "md5": 32}
DIGEST = re.compile(r"(?P<algorithm>[a-z0-9]+):(?P<hex>[0-9a-f]+)")
SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
ROLE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")
MAX_REQUIREMENTS = 500
MAX_REFS = 1000


def digest(value: str) -> str:
    """`sha256:<64 hex>` (also `sha512:<128 hex>`, `md5:<32 hex>`); upper-case hex is lowered."""
    match = DIGEST.fullmatch(value.lower())
    if not match or DIGEST_LENGTHS.get(match["algorithm"]) != len(match["hex"]):
        raise InvalidInput(
            f"invalid digest {value[:80]!r}: use sha256:<64 hex> (or sha512:<128 hex>, md5:<32 hex>)",
            field="digest",
        )
    return value.lower()


# Digests the OpenLineage adapter gives the versions it records (domain/openlineage.py): written by it
# alone, but any caller may name a version by one.
ADAPTER_DIGEST_PREFIX = "openlineage:"


def known_digest(value: str) -> str:
    """A digest to look a version up by: a content hash (see `digest`) or an adapter digest."""
    if value.startswith(ADAPTER_DIGEST_PREFIX) and 0 < len(value) <= 8192 and value.isprintable():
        return value
    return digest(value)


def sha(value: str) -> str:
    lowered = value.lower()
    if not SHA.fullmatch(lowered):
        raise InvalidInput(f"invalid commit sha {value[:80]!r}: use the full 40 or 64 hex id", field="sha")
    return lowered


def repo(value: str) -> str:
    if not (0 < len(value) <= 512 and value.isprintable() and not value.isspace()):
        raise InvalidInput("repo must be 1-512 printable characters", field="repo")
    return value


def role(value: str) -> str:
    if not ROLE.fullmatch(value):
        raise InvalidInput(f"invalid input role {value[:80]!r}: use 1-64 characters of [A-Za-z0-9_.-]", field="role")
    return value


def ref_count(count: int, *, what: str) -> None:
    if count > MAX_REFS:
        raise InvalidInput(f"at most {MAX_REFS} {what} are allowed", field=what)


def requirements(lines: Sequence[str] | None) -> list[PackageRecord]:
    """Pinned `name==version` lines (extras and markers are ignored); names normalised per PEP 503."""
    lines = list(lines or ())
    if len(lines) > MAX_REQUIREMENTS:
        raise InvalidInput(f"at most {MAX_REQUIREMENTS} requirements are allowed", field="requirements")
    found: dict[str, PackageRecord] = {}
    for line in lines:
        package = _pinned(line)
        prior = found.get(package.name)
        if prior is not None and prior != package:
            raise InvalidInput(f"requirement {package.name!r} is pinned twice", field="requirements")
        found[package.name] = package
    return sorted(found.values(), key=lambda p: p.name)


def _pinned(line: str) -> PackageRecord:
    refused = InvalidInput(f"invalid requirement {line[:120]!r}: pin it as name==version", field="requirements")
    try:
        requirement = Requirement(line.strip())
    except InvalidRequirement as error:
        raise refused from error
    specifiers = list(requirement.specifier)
    if requirement.url or len(specifiers) != 1 or specifiers[0].operator != "==" or "*" in specifiers[0].version:
        raise refused
    try:
        version = str(Version(specifiers[0].version))
    except InvalidVersion as error:
        raise refused from error
    return PackageRecord(name=canonicalize_name(requirement.name), version=version)


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
