"""`graph-registry demo`: load the demo lineage graph (idempotent) into the configured Neo4j."""

from __future__ import annotations

import asyncio

from rich.console import Console

from graph_registry import bootstrap
from graph_registry.cli import neo4j
from graph_registry.services import demo as scenario
from graph_registry.settings import Settings

console = Console(stderr=True)


async def _load(settings: Settings) -> scenario.DemoSummary:
    async with bootstrap.opened(settings) as registry:
        return await scenario.load(registry.database, registry.services)


def demo() -> None:
    """Load the demo scenario (fraud-detector and its data); running it again changes nothing."""
    settings = Settings()
    # The local Neo4j is left running: the demo is loaded to be explored next (`graph-registry serve`).
    with neo4j.reachable(settings, stop=False):
        summary = asyncio.run(_load(settings))
    console.print(
        f"demo loaded: {summary.production.model} v{summary.production.version} in PRODUCTION, "
        f"v{summary.staging.version} in STAGING, {summary.fine_tuned.model} fine-tuned from it; "
        f"try impact on {summary.raw.dataset} v{summary.raw.version}"
    )
