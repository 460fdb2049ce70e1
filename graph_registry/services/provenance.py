"""A model version's provenance: recorded with the version, read in batches, compared, audited.

Questions answered here each take one query: what a batch of versions was made
from, which versions require a package version matching a PEP 440 specifier,
which versions of a stage lack provenance; a diff reads both versions at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from graph_registry.domain import validation
from graph_registry.domain.records import (
    EMPTY_PROVENANCE,
    CommitRecord,
    DatasetVersionRecord,
    RunStatus,
    Stage,
    VersionProvenance,
    VersionRecord,
)
from graph_registry.domain.refs import (
    LineageDeclaration,
    NewRun,
    RunInput,
    VersionLineage,
    VersionSelector,
)
from graph_registry.errors import InvalidInput, NotFound
from graph_registry.services.advisories import match_new_packages
from graph_registry.services.datasets import require_run, resolve_refs
from graph_registry.services.models import ModelService, find_version
from graph_registry.services.runs import record_run
from graph_registry.storage.database import Database, Transaction

VersionKey = tuple[str, int]


def declared(declaration: LineageDeclaration) -> VersionLineage | None:
    """A declaration validated (nothing read yet); None when it declares nothing."""
    d = declaration
    if d.run_id is not None and (d.trained_on or d.commit):
        raise InvalidInput("give runId, or the trainedOn/commit shortcut, not both", field="runId")
    validation.ref_count(len(d.trained_on), what="trainedOn")
    refs = tuple(ref.validated() for ref in d.trained_on)
    if d.commit is not None:
        d.commit.params()
    packages = tuple(validation.requirements(d.requirements))
    base = d.base_model.validated() if d.base_model is not None else None
    if d.run_id is None and not refs and d.commit is None and base is None and not packages:
        return None
    return VersionLineage(run_id=d.run_id, trained_on=refs, commit=d.commit, base_model=base, packages=packages)


@dataclass(frozen=True, slots=True)
class ResolvedLineage:
    """What a declaration names, read inside the transaction that will link it."""

    trained_on: tuple[DatasetVersionRecord, ...]
    base_model: VersionKey | None


async def resolve(tx: Transaction, lineage: VersionLineage) -> ResolvedLineage:
    """NotFound for a missing run, dataset version or base model, before anything is written."""
    if lineage.run_id is not None:
        await require_run(tx, lineage.run_id)
    trained_on = await resolve_refs(tx, lineage.trained_on)
    base: VersionKey | None = None
    if lineage.base_model is not None:
        found = await find_version(tx.run, lineage.base_model)
        if found is None:
            model = lineage.base_model.model
            raise NotFound(f"base model {model!r} has no such version", model=model)
        base = found.key
    return ResolvedLineage(trained_on=tuple(trained_on), base_model=base)


async def link(tx: Transaction, lineage: VersionLineage, resolved: ResolvedLineage, version: VersionRecord) -> None:
    """Link a freshly created version; the trainedOn/commit shortcut records an implicit run.

    A base model deleted since `resolve` read it is NotFound: the transaction, and so the version, is undone.
    """
    run_id = lineage.run_id
    if run_id is None and (lineage.trained_on or lineage.commit):
        run = await record_run(
            tx,
            NewRun(
                experiment=version.model,
                name=f"{version.model} v{version.version} (implicit)",
                commit=lineage.commit,
                inputs=[RunInput(dataset_version=ref) for ref in lineage.trained_on],
            ),
            status=RunStatus.FINISHED,
            resolved=resolved.trained_on,
        )
        run_id = run.run_id
    base = resolved.base_model
    rows = await tx.run(
        "link_model_version",
        model=version.model,
        version=version.version,
        runId=run_id,
        baseModel=base[0] if base else None,
        baseVersion=base[1] if base else None,
        packages=[{"name": p.name, "version": p.version} for p in lineage.packages],
    )
    if base is not None and not rows[0]["baseLinked"]:
        raise NotFound(f"base model {base[0]} v{base[1]} was deleted meanwhile", model=base[0], version=base[1])
    # Supply chain: advisories already imported match the packages this version declares.
    await match_new_packages(tx, lineage.packages)


@dataclass(frozen=True, slots=True)
class ValueChange:
    key: str
    a: str | None
    b: str | None


@dataclass(frozen=True, slots=True)
class ProvenanceDiff:
    a: VersionRecord
    b: VersionRecord
    datasets_added: tuple[DatasetVersionRecord, ...]
    datasets_removed: tuple[DatasetVersionRecord, ...]
    commit_a: CommitRecord | None
    commit_b: CommitRecord | None
    param_changes: tuple[ValueChange, ...]
    metric_changes: tuple[ValueChange, ...]
    package_changes: tuple[ValueChange, ...]
    base_model_changed: bool


@dataclass(frozen=True, slots=True)
class ProvenanceGap:
    version: VersionRecord
    missing: tuple[str, ...]


class ProvenanceService:
    def __init__(self, database: Database, models: ModelService) -> None:
        self._db = database
        self._models = models

    async def provenance(self, keys: Sequence[VersionKey]) -> dict[VersionKey, VersionProvenance]:
        rows = await self._db.read("get_version_provenance", keys=[list(key) for key in keys])
        return {(row["model"], row["version"]): VersionProvenance.from_row(row) for row in rows}

    async def diff(self, a: VersionSelector, b: VersionSelector) -> ProvenanceDiff:
        first, second = await self._models.find_version(a), await self._models.find_version(b)
        for selector, found in ((a, first), (b, second)):
            if found is None:
                raise NotFound(f"model version {selector.describe()} does not exist", model=selector.model)
        assert first is not None and second is not None
        both = await self.provenance([first.key, second.key])
        pa, pb = both.get(first.key, EMPTY_PROVENANCE), both.get(second.key, EMPTY_PROVENANCE)
        inputs_a = {i.dataset_version.key: i.dataset_version for i in pa.inputs}
        inputs_b = {i.dataset_version.key: i.dataset_version for i in pb.inputs}
        return ProvenanceDiff(
            a=first,
            b=second,
            datasets_added=tuple(inputs_b[key] for key in sorted(inputs_b.keys() - inputs_a.keys())),
            datasets_removed=tuple(inputs_a[key] for key in sorted(inputs_a.keys() - inputs_b.keys())),
            commit_a=pa.commit,
            commit_b=pb.commit,
            param_changes=_changes(dict(pa.run.params if pa.run else ()), dict(pb.run.params if pb.run else ())),
            metric_changes=_changes(_metrics(first, pa), _metrics(second, pb)),
            package_changes=_changes(
                {p.name: p.version for p in pa.packages}, {p.name: p.version for p in pb.packages}
            ),
            base_model_changed=_key(pa.base_model) != _key(pb.base_model),
        )

    async def package_impact(
        self, *, name: str, spec: str | None, stage: Stage | None, alias: str | None
    ) -> list[VersionRecord]:
        """Non-deleted versions requiring `name` at a version the PEP 440 specifier matches (any, without one)."""
        validation.text(name, what="name", limit=256)
        if alias is not None:
            validation.alias(alias)
        try:
            specifier = SpecifierSet(spec or "")
        except InvalidSpecifier as error:
            raise InvalidInput(f"invalid version specifier {spec!r}", field="spec") from error
        rows = await self._db.read(
            "find_package_dependents",
            name=canonicalize_name(name),
            stage=stage.value if stage else None,
            alias=alias,
        )
        return [
            VersionRecord.from_row(row["modelVersion"]) for row in rows if _matches(specifier, row["packageVersion"])
        ]

    async def gaps(self, stage: Stage) -> list[ProvenanceGap]:
        rows = await self._db.read("find_provenance_gaps", stage=stage.value)
        return [
            ProvenanceGap(version=VersionRecord.from_row(row["modelVersion"]), missing=tuple(row["missing"]))
            for row in rows
        ]


def _matches(specifier: SpecifierSet, version: str) -> bool:
    try:
        return specifier.contains(Version(version), prereleases=True)
    except InvalidVersion:
        return False


def _key(record: VersionRecord | None) -> VersionKey | None:
    return None if record is None else record.key


def _metrics(version: VersionRecord, provenance: VersionProvenance) -> dict[str, str]:
    """The run's metrics, overridden by the version's own: the last value of each key."""
    values: dict[str, str] = {}
    for metric in (*(provenance.run.metrics if provenance.run else ()), *version.metrics):
        values[metric.key] = repr(metric.value)
    return values


def _changes(a: dict[str, str], b: dict[str, str]) -> tuple[ValueChange, ...]:
    keys = sorted(a.keys() | b.keys())
    return tuple(ValueChange(key=key, a=a.get(key), b=b.get(key)) for key in keys if a.get(key) != b.get(key))
