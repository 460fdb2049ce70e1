"""Subscriptions: live registry events over graphql-transport-ws (merged into the Subscription root)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import datetime

import strawberry

from graph_registry import metrics
from graph_registry.api.graphql.context import Context, Info
from graph_registry.api.graphql.types.events import ModelEvent
from graph_registry.services.events import EventRecord


@strawberry.type
class EventSubscriptions:
    @strawberry.subscription(
        description="Registry events as they happen, for one model or all (graphql-transport-ws). Events "
        "are read from the graph after commit, so every API worker delivers every change. With since, "
        "events from that moment on are replayed first. Ends with UNAUTHENTICATED once the connection's "
        "token is revoked or expires."
    )
    async def model_events(
        self, info: Info, model: str | None = None, since: datetime | None = None
    ) -> AsyncGenerator[ModelEvent, None]:
        events = info.context.services.events.follow(model=model, since=since)
        async for event in _while_token_valid(events, info.context):
            # Loaders cache per request; a subscription is long, so each event starts afresh.
            info.context.refresh_loaders()
            metrics.EVENTS.inc()
            yield ModelEvent.from_record(event)


async def _while_token_valid(events: AsyncIterator[EventRecord], context: Context) -> AsyncIterator[EventRecord]:
    """The events, re-checking the connection's token at least every `token_recheck_seconds`.

    The token was checked when the connection opened; without this a revoked token would keep
    receiving events for as long as its socket stays open. The check also runs while no event
    comes, so an idle subscription ends too.
    """
    principal = context.principal
    tokens = context.services.tokens
    interval = context.services.settings.token_recheck_seconds
    checked = time.monotonic()
    pending: asyncio.Future[EventRecord] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(anext(events))
            await asyncio.wait({pending}, timeout=max(0.0, checked + interval - time.monotonic()))
            if principal is not None and time.monotonic() - checked >= interval:
                await tokens.recheck(principal)
                checked = time.monotonic()
            if not pending.done():
                continue
            arrived, pending = pending, None
            try:
                event = arrived.result()
            except StopAsyncIteration:
                return
            yield event
    finally:
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await pending
        if isinstance(events, AsyncGenerator):
            await events.aclose()
