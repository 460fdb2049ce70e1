"""A served worker's startup heap is out of the garbage collector's sight while it serves.

`serve` runs `serving_app` in each worker: what the worker built at startup (schema, driver, modules)
lives as long as the worker, and a full collection walking all of it stalled every request in flight
(~70 ms, bench/RESULTS.md session 6). It is frozen for the app's lifetime and unfrozen when it stops.
"""

from __future__ import annotations

import gc

from graph_registry.api.app import create_app
from graph_registry.settings import Settings


def _collector_sees(target: object) -> bool:
    return any(tracked is target for tracked in gc.get_objects())


async def test_the_startup_heap_is_frozen_while_the_app_serves_and_released_after(neo4j_settings: Settings) -> None:
    app = create_app(neo4j_settings, freeze_startup_heap=True)
    assert _collector_sees(app)
    async with app.router.lifespan_context(app):
        assert gc.get_freeze_count() > 0
        assert not _collector_sees(app)
        assert not _collector_sees(app.state.runtime)  # built by the lifespan, before the freeze
    assert gc.get_freeze_count() == 0
    assert _collector_sees(app)


async def test_an_app_built_without_the_option_leaves_the_collector_alone(neo4j_settings: Settings) -> None:
    app = create_app(neo4j_settings)
    async with app.router.lifespan_context(app):
        assert gc.get_freeze_count() == 0
        assert _collector_sees(app)
