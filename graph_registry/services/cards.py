"""Model cards: the written sections of each version, updated under the model's lock.

Every update is audited (the API audits every mutation) and leaves a CARD_UPDATED event, so a
card's history is the version's event list. The lineage-derived parts are read from the graph
when the card is shown (domain/cards.py renders it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from graph_registry.domain import validation
from graph_registry.domain.cards import SECTIONS, CardSections, changes
from graph_registry.errors import NotFound
from graph_registry.services.audit import AuditEntry, write_audited
from graph_registry.storage.database import Database, Transaction

VersionKey = tuple[str, int]
_NAMES = {prop: name for name, prop in SECTIONS.items()}


class CardService:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def cards(self, keys: Sequence[VersionKey]) -> dict[VersionKey, CardSections]:
        rows = await self._db.read("get_version_cards", keys=[list(key) for key in keys])
        return {(row["model"], row["version"]): CardSections.from_row(row["card"]) for row in rows}

    async def update_card(
        self, *, model: str, version: int, card: Mapping[str, str | None], actor: str, audit: AuditEntry | None = None
    ) -> CardSections:
        validation.name(model)
        validation.version(version)
        sections = changes(card)
        detail = ", ".join(_NAMES[prop] for prop in sections)

        async def work(tx: Transaction) -> CardSections:
            rows = await tx.run(
                "update_model_card", model=model, version=version, sections=sections, actor=actor, detail=detail
            )
            if not rows:
                raise NotFound(f"model {model!r} has no version {version}", model=model, version=version)
            return CardSections.from_row(rows[0]["card"])

        return await write_audited(self._db, work, audit=audit)


async def missing_card_fields(tx: Transaction, *, model: str, version: int, required: Sequence[str]) -> list[str]:
    """The required card sections (field names) a version leaves empty, read in the caller's transaction.

    For promotion checks: the GRAPH_REGISTRY_REQUIRED_CARD_FIELDS setting, a policy's requiredCardFields.
    """
    rows = await tx.run("get_card_sections_in_tx", model=model, version=version)
    sections = CardSections.from_row(rows[0]["card"]) if rows else CardSections()
    return sections.missing(required)
