"""Short references to versions, as people type them: `fraud:3`, `fraud@champion`, `fraud@production`.

Names never contain ':' or '@', so the first of them splits a reference. After
'@', a stage name (none, staging, production, archived, any letter case)
selects by stage; anything else is an alias.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph_registry.client.types import DatasetVersion, ModelVersion, Stage, VersionKey


@dataclass(frozen=True, slots=True)
class VersionSelector:
    """One model version: by number, alias or stage, or the latest when none is given."""

    model: str
    version: int | None = None
    alias: str | None = None
    stage: Stage | None = None

    def variables(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "version": self.version,
            "alias": self.alias,
            "stage": self.stage.value if self.stage else None,
        }

    def __str__(self) -> str:
        if self.version is not None:
            return f"{self.model}:{self.version}"
        if self.alias is not None:
            return f"{self.model}@{self.alias}"
        if self.stage is not None:
            return f"{self.model}@{self.stage.value.lower()}"
        return self.model


def parse_version_ref(text: str) -> VersionSelector:
    """`MODEL`, `MODEL:VERSION`, `MODEL@ALIAS` or `MODEL@STAGE`; ValueError when malformed."""
    name, sep, rest = _split(text, ":@")
    if not name or (sep and not rest):
        raise ValueError(f"{text!r} is not MODEL, MODEL:VERSION or MODEL@ALIAS")
    if sep == ":":
        if not rest.isdigit():
            raise ValueError(f"{text!r}: the version after ':' must be a number")
        return VersionSelector(name, version=int(rest))
    if sep == "@":
        if rest.upper() in Stage.__members__:
            return VersionSelector(name, stage=Stage(rest.upper()))
        return VersionSelector(name, alias=rest)
    return VersionSelector(name)


def selector(
    target: str | ModelVersion | VersionKey | VersionSelector,
    *,
    version: int | None = None,
    alias: str | None = None,
    stage: Stage | str | None = None,
) -> VersionSelector:
    """Whatever names a version (a reference, an object, or a name plus keywords) as a selector."""
    if isinstance(target, VersionSelector):
        return target
    if isinstance(target, ModelVersion | VersionKey):
        return VersionSelector(target.model, version=target.version)
    chosen = sum(value is not None for value in (version, alias, stage))
    if chosen > 1:
        raise ValueError("give at most one of version, alias or stage")
    if chosen == 0:
        return parse_version_ref(target)
    return VersionSelector(
        target, version=version, alias=alias, stage=Stage(stage.upper()) if isinstance(stage, str) else stage
    )


def dataset_ref(target: str | DatasetVersion | tuple[str, int]) -> dict[str, Any]:
    """A `DatasetVersionRef` input: from `NAME:VERSION`, `NAME@sha256:...`, (name, version) or an object."""
    if isinstance(target, DatasetVersion):
        return {"dataset": target.dataset, "version": target.version}
    if isinstance(target, tuple):
        return {"dataset": target[0], "version": target[1]}
    name, sep, rest = _split(target, ":@")
    if sep == ":" and rest.isdigit():
        return {"dataset": name, "version": int(rest)}
    if sep == "@" and rest:
        return {"dataset": name, "digest": rest}
    raise ValueError(f"{target!r} is not DATASET:VERSION or DATASET@DIGEST")


def _split(text: str, separators: str) -> tuple[str, str, str]:
    positions = [index for index in (text.find(sep) for sep in separators) if index >= 0]
    if not positions:
        return text, "", ""
    at = min(positions)
    return text[:at], text[at], text[at + 1 :]
