"""Live registry events over graphql-transport-ws, for deployment tooling and `graph-registry watch`.

The feed survives dropped connections: it reconnects and asks the server to
replay from the time of the last event it saw (`since`), skipping events it
already delivered (each model's events are numbered by `seq`), so nothing is
lost or repeated across reconnects.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from websockets.asyncio.client import connect as connect_async
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from graph_registry.client import operations as ops
from graph_registry.client.errors import (
    ForbiddenError,
    InvalidInputError,
    RegistryClientError,
    TransportError,
    UnauthenticatedError,
    from_graphql,
)
from graph_registry.client.transport import endpoint, headers
from graph_registry.client.types import ModelEvent

PROTOCOL = Subprotocol("graphql-transport-ws")
# Close codes of graphql-transport-ws that retrying cannot fix.
FATAL_CLOSE = {4400: InvalidInputError, 4401: UnauthenticatedError, 4403: ForbiddenError}
MAX_BACKOFF = 30.0
# A change's time is its transaction's start, which may precede its commit: resume a little earlier.
RESUME_MARGIN = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class Limits:
    """When a feed ends on its own: after `stop_after` events, or once its `deadline` (monotonic) passed."""

    deadline: float | None = None
    stop_after: int | None = None

    @classmethod
    def of(cls, *, timeout: float | None = None, stop_after: int | None = None) -> Limits:
        if timeout is not None and timeout < 0:
            raise ValueError("timeout must be zero or more seconds")
        if stop_after is not None and stop_after < 1:
            raise ValueError("stop_after must be at least 1 event")
        return cls(None if timeout is None else time.monotonic() + timeout, stop_after)

    def remaining(self) -> float | None:
        """Seconds left before the deadline (None: no deadline)."""
        return None if self.deadline is None else max(0.0, self.deadline - time.monotonic())

    def reached(self, delivered: int) -> bool:
        return (self.stop_after is not None and delivered >= self.stop_after) or self.remaining() == 0.0


FOREVER = Limits()


def ws_url(url: str | None) -> str:
    http = endpoint(url)
    return "ws" + http.removeprefix("http")


class Feed:
    """The protocol state of one subscription, without I/O: messages in, events out."""

    def __init__(self, model: str | None, since: datetime | None, token: str | None) -> None:
        self.model = model
        self.since = since.astimezone(UTC) if since else None
        self.token = token
        self.seen: dict[str, int] = {}
        self.origin = self.since

    def connected(self) -> None:
        """From the first connection on, a reconnect replays what it may have missed."""
        if self.origin is None:
            self.origin = self.since = datetime.now(UTC)

    def init_message(self) -> str:
        auth = headers(self.token)
        return json.dumps({"type": "connection_init", "payload": auth})

    def subscribe_message(self) -> str:
        variables = {"model": self.model, "since": self.since.isoformat() if self.since else None}
        return json.dumps(
            {"id": "1", "type": "subscribe", "payload": {"query": ops.MODEL_EVENTS, "variables": variables}}
        )

    def receive(self, raw: str | bytes) -> tuple[str, ModelEvent | None]:
        """(what to do, the event if any): 'event', 'skip', 'ack', 'pong' (answer a ping) or 'done'."""
        message: dict[str, Any] = json.loads(raw)
        kind = message.get("type")
        if kind == "connection_ack":
            return "ack", None
        if kind == "ping":
            return "pong", None
        if kind == "complete":
            return "done", None
        if kind == "error":
            raise from_graphql(message["payload"][0])
        if kind != "next":
            return "skip", None
        payload = message["payload"]
        if payload.get("errors"):
            raise from_graphql(payload["errors"][0])
        event = ModelEvent.from_json(payload["data"]["modelEvents"])
        if event.seq <= self.seen.get(event.model, 0):
            return "skip", None  # replayed after a reconnect
        self.seen[event.model] = event.seq
        # Resume about here after a reconnect; the seq check drops what is replayed twice.
        assert self.origin is not None
        self.since = max(self.origin, event.at - RESUME_MARGIN)
        return "event", event


def _closed_error(error: ConnectionClosed) -> RegistryClientError | None:
    code = error.rcvd.code if error.rcvd else None
    kind = FATAL_CLOSE.get(code or 0)
    return kind(error.rcvd.reason or "the registry closed the subscription") if kind and error.rcvd else None


def follow(
    url: str | None = None,
    token: str | None = None,
    *,
    model: str | None = None,
    since: datetime | None = None,
    reconnect: bool = True,
    limits: Limits = FOREVER,
) -> Iterator[ModelEvent]:
    """Events as they happen, until the server completes the subscription or `limits` end the feed."""
    feed = Feed(model, since, token)
    backoff = 0.5
    delivered = 0
    while not limits.reached(delivered):
        try:
            with connect(
                ws_url(url), subprotocols=[PROTOCOL], additional_headers=headers(token), open_timeout=30
            ) as socket:
                socket.send(feed.init_message())
                socket.send(feed.subscribe_message())
                feed.connected()
                while not limits.reached(delivered):
                    try:
                        raw = socket.recv(timeout=limits.remaining())
                    except TimeoutError:
                        return
                    action, event = feed.receive(raw)
                    if action == "pong":
                        socket.send(json.dumps({"type": "pong"}))
                    elif action == "done":
                        return
                    elif event is not None:
                        backoff = 0.5
                        delivered += 1
                        yield event
                return
        except ConnectionClosed as error:
            fatal = _closed_error(error)
            if fatal is not None or not reconnect:
                raise fatal or TransportError(f"the event stream closed: {error}") from error
        except (OSError, InvalidHandshake, TimeoutError) as error:
            if not reconnect or (isinstance(error, InvalidStatus) and error.response.status_code in (401, 403)):
                raise TransportError(f"could not subscribe at {ws_url(url)}: {error}") from error
        left = limits.remaining()
        time.sleep(backoff if left is None else min(backoff, left))
        backoff = min(backoff * 2, MAX_BACKOFF)


async def follow_async(
    url: str | None = None,
    token: str | None = None,
    *,
    model: str | None = None,
    since: datetime | None = None,
    reconnect: bool = True,
    limits: Limits = FOREVER,
) -> AsyncIterator[ModelEvent]:
    """`follow` for asyncio code."""
    feed = Feed(model, since, token)
    backoff = 0.5
    delivered = 0
    while not limits.reached(delivered):
        try:
            async with connect_async(
                ws_url(url), subprotocols=[PROTOCOL], additional_headers=headers(token), open_timeout=30
            ) as socket:
                await socket.send(feed.init_message())
                await socket.send(feed.subscribe_message())
                feed.connected()
                while not limits.reached(delivered):
                    try:
                        raw = await asyncio.wait_for(socket.recv(), limits.remaining())
                    except TimeoutError:
                        return
                    action, event = feed.receive(raw)
                    if action == "pong":
                        await socket.send(json.dumps({"type": "pong"}))
                    elif action == "done":
                        return
                    elif event is not None:
                        backoff = 0.5
                        delivered += 1
                        yield event
                return
        except ConnectionClosed as error:
            fatal = _closed_error(error)
            if fatal is not None or not reconnect:
                raise fatal or TransportError(f"the event stream closed: {error}") from error
        except (OSError, InvalidHandshake, TimeoutError) as error:
            if not reconnect or (isinstance(error, InvalidStatus) and error.response.status_code in (401, 403)):
                raise TransportError(f"could not subscribe at {ws_url(url)}: {error}") from error
        left = limits.remaining()
        await asyncio.sleep(backoff if left is None else min(backoff, left))
        backoff = min(backoff * 2, MAX_BACKOFF)
