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


class Follower:
    """The event-following core of `follow` and `follow_async`, without I/O: what to send on a new
    connection, what to answer a message with, and whether a failure ends the stream or waits and retries."""

    def __init__(self, url: str | None, token: str | None, model: str | None, since: datetime | None, reconnect: bool):
        self.url = ws_url(url)
        self.headers = headers(token)
        self.feed = Feed(model, since, token)
        self.reconnect = reconnect
        self.backoff = 0.5

    def opening(self) -> list[str]:
        """The messages of a new connection, in order; the feed counts it as connected."""
        messages = [self.feed.init_message(), self.feed.subscribe_message()]
        self.feed.connected()
        return messages

    def answer(self, raw: str | bytes) -> tuple[str | None, bool, ModelEvent | None]:
        """(reply to send, whether the stream is done, the event to hand out) for one message."""
        action, event = self.feed.receive(raw)
        if event is not None:
            self.backoff = 0.5
        return (json.dumps({"type": "pong"}) if action == "pong" else None), action == "done", event

    def retry_after(self, error: Exception) -> float:
        """How long to wait before reconnecting; raises when the failure ends the stream."""
        if isinstance(error, ConnectionClosed):
            fatal = _closed_error(error)
            if fatal is not None or not self.reconnect:
                raise fatal or TransportError(f"the event stream closed: {error}") from error
        elif not self.reconnect or (isinstance(error, InvalidStatus) and error.response.status_code in (401, 403)):
            raise TransportError(f"could not subscribe at {self.url}: {error}") from error
        delay, self.backoff = self.backoff, min(self.backoff * 2, MAX_BACKOFF)
        return delay


FAILURES = (ConnectionClosed, OSError, InvalidHandshake, TimeoutError)


def follow(
    url: str | None = None,
    token: str | None = None,
    *,
    model: str | None = None,
    since: datetime | None = None,
    reconnect: bool = True,
) -> Iterator[ModelEvent]:
    """Events as they happen, forever (or until the server completes the subscription)."""
    core = Follower(url, token, model, since, reconnect)
    while True:
        try:
            with connect(core.url, subprotocols=[PROTOCOL], additional_headers=core.headers, open_timeout=30) as socket:
                for message in core.opening():
                    socket.send(message)
                while True:
                    reply, done, event = core.answer(socket.recv())
                    if reply is not None:
                        socket.send(reply)
                    if done:
                        return
                    if event is not None:
                        yield event
        except FAILURES as error:
            delay = core.retry_after(error)
        time.sleep(delay)


async def follow_async(
    url: str | None = None,
    token: str | None = None,
    *,
    model: str | None = None,
    since: datetime | None = None,
    reconnect: bool = True,
) -> AsyncIterator[ModelEvent]:
    """`follow` for asyncio code."""
    core = Follower(url, token, model, since, reconnect)
    while True:
        try:
            async with connect_async(
                core.url, subprotocols=[PROTOCOL], additional_headers=core.headers, open_timeout=30
            ) as socket:
                for message in core.opening():
                    await socket.send(message)
                while True:
                    reply, done, event = core.answer(await socket.recv())
                    if reply is not None:
                        await socket.send(reply)
                    if done:
                        return
                    if event is not None:
                        yield event
        except FAILURES as error:
            delay = core.retry_after(error)
        await asyncio.sleep(delay)
