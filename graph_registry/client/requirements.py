"""Pinned requirement lines (`name==version`) for a model version's packages.

From a requirements file (each line must pin with `==`; comments, blank lines
and pip options are skipped), from the packages installed in this environment,
or from a few names pinned to their installed versions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

AUTO = "auto"


def _pinned(requirement: Requirement, line: str) -> str:
    specifiers = list(requirement.specifier)
    if len(specifiers) != 1 or specifiers[0].operator != "==" or "*" in specifiers[0].version:
        raise ValueError(f"{line!r} is not pinned: write name==version")
    return f"{canonicalize_name(requirement.name)}=={specifiers[0].version}"


def parse(lines: Iterable[str]) -> list[str]:
    """Pinned lines from requirements text; ValueError on a line that does not pin one version."""
    found: dict[str, str] = {}
    for raw in lines:
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line or line.startswith("-"):
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement as error:
            raise ValueError(f"{raw.strip()!r} is not a requirement line: {error}") from error
        pinned = _pinned(requirement, raw.strip())
        found[pinned.partition("==")[0]] = pinned
    return sorted(found.values())


def from_file(path: str | Path) -> list[str]:
    return parse(Path(path).read_text(encoding="utf-8").splitlines())


def from_environment() -> list[str]:
    """Every distribution installed in this Python environment, pinned (like `pip freeze`)."""
    found: dict[str, str] = {}
    for distribution in metadata.distributions():
        name = distribution.metadata["Name"]
        if name:
            found.setdefault(canonicalize_name(name), f"{canonicalize_name(name)}=={distribution.version}")
    return sorted(found.values())


def pinned(names: Sequence[str]) -> list[str]:
    """The given packages pinned to the versions installed here; PackageNotFoundError when one is missing."""
    return sorted({f"{canonicalize_name(name)}=={metadata.version(name)}" for name in names})


def resolve(requirements: str | Path | Sequence[str] | None) -> list[str] | None:
    """What `register_model(requirements=...)` accepts: "auto", a file path, lines, or None."""
    if requirements is None:
        return None
    if isinstance(requirements, str) and requirements == AUTO:
        return from_environment()
    if isinstance(requirements, str | Path):
        return from_file(requirements)
    return parse(requirements)
