"""Live events through the client: sync and async feeds, and a reconnect that loses nothing."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from datetime import datetime

from graph_registry.client import AsyncRegistry, ModelEvent, Registry
from tests.live_server import LiveServer
from tests.tcp_proxy import TcpProxy

# Guards against a hang, not a timing assertion.
PATIENCE = 60.0


def model_created_at(registry: Registry, name: str) -> datetime:
    """Create a model (no event yet): its creation time comes before all of its events."""
    data = registry.execute("mutation($n: String!) { createModel(name: $n) { createdAt } }", {"n": name})
    return datetime.fromisoformat(data["createModel"]["createdAt"])


def test_sync_feed_follows_one_model(registry: Registry, model_name: str) -> None:
    since = model_created_at(registry, model_name)
    registry.register_model(model_name, requirements=None, commit=None)
    registry.set_alias(f"{model_name}:1", "champion")
    registry.promote(f"{model_name}:1", "staging")
    events = list(itertools.islice(registry.events(model_name, since=since), 3))
    assert [(e.type, e.model, e.version, e.seq, e.detail) for e in events] == [
        ("VERSION_CREATED", model_name, 1, 1, None),
        ("ALIAS_SET", model_name, 1, 2, "champion"),
        ("STAGE_CHANGED", model_name, 1, 3, "NONE -> STAGING"),
    ]


async def test_async_feed_reconnects_without_losing_or_repeating_events(
    api: LiveServer, registry: Registry, model_name: str
) -> None:
    since = model_created_at(registry, model_name)
    proxy = TcpProxy("127.0.0.1", int(api.url.rsplit(":", 1)[1]))
    await proxy.start()
    received: asyncio.Queue[ModelEvent] = asyncio.Queue()

    async def consume() -> None:
        async with AsyncRegistry(f"http://127.0.0.1:{proxy.port}") as client:
            async for event in client.events(model_name, since=since):
                await received.put(event)

    consumer = asyncio.create_task(consume())
    try:
        await asyncio.to_thread(registry.register_model, model_name, requirements=None, commit=None)
        first = await asyncio.wait_for(received.get(), PATIENCE)

        await proxy.cut()
        for _ in range(2):
            await asyncio.to_thread(registry.register_model, model_name, requirements=None, commit=None)
        await proxy.start()
        rest = [await asyncio.wait_for(received.get(), PATIENCE) for _ in range(2)]

        await asyncio.to_thread(registry.set_alias, f"{model_name}:3", "canary")
        last = await asyncio.wait_for(received.get(), PATIENCE)
    finally:
        consumer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await consumer
        await proxy.cut()

    events = [first, *rest, last]
    assert [(e.type, e.version, e.seq) for e in events] == [
        ("VERSION_CREATED", 1, 1),
        ("VERSION_CREATED", 2, 2),
        ("VERSION_CREATED", 3, 3),
        ("ALIAS_SET", 3, 4),
    ]
    assert received.empty()
