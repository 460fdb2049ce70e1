"""Input rules of the lineage side: digests, commit ids, roles, pinned requirements. Pure functions."""

from __future__ import annotations

import re
from collections.abc import Sequence

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from graph_registry.domain.lineage_records import PackageRecord
from graph_registry.errors import InvalidInput

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
