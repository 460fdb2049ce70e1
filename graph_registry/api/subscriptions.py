"""Subscriptions: live registry events over graphql-transport-ws (merged into the Subscription root)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry

from graph_registry.api.context import Info
from graph_registry.api.types.events import ModelEvent


@strawberry.type
class EventSubscriptions:
    @strawberry.subscription(
        description="Registry events as they happen, for one model or all (graphql-transport-ws). Events "
        "are read from the graph after commit, so every API worker delivers every change. With since, "
        "events from that moment on are replayed first."
    )
    async def model_events(
        self, info: Info, model: str | None = None, since: datetime | None = None
    ) -> AsyncGenerator[ModelEvent, None]:
        async for event in info.context.services.events.follow(model=model, since=since):
            # Loaders cache per request; a subscription is long, so each event starts afresh.
            info.context.refresh_loaders()
            yield ModelEvent.from_record(event)
