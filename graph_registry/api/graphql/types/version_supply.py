"""Supply-chain fields of ModelVersion: vulnerabilities, bill of materials, model card."""

from __future__ import annotations

from strawberry.scalars import JSON

from graph_registry.api.graphql.context import Info
from graph_registry.api.graphql.types.advisories import Vulnerability
from graph_registry.api.graphql.types.cards import ModelCard, card_facts
from graph_registry.domain.records import VersionRecord
from graph_registry.domain.sbom import document
from graph_registry.domain.severity import Severity

VersionKey = tuple[str, int]


async def vulnerabilities(info: Info, key: VersionKey, minimum: Severity | None) -> list[Vulnerability]:
    hits = await info.context.loaders.vulnerabilities.load((key[0], key[1], minimum))
    return [Vulnerability.from_record(hit) for hit in hits]


async def card(info: Info, record: VersionRecord) -> ModelCard:
    return ModelCard.of(record, await info.context.loaders.cards.load(record.key))


async def sbom(info: Info, record: VersionRecord) -> JSON:
    facts = await card_facts(info, record)
    sections = await info.context.loaders.cards.load(record.key)
    hits = await info.context.loaders.vulnerabilities.load((record.model, record.version, None))
    bom = JSON(document(facts, sections, [(hit.package, hit.advisory) for hit in hits]))
    return bom
