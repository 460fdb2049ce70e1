"""`advisory`, `vulnerableModels` and `importAdvisories` (merged into the roots in schema.py)."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from graph_registry.api.graphql.context import Info
from graph_registry.api.graphql.types.advisories import Advisory, AdvisoryImport, VulnerableModel
from graph_registry.api.graphql.types.common import Stage
from graph_registry.domain.severity import Severity


@strawberry.type
class AdvisoryQueries:
    @strawberry.field
    async def advisory(self, info: Info, osv_id: str) -> Advisory | None:
        return Advisory.maybe(await info.context.services.advisories.get(osv_id))

    @strawberry.field(
        description="Model versions (filtered by stage and/or alias) whose declared packages an imported advisory "
        "affects."
    )
    async def vulnerable_models(
        self, info: Info, stage: Stage | None = None, alias: str | None = None, min_severity: Severity | None = None
    ) -> list[VulnerableModel]:
        found = await info.context.services.advisories.vulnerable_versions(
            stage=stage, alias=alias, minimum=min_severity
        )
        return [VulnerableModel.from_record(record) for record in found]


@strawberry.type
class AdvisoryMutations:
    @strawberry.mutation(description="Admin. osv: one OSV record or a list of them. Non-PyPI records are skipped.")
    async def import_advisories(self, info: Info, osv: JSON) -> AdvisoryImport:
        result = await info.context.services.advisories.import_records(
            osv, actor=info.context.actor, audit=info.context.audit
        )
        return AdvisoryImport.from_result(result)
