"""Values callers hand to use cases: which version or dataset version they mean, and what they declare new.

Plain frozen dataclasses that validate themselves; no storage, no GraphQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graph_registry.domain import validation
from graph_registry.domain.records import Metric, PackageRecord, Stage
from graph_registry.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class VersionSelector:
    """Which version of a model: a number, an alias or a stage (or the latest), optionally as of `at`."""

    model: str
    version: int | None = None
    alias: str | None = None
    stage: Stage | None = None
    at: datetime | None = None

    def describe(self) -> str:
        """The selector as the client and CLI write it: fraud:2, fraud@champion, fraud@production."""
        if self.version is not None:
            text = f"{self.model}:{self.version}"
        elif self.alias is not None:
            text = f"{self.model}@{self.alias}"
        elif self.stage is not None:
            text = f"{self.model}@{self.stage.value.lower()}"
        else:
            text = f"{self.model} (latest)"
        return text if self.at is None else f"{text} at {self.at.isoformat()}"

    def validated(self) -> VersionSelector:
        validation.name(self.model)
        validation.moment(self.at, what="at")
        chosen = [value for value in (self.version, self.alias, self.stage) if value is not None]
        if len(chosen) > 1:
            raise InvalidInput("give at most one of version, alias or stage", model=self.model)
        if self.version is not None:
            validation.version(self.version)
        if self.alias is not None:
            validation.alias(self.alias)
        return self


@dataclass(frozen=True, slots=True)
class DatasetVersionRef:
    """A dataset version named by its number or its digest."""

    dataset: str
    version: int | None = None
    digest: str | None = None

    def validated(self) -> DatasetVersionRef:
        validation.name(self.dataset, what="dataset")
        if (self.version is None) == (self.digest is None):
            raise InvalidInput("give one of version or digest", dataset=self.dataset)
        if self.version is not None:
            validation.dataset_version(self.version)
            return self
        assert self.digest is not None
        return DatasetVersionRef(dataset=self.dataset, digest=validation.known_digest(self.digest))

    def describe(self) -> str:
        return f"{self.dataset}:{self.version}" if self.version is not None else f"{self.dataset}@{self.digest}"


@dataclass(frozen=True, slots=True)
class NewDatasetVersion:
    dataset: str
    digest: str
    uri: str | None = None
    row_count: float | None = None
    description: str | None = None
    derived_from: Sequence[DatasetVersionRef] = ()
    produced_by: str | None = None
    # (namespace, name): the dataset's OpenLineage identity, given once.
    source: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True)
class NewCommit:
    repo: str
    sha: str
    branch: str | None = None
    author: str | None = None
    message: str | None = None
    committed_at: datetime | None = None

    def params(self) -> dict[str, Any]:
        """Validated, as the queries take it (sha lower-cased)."""
        validation.repo(self.repo)
        validation.text(self.branch, what="branch", limit=256)
        validation.text(self.author, what="author", limit=256)
        validation.text(self.message, what="message")
        validation.moment(self.committed_at, what="committedAt")
        return {
            "repo": self.repo,
            "sha": validation.sha(self.sha),
            "branch": self.branch,
            "author": self.author,
            "message": self.message,
            "committedAt": self.committed_at,
        }


@dataclass(frozen=True, slots=True)
class RunInput:
    dataset_version: DatasetVersionRef
    role: str = "training"


@dataclass(frozen=True, slots=True)
class NewRun:
    experiment: str
    name: str | None = None
    params: Sequence[tuple[str, str]] = ()
    commit: NewCommit | None = None
    inputs: Sequence[RunInput] = ()


@dataclass(frozen=True, slots=True)
class LineageDeclaration:
    """What createModelVersion says about where a version came from."""

    run_id: str | None = None
    trained_on: Sequence[DatasetVersionRef] = ()
    commit: NewCommit | None = None
    base_model: VersionSelector | None = None
    requirements: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class NewVersion:
    """What a caller declares when registering a model version (its lineage comes apart: LineageDeclaration)."""

    model: str
    description: str | None = None
    tags: Sequence[tuple[str, str]] = ()
    metrics: Sequence[Metric] = ()
    request_id: str | None = None
    artifact_sha256: str | None = None
    artifact_size: int | None = None
    # The team a model created by this call joins (an existing model keeps its own).
    team: str | None = None


@dataclass(frozen=True, slots=True)
class VersionLineage:
    """A validated LineageDeclaration: linked inside the transaction that creates the version, and only then
    (a replayed requestId links nothing)."""

    run_id: str | None
    trained_on: tuple[DatasetVersionRef, ...]
    commit: NewCommit | None
    base_model: VersionSelector | None
    packages: tuple[PackageRecord, ...]
