"""How uvicorn serves the app: one set of options for `graph-registry serve` and the tests.

uvicorn bounds idle keep-alive connections but not the time a client takes to
send a request's headers: a client trickling a header byte now and then held
its connection (and a slot of the server) for as long as it liked. The
protocol below closes a connection whose request line and headers are not
whole `header_timeout` seconds after its first byte (or after it opened).
Bodies are bounded by HttpGuard (api/http/guard.py).

uvicorn writes a response's status line and headers, then its body, as two socket writes: on
loopback each wakes the client, and the first one woke it for nothing (the answer is not whole
yet). Writes made in one turn of the event loop go out as one (`CoalescedWrites`): a response
whose body follows its headers at once (every JSON answer) is one send; a streamed one still
leaves as it is produced, a turn of the loop later at most.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import h11
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from graph_registry.settings import Settings

# Request line plus headers (h11 refuses more with 400; httptools would read headers without bound).
MAX_HEADER_BYTES = 64 * 1024


class CoalescedWrites:
    """A transport whose writes within one turn of the event loop reach the socket as one write."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(bytes(data))

    def flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    @property
    def transport(self) -> asyncio.Transport:
        """The socket's own transport, with nothing left pending before it."""
        self.flush()
        return self._transport

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(len(data) for data in self._pending)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        # Anything else (reading, addresses, aborting) acts on the socket, after what is pending.
        return getattr(self.transport, name)


class HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol, with a deadline on each request's headers."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        header_timeout: float,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.header_timeout = header_timeout
        self.header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # Reading (flow control, peer addresses) stays on the real transport; the responses' writes go
        # through the coalescing one (every RequestResponseCycle is handed self.transport).
        self.transport = CoalescedWrites(transport, self.loop)  # type: ignore[assignment]
        self._await_headers()

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        # The WebSocket protocol takes the socket over: it gets the socket's own transport.
        if isinstance(self.transport, CoalescedWrites):
            self.transport = self.transport.transport
        super().handle_websocket_upgrade(event)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self._await_headers()  # a request has begun (or a pipelined one waits): its headers are due
        else:
            self._headers_arrived()

    def connection_lost(self, exc: Exception | None) -> None:
        self._headers_arrived()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        # Between requests the keep-alive timeout applies; the next request's deadline starts with its
        # first byte (data_received).
        self._headers_arrived()
        super().on_response_complete()

    def _await_headers(self) -> None:
        if self.header_deadline is None:
            self.header_deadline = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _headers_arrived(self) -> None:
        if self.header_deadline is not None:
            self.header_deadline.cancel()
            self.header_deadline = None

    def _headers_too_slow(self) -> None:
        self.header_deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.logger.info("closing a connection whose request headers took over %gs", self.header_timeout)
            self.transport.close()


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for uvicorn.run / uvicorn.Config beside the app, host and port."""
    return {
        # h11 (with the header deadline above), not httptools: only h11 enforces a header size limit.
        "http": functools.partial(HeaderTimeoutProtocol, header_timeout=settings.header_timeout),
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
        "timeout_keep_alive": 5,
        "ws_max_size": settings.max_body_bytes,
    }
