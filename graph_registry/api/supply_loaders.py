"""Per-request loaders of the supply-chain fields of model versions (vulnerabilities, cards)."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from graph_registry.domain.cards import CardSections
from graph_registry.domain.severity import Severity
from graph_registry.services.advisories import AdvisoryService, Vulnerability
from graph_registry.services.cards import CardService

VersionKey = tuple[str, int]
# (model, version, minSeverity): the field's argument travels in the key.
VulnerabilityKey = tuple[str, int, Severity | None]


class SupplyLoaders:
    def __init__(self, advisories: AdvisoryService, cards: CardService) -> None:
        async def vulnerabilities(keys: Sequence[VulnerabilityKey]) -> list[list[Vulnerability]]:
            by_minimum: dict[Severity | None, list[VersionKey]] = {}
            for model, version, minimum in keys:
                by_minimum.setdefault(minimum, []).append((model, version))
            found: dict[VulnerabilityKey, list[Vulnerability]] = {}
            for minimum, versions in by_minimum.items():
                for key, hits in (await advisories.vulnerabilities_of(versions, minimum)).items():
                    found[(*key, minimum)] = hits
            return [found.get(key, []) for key in keys]

        self.vulnerabilities: DataLoader[VulnerabilityKey, list[Vulnerability]] = DataLoader(load_fn=vulnerabilities)

        async def load_cards(keys: Sequence[VersionKey]) -> list[CardSections]:
            found = await cards.cards(keys)
            return [found.get(key, CardSections()) for key in keys]

        self.cards: DataLoader[VersionKey, CardSections] = DataLoader(load_fn=load_cards)
