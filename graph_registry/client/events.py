"""Live registry events over graphql-transport-ws, for deployment tooling and `graph-registry watch`.

The feed survives dropped connections: it reconnects and asks the server to
replay from the time of the last event it saw (`since`), skipping events it
already delivered (each model's events are numbered by `seq`), so nothing is
lost or repeated across reconnects.

One core follows the feed (`following`: the protocol, the cursor, reconnects with
backoff, the timeout and `stop_after`) without doing any I/O: it yields the steps
to take (open, send, receive, sleep, deliver) and is told what came of each. The
sync (`follow`) and async (`follow_async`) front ends only carry the steps out.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Generator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from websockets.asyncio.client import ClientConnection as AsyncConnection
from websockets.asyncio.client import connect as connect_async
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.sync.client import ClientConnection, connect
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
FIRST_BACKOFF = 0.5
MAX_BACKOFF = 30.0
PONG = json.dumps({"type": "pong"})
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


@dataclass(frozen=True, slots=True)
class Open:
    """Open a new connection (closing the previous one, if any)."""


@dataclass(frozen=True, slots=True)
class Send:
    text: str


@dataclass(frozen=True, slots=True)
class Receive:
    """Receive one message within `timeout` seconds (None: no limit); TimeoutError otherwise."""

    timeout: float | None


@dataclass(frozen=True, slots=True)
class Sleep:
    seconds: float


@dataclass(frozen=True, slots=True)
class Deliver:
    event: ModelEvent


Step = Open | Send | Receive | Sleep | Deliver
# What the core is sent back: the message a Receive got, None after any other step. A step that
# failed is thrown into it instead (and the front end closes the connection).
Steps = Generator[Step, str | bytes | None, None]


def following(feed: Feed, limits: Limits, *, reconnect: bool, where: str) -> Steps:
    """The steps of following `feed` until the server completes it or `limits` end it; raises what
    retrying cannot fix (and, without `reconnect`, any failure of the connection)."""
    backoff = FIRST_BACKOFF
    delivered = 0
    while not limits.reached(delivered):
        try:
            yield Open()
            yield Send(feed.init_message())
            yield Send(feed.subscribe_message())
            feed.connected()
            while not limits.reached(delivered):
                try:
                    raw = yield Receive(limits.remaining())
                except TimeoutError:
                    return
                assert raw is not None, "a Receive is answered with the message"
                action, event = feed.receive(raw)
                if action == "pong":
                    yield Send(PONG)
                elif action == "done":
                    return
                elif event is not None:
                    backoff = FIRST_BACKOFF
                    delivered += 1
                    yield Deliver(event)
            return
        except ConnectionClosed as error:
            fatal = _closed_error(error)
            if fatal is not None or not reconnect:
                raise fatal or TransportError(f"the event stream closed: {error}") from error
        except (OSError, InvalidHandshake, TimeoutError) as error:
            if not reconnect or (isinstance(error, InvalidStatus) and error.response.status_code in (401, 403)):
                raise TransportError(f"could not subscribe at {where}: {error}") from error
        left = limits.remaining()
        yield Sleep(backoff if left is None else min(backoff, left))
        backoff = min(backoff * 2, MAX_BACKOFF)


class Core:
    """`following` driven step by step: `step()` is the next step (None once the feed has ended), after
    `answer` (what the last step got) or `fail` (how it failed)."""

    def __init__(self, feed: Feed, limits: Limits, *, reconnect: bool, where: str) -> None:
        self._steps = following(feed, limits, reconnect=reconnect, where=where)
        self._answer: str | bytes | None = None
        self._failure: Exception | None = None

    def step(self) -> Step | None:
        answer, failure = self._answer, self._failure
        self._answer = self._failure = None
        try:
            return self._steps.throw(failure) if failure is not None else self._steps.send(answer)
        except StopIteration:
            return None

    def answer(self, answer: str | bytes | None) -> None:
        self._answer = answer

    def fail(self, error: Exception) -> None:
        self._failure = error

    def close(self) -> None:
        self._steps.close()


class _Link:
    """The sync front end's connection: carries out the core's I/O steps."""

    def __init__(self, where: str, token: str | None) -> None:
        self._where, self._token = where, token
        self._socket: ClientConnection | None = None
        self._stack = contextlib.ExitStack()

    def carry_out(self, step: Step) -> str | bytes | None:
        if isinstance(step, Open):
            self.close()
            self._socket = self._stack.enter_context(
                connect(self._where, subprotocols=[PROTOCOL], additional_headers=headers(self._token), open_timeout=30)
            )
        elif isinstance(step, Sleep):
            time.sleep(step.seconds)
        elif isinstance(step, Send):
            self._open().send(step.text)
        elif isinstance(step, Receive):
            return self._open().recv(timeout=step.timeout)
        return None

    def _open(self) -> ClientConnection:
        assert self._socket is not None, "the core sends and receives on an open connection only"
        return self._socket

    def close(self) -> None:
        self._socket = None
        self._stack.close()


class _AsyncLink:
    """The async front end's connection: carries out the core's I/O steps."""

    def __init__(self, where: str, token: str | None) -> None:
        self._where, self._token = where, token
        self._socket: AsyncConnection | None = None
        self._stack = contextlib.AsyncExitStack()

    async def carry_out(self, step: Step) -> str | bytes | None:
        if isinstance(step, Open):
            await self.close()
            self._socket = await self._stack.enter_async_context(
                connect_async(
                    self._where, subprotocols=[PROTOCOL], additional_headers=headers(self._token), open_timeout=30
                )
            )
        elif isinstance(step, Sleep):
            await asyncio.sleep(step.seconds)
        elif isinstance(step, Send):
            await self._open().send(step.text)
        elif isinstance(step, Receive):
            return await asyncio.wait_for(self._open().recv(), step.timeout)
        return None

    def _open(self) -> AsyncConnection:
        assert self._socket is not None, "the core sends and receives on an open connection only"
        return self._socket

    async def close(self) -> None:
        self._socket = None
        await self._stack.aclose()


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
    where = ws_url(url)
    core, link = Core(Feed(model, since, token), limits, reconnect=reconnect, where=where), _Link(where, token)
    try:
        while (step := core.step()) is not None:
            if isinstance(step, Deliver):
                yield step.event
                continue
            try:
                core.answer(link.carry_out(step))
            except Exception as error:
                link.close()
                core.fail(error)
    finally:
        core.close()
        link.close()


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
    where = ws_url(url)
    core, link = Core(Feed(model, since, token), limits, reconnect=reconnect, where=where), _AsyncLink(where, token)
    try:
        while (step := core.step()) is not None:
            if isinstance(step, Deliver):
                yield step.event
                continue
            try:
                core.answer(await link.carry_out(step))
            except Exception as error:
                await link.close()
                core.fail(error)
    finally:
        core.close()
        await link.close()
