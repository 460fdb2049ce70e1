"""Model cards: written sections, and the whole card as Markdown in the Hugging Face layout."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph_registry.api.graphql.context import Info
from graph_registry.domain.cards import CardFacts, CardSections, render_markdown
from graph_registry.domain.records import VersionRecord


@strawberry.type
class ModelCard:
    version_record: strawberry.Private[VersionRecord]
    sections: strawberry.Private[CardSections]
    summary: str | None
    intended_use: str | None
    limitations: str | None
    ethical_considerations: str | None
    evaluation: str | None
    license: str | None = strawberry.field(description="SPDX id, e.g. apache-2.0.")
    updated_by: str | None
    updated_at: datetime | None

    @classmethod
    def of(cls, record: VersionRecord, sections: CardSections) -> ModelCard:
        return cls(
            version_record=record,
            sections=sections,
            summary=sections.get("summary"),
            intended_use=sections.get("intendedUse"),
            limitations=sections.get("limitations"),
            ethical_considerations=sections.get("ethicalConsiderations"),
            evaluation=sections.get("evaluation"),
            license=sections.get("license"),
            updated_by=sections.updated_by,
            updated_at=sections.updated_at,
        )

    @strawberry.field(
        description="The card as Markdown with YAML front matter in the Hugging Face model card layout: the "
        "sections above, plus metrics, training datasets, base model, packages and commit filled in from the "
        "lineage graph."
    )
    async def markdown(self, info: Info) -> str:
        return render_markdown(self.sections, await card_facts(info, self.version_record))


async def card_facts(info: Info, record: VersionRecord) -> CardFacts:
    provenance = await info.context.loaders.provenance.load(record.key)
    aliases = await info.context.loaders.version_aliases.load(record.key)
    return CardFacts(
        version=record,
        aliases=aliases,
        datasets=[item.dataset_version for item in provenance.inputs],
        base_model=provenance.base_model,
        packages=provenance.packages,
        commit=provenance.commit,
    )


@strawberry.input(description="Null leaves a section as it is; an empty string clears it.")
class ModelCardInput:
    summary: str | None = None
    intended_use: str | None = None
    limitations: str | None = None
    ethical_considerations: str | None = None
    evaluation: str | None = None
    license: str | None = None

    def values(self) -> dict[str, str | None]:
        return {
            "summary": self.summary,
            "intendedUse": self.intended_use,
            "limitations": self.limitations,
            "ethicalConsiderations": self.ethical_considerations,
            "evaluation": self.evaluation,
            "license": self.license,
        }
