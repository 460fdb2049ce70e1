"""Models and their versions: create, update, find, list (registering a version: services/versions.py)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from graph_registry.domain import paging, validation
from graph_registry.domain.paging import Page
from graph_registry.domain.records import (
    ModelRecord,
    Stage,
    VersionProvenance,
    VersionRecord,
    metrics_to_json,
    pairs_to_strings,
)
from graph_registry.domain.refs import NewVersion, VersionSelector
from graph_registry.errors import Conflict, InvalidInput, NotFound
from graph_registry.services.audit import AuditEntry, write_audited, write_one_audited
from graph_registry.storage.database import Database, Row, Transaction

Run = Callable[..., Awaitable[list[Row]]]

SHA256 = re.compile(r"[0-9a-f]{64}")
DEFAULT_MAX_ARTIFACT_SIZE = 5 * 1024**4


def validate_artifact(sha256: str | None, size: int | None, *, limit: int) -> None:
    """A declared artifact: 64 lowercase hex digits of sha256 and a size in 1..limit bytes."""
    if sha256 is None and size is None:
        return
    if sha256 is None or not SHA256.fullmatch(sha256):
        raise InvalidInput("artifact sha256 must be 64 lowercase hexadecimal digits", field="artifact.sha256")
    if size is None or not 0 < size <= limit:
        raise InvalidInput(f"artifact sizeBytes must be between 1 and {limit}", field="artifact.sizeBytes")


def _model_filters(name_contains: str | None, tag: tuple[str, str] | None) -> dict[str, str | None]:
    """The parameters of list_models and count_models: a name fragment and a `key=value` tag."""
    validation.text(name_contains, what="nameContains", limit=128)
    if tag is not None:
        validation.tags([tag])
    return {"nameContains": name_contains, "tag": pairs_to_strings([tag])[0] if tag else None}


def version_params(new: NewVersion, *, actor: str, max_artifact_size: int) -> dict[str, Any]:
    """A new version, validated, as create_model_version takes it."""
    validation.name(new.model)
    validation.text(new.description, what="description")
    validation.request_id(new.request_id)
    validate_artifact(new.artifact_sha256, new.artifact_size, limit=max_artifact_size)
    return {
        "model": new.model,
        "description": new.description,
        "tags": pairs_to_strings(validation.tags(new.tags)),
        "metrics": metrics_to_json(validation.metrics(new.metrics)),
        "requestId": new.request_id,
        "artifactSha256": new.artifact_sha256,
        "artifactSize": new.artifact_size,
        "actor": actor,
    }


async def create_version(tx: Transaction, params: dict[str, Any]) -> tuple[VersionRecord, bool]:
    """Inside a write transaction: the new version (the model created on first use), and whether it was a
    replay (its requestId seen before: the version stored then)."""
    rows = await tx.run("create_model_version", **params)
    return VersionRecord.from_row(rows[0]["version"]), bool(rows[0]["replayed"])


async def find_version(run: Run, selector: VersionSelector) -> VersionRecord | None:
    """The version a selector names, resolved now or as things stood at `selector.at`; `run` runs a named
    read (`Database.read`, or `Transaction.run` inside a unit of work)."""
    s = selector.validated()
    if s.version is not None:
        rows = await run("get_versions", keys=[[s.model, s.version]])
        record = VersionRecord.from_row(rows[0]["version"]) if rows else None
        if record is not None and s.at is not None and record.created_at > s.at:
            return None
        return record
    if s.alias is not None:
        if s.at is None:
            rows = await run("find_version_by_alias", model=s.model, alias=s.alias)
        else:
            rows = await run("find_version_by_alias_at", model=s.model, alias=s.alias, at=s.at)
    elif s.stage is not None:
        if s.at is None:
            rows = await run("get_stage_holders", names=[s.model], stage=s.stage.value)
        else:
            rows = await run("find_version_by_stage_at", model=s.model, stage=s.stage.value, at=s.at)
    elif s.at is None:
        rows = await run("get_latest_versions", names=[s.model])
    else:
        rows = await run("find_latest_version_at", model=s.model, at=s.at)
    return VersionRecord.from_row(rows[0]["version"]) if rows else None


@dataclass(frozen=True, slots=True)
class LinkedVersion:
    """A version with what was asked of its links in the same read: its provenance, its aliases (sorted)."""

    record: VersionRecord
    provenance: VersionProvenance | None = None
    aliases: list[str] | None = None


@dataclass(frozen=True, slots=True)
class VersionsPage:
    """The arguments of one page of a model's versions (`Model.versions`)."""

    first: int | None
    after: str | None
    stage: Stage | None


class ModelService:
    def __init__(
        self, database: Database, *, max_page_size: int = 100, max_artifact_size: int = DEFAULT_MAX_ARTIFACT_SIZE
    ) -> None:
        self._db = database
        self._max_page_size = max_page_size
        self._max_artifact_size = max_artifact_size

    async def create_model(
        self,
        *,
        name: str,
        description: str | None,
        tags: Sequence[tuple[str, str]] | None,
        team: str | None = None,
        audit: AuditEntry | None = None,
    ) -> ModelRecord:
        validation.name(name)
        validation.text(description, what="description")
        if team is not None:
            validation.name(team, what="team")
        params = {"name": name, "description": description, "tags": pairs_to_strings(validation.tags(tags))}

        async def work(tx: Transaction) -> ModelRecord:
            if team is not None:
                await require_team(tx, team)
            rows = await tx.run("create_model", **params)
            if not rows:
                raise Conflict(f"model {name!r} already exists", model=name)
            if team is not None:
                await tx.run("join_team_if_created", model=name, team=team)
            return ModelRecord.from_row(rows[0]["model"])

        return await write_audited(self._db, work, audit=audit)

    async def update_model(
        self,
        *,
        name: str,
        description: str | None,
        tags: Sequence[tuple[str, str]] | None,
        audit: AuditEntry | None = None,
    ) -> ModelRecord:
        validation.name(name)
        changes: dict[str, object] = {}
        if description is not None:
            changes["description"] = validation.text(description, what="description")
        if tags is not None:
            changes["tags"] = pairs_to_strings(validation.tags(tags))
        rows = await write_one_audited(self._db, "update_model", audit=audit, name=name, changes=changes)
        if not rows:
            raise NotFound(f"model {name!r} does not exist", model=name)
        return ModelRecord.from_row(rows[0]["model"])

    async def models_by_name(self, names: Sequence[str]) -> dict[str, ModelRecord]:
        rows = await self._db.read("get_models", names=list(names))
        return {row["model"]["name"]: ModelRecord.from_row(row["model"]) for row in rows}

    async def get_model(self, name: str) -> ModelRecord | None:
        validation.name(name)
        return (await self.models_by_name([name])).get(name)

    async def list_models(
        self, *, first: int | None, after: str | None, name_contains: str | None, tag: tuple[str, str] | None
    ) -> Page[ModelRecord]:
        """One page of models by name; its total is count_models (a page never reads every model)."""
        first = paging.page_size(first, limit=self._max_page_size)
        after_name = paging.after(after, str)
        filters = _model_filters(name_contains, tag)
        rows = await self._db.read("list_models", **filters, after=after_name, limit=first + 1)
        return paging.page([ModelRecord.from_row(row["model"]) for row in rows], first, lambda model: model.name)

    async def list_models_with_versions(
        self,
        *,
        first: int | None,
        after: str | None,
        name_contains: str | None,
        tag: tuple[str, str] | None,
        versions: VersionsPage,
    ) -> tuple[Page[ModelRecord], dict[str, Page[VersionRecord]]]:
        """list_models, and list_versions_of the page's models with `versions`' arguments, in one query."""
        first = paging.page_size(first, limit=self._max_page_size)
        after_name = paging.after(after, str)
        versions_first = paging.page_size(versions.first, limit=self._max_page_size)
        versions_after = paging.after(versions.after, int)
        rows = await self._db.read(
            "list_models_with_versions",
            **_model_filters(name_contains, tag),
            after=after_name,
            limit=first + 1,
            stage=versions.stage.value if versions.stage else None,
            versionsAfter=versions_after,
            versionsLimit=versions_first + 1,
        )
        page = paging.page([ModelRecord.from_row(row["model"]) for row in rows], first, lambda model: model.name)
        shown = {model.name for model in page.items}
        listed = {
            row["model"]["name"]: paging.page(
                [VersionRecord.from_row(version) for version in row["versions"]],
                versions_first,
                lambda version: version.version,
                total_count=row["total"],
            )
            for row in rows
            if row["model"]["name"] in shown
        }
        return page, listed

    async def count_models(self, *, name_contains: str | None, tag: tuple[str, str] | None) -> int:
        rows = await self._db.read("count_models", **_model_filters(name_contains, tag))
        return int(rows[0]["total"])

    async def versions_by_key(self, keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], VersionRecord]:
        rows = await self._db.read("get_versions", keys=[list(key) for key in keys])
        found = (VersionRecord.from_row(row["version"]) for row in rows)
        return {record.key: record for record in found}

    async def latest_versions(self, names: Sequence[str]) -> dict[str, VersionRecord]:
        rows = await self._db.read("get_latest_versions", names=list(names))
        found = (VersionRecord.from_row(row["version"]) for row in rows)
        return {record.model: record for record in found}

    async def stage_holders(self, names: Sequence[str], stage: Stage) -> dict[str, VersionRecord]:
        """The newest version of each model in `stage` now (PRODUCTION has at most one)."""
        rows = await self._db.read("get_stage_holders", names=list(names), stage=stage.value)
        holders: dict[str, VersionRecord] = {}
        for row in rows:
            record = VersionRecord.from_row(row["version"])
            holders.setdefault(record.model, record)
        return holders

    async def find_version(self, selector: VersionSelector) -> VersionRecord | None:
        """The version a selector names, resolved now or as things stood at `selector.at`."""
        return await find_version(self._db.read, selector)

    async def find_version_linked(
        self, selector: VersionSelector, *, provenance: bool, aliases: bool
    ) -> LinkedVersion | None:
        """find_version for a number or a current alias, with its provenance and/or aliases in one query.

        Other selectors (a stage, the latest, a moment) take find_version's path, the links none.
        """
        s = selector.validated()
        if s.at is not None or (s.version is None and s.alias is None):
            record = await find_version(self._db.read, s)
            return None if record is None else LinkedVersion(record)
        rows = await self._db.read(
            "find_version_with_links",
            model=s.model,
            version=s.version,
            alias=s.alias,
            provenance=provenance,
            aliases=aliases,
        )
        if not rows:
            return None
        row = rows[0]
        return LinkedVersion(
            record=VersionRecord.from_row(row["version"]),
            provenance=VersionProvenance.from_row(row["provenance"]) if provenance else None,
            aliases=sorted(row["aliases"]) if aliases else None,
        )

    async def require_version(self, model: str, version: int) -> VersionRecord:
        validation.name(model)
        validation.version(version)
        record = (await self.versions_by_key([(model, version)])).get((model, version))
        if record is None:
            raise NotFound(f"model version {model}:{version} does not exist", model=model, version=version)
        return record

    async def list_versions(
        self, *, model: str, first: int | None, after: str | None, stage: Stage | None
    ) -> Page[VersionRecord]:
        pages = await self.list_versions_of([model], first=first, after=after, stage=stage)
        return pages[model]

    async def list_versions_of(
        self, models: Sequence[str], *, first: int | None, after: str | None, stage: Stage | None
    ) -> dict[str, Page[VersionRecord]]:
        """The same page of several models' versions, in one query (the `Model.versions` loader)."""
        first = paging.page_size(first, limit=self._max_page_size)
        after_version = paging.after(after, int)
        rows = await self._db.read(
            "list_versions",
            models=list(models),
            stage=stage.value if stage else None,
            after=after_version,
            limit=first + 1,
        )
        return {
            row["model"]: paging.page(
                [VersionRecord.from_row(version) for version in row["versions"]],
                first,
                lambda version: version.version,
                total_count=row["total"],
            )
            for row in rows
        }


async def require_team(tx: Transaction, team: str) -> None:
    if not await tx.run("get_teams", names=[team]):
        raise NotFound(f"no team named {team!r}", team=team)
