"""Advisories, the packages they affect, and the model versions that ship them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from graph_registry.api.graphql import ids
from graph_registry.api.graphql.types.common import Node
from graph_registry.api.graphql.types.models import ModelVersion
from graph_registry.api.graphql.types.runs import Package
from graph_registry.domain.advisories import Advisory as AdvisoryRecord
from graph_registry.domain.severity import Severity
from graph_registry.services.advisories import ImportResult, VulnerableVersion
from graph_registry.services.advisories import Vulnerability as VulnerabilityRecord

_MODELS = "graph_registry.api.graphql.types.models"


@strawberry.type
class AffectedPackage:
    package: str = strawberry.field(description="PEP 503 name.")
    ranges: list[str] = strawberry.field(
        description="Affected ranges as text in PEP 440 notation, e.g. >=0,<5.4 (matching follows OSV's ordering "
        "of versions, pre-releases included, not SpecifierSet)."
    )
    versions: list[str] = strawberry.field(description="Versions listed explicitly by the record.")
    fixed_in: list[str]


@strawberry.type(description="A published vulnerability, imported from an OSV record (GHSA, PYSEC, CVE).")
class Advisory(Node):
    osv_id: str = strawberry.field(description="The OSV id, e.g. GHSA-8q59-q68h-6hv4 or PYSEC-2021-142.")
    aliases: list[str] = strawberry.field(description="Other ids of the same vulnerability (CVE-..., GHSA-...).")
    summary: str | None
    severity: Severity | None = strawberry.field(
        description="From the record's severity (CVSS score bands) or its database_specific severity; null when "
        "it gives none."
    )
    affected: list[AffectedPackage] = strawberry.field(
        description="Each affected PyPI package (PEP 503 names) with its ranges."
    )
    published_at: datetime | None
    modified_at: datetime | None
    references: list[str]

    @classmethod
    def from_record(cls, record: AdvisoryRecord) -> Advisory:
        return cls(
            id=strawberry.ID(ids.global_id("Advisory", record.osv_id)),
            osv_id=record.osv_id,
            aliases=list(record.aliases),
            summary=record.summary,
            severity=record.severity,
            affected=[
                AffectedPackage(
                    package=entry.package,
                    ranges=entry.specifiers,
                    versions=list(entry.versions),
                    fixed_in=entry.fixed_in,
                )
                for entry in record.affected
            ],
            published_at=record.published,
            modified_at=record.modified,
            references=list(record.references),
        )

    @classmethod
    def maybe(cls, record: AdvisoryRecord | None) -> Advisory | None:
        return None if record is None else cls.from_record(record)


@strawberry.type
class Vulnerability:
    package: Package
    advisory: Advisory

    @classmethod
    def from_record(cls, record: VulnerabilityRecord) -> Vulnerability:
        return cls(package=Package.from_record(record.package), advisory=Advisory.from_record(record.advisory))


@strawberry.type
class VulnerableModel:
    model_version: Annotated[ModelVersion, strawberry.lazy(_MODELS)]
    vulnerabilities: list[Vulnerability]

    @classmethod
    def from_record(cls, record: VulnerableVersion) -> VulnerableModel:
        return cls(
            model_version=ModelVersion.from_record(record.version),
            vulnerabilities=[Vulnerability.from_record(hit) for hit in record.vulnerabilities],
        )


@strawberry.type
class AdvisoryImport:
    imported: int = strawberry.field(description="Records stored for the first time.")
    updated: int = strawberry.field(description="Records replaced by a newer modified time.")
    skipped: int = strawberry.field(
        description="Records skipped: not PyPI, withdrawn, or not newer than the stored one."
    )
    newly_affected: list[Annotated[ModelVersion, strawberry.lazy(_MODELS)]] = strawberry.field(
        description="Model versions that have a vulnerability they did not have before this import."
    )

    @classmethod
    def from_result(cls, result: ImportResult) -> AdvisoryImport:
        return cls(
            imported=result.imported,
            updated=result.updated,
            skipped=result.skipped,
            newly_affected=[ModelVersion.from_record(record) for record in result.newly_affected],
        )
