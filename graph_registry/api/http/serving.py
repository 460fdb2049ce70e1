"""How uvicorn serves the app: one set of options for `graph-registry serve` and the tests.

uvicorn bounds idle keep-alive connections but not the time a client takes to
send a request's headers: a client trickling a header byte now and then held
its connection (and a slot of the server) for as long as it liked. The
protocol below closes a connection whose request line and headers are not
whole `header_timeout` seconds after its first byte (or after it opened).
Bodies are bounded by HttpGuard (api/http/guard.py).
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
        self._await_headers()

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
