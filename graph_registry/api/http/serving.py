"""How uvicorn serves the app: one set of options for `graph-registry serve` and the tests.

uvicorn serves HTTP with httptools (llhttp, C): h11, pure Python, cost ~0.4 ms of CPU per request
(issue 18: `{ __typename }` 1.49 -> 1.08 ms of API CPU). httptools has two gaps h11 did not, closed
by the protocol below:

- no deadline on a request's headers: a client trickling a header byte now and then held its
  connection (and a slot of the server) for as long as it liked. A connection whose request line
  and headers are not whole `header_timeout` seconds after its first byte (or after it opened) is
  closed.
- no bound on their size (h11 refused more than `h11_max_incomplete_event_size`): a request line
  plus headers over MAX_HEADER_BYTES is answered 400 and its connection closed, before the app.
  Counted twice: each header as the parser completes it, and the raw bytes of a request whose
  headers are not whole yet (httptools buffers an unterminated header without limit and calls
  back only when it ends).

Bodies are bounded by HttpGuard (api/http/guard.py).
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from graph_registry.settings import Settings

# Request line plus headers; more is refused with 400.
MAX_HEADER_BYTES = 64 * 1024
HEADERS_TOO_LARGE = "Request headers too large."


class HeadersTooLarge(Exception):
    """Raised inside a parser callback: httptools stops parsing and uvicorn answers 400."""


class BoundedHeadersProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with a deadline on each request's headers and a bound on their size."""

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
        self.in_headers = False  # a request has begun and its headers are not whole yet
        self.header_bytes = 0  # of the headers parsed so far
        self.unparsed_bytes = 0  # received while this request's headers are not whole
        self.headers_too_large = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_headers()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.in_headers and not self.transport.is_closing():
            # The whole chunk counts: its part before the request began (a pipelined request's
            # predecessor) makes this an upper bound.
            self.unparsed_bytes += len(data)
            if self.unparsed_bytes > MAX_HEADER_BYTES:
                self.headers_too_large = True
                self.send_400_response(HEADERS_TOO_LARGE)
                return
            self._await_headers()  # a request has begun (or a pipelined one waits): its headers are due

    def connection_lost(self, exc: Exception | None) -> None:
        self._headers_arrived()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        # Between requests the keep-alive timeout applies; the next request's deadline starts with its
        # first byte (data_received). A pipelined request whose headers are still coming keeps its own.
        if not self.in_headers:
            self._headers_arrived()
        super().on_response_complete()

    # Parser callbacks
    def on_message_begin(self) -> None:
        self.in_headers = True
        self.header_bytes = 0
        self.unparsed_bytes = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)  # ": " and CRLF
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        # The headers are whole: cancelled here, as a WebSocket upgrade creates no request cycle and
        # hands the transport to another protocol, which this deadline must never close.
        self.in_headers = False
        self._headers_arrived()
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        super().send_400_response(HEADERS_TOO_LARGE if self.headers_too_large else msg)

    def _count(self, size: int) -> None:
        self.header_bytes += size
        if self.header_bytes > MAX_HEADER_BYTES:
            self.headers_too_large = True
            raise HeadersTooLarge(f"request line and headers over {MAX_HEADER_BYTES} bytes")

    def _await_headers(self) -> None:
        if self.header_deadline is None:
            self.header_deadline = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _headers_arrived(self) -> None:
        if self.header_deadline is not None:
            self.header_deadline.cancel()
            self.header_deadline = None

    def _headers_too_slow(self) -> None:
        self.header_deadline = None
        if (self.in_headers or self.cycle is None) and not self.transport.is_closing():
            self.logger.info("closing a connection whose request headers took over %gs", self.header_timeout)
            self.transport.close()


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for uvicorn.run / uvicorn.Config beside the app, host and port."""
    return {
        # httptools with the header deadline and size bound above.
        "http": functools.partial(BoundedHeadersProtocol, header_timeout=settings.header_timeout),
        "timeout_keep_alive": 5,
        "ws_max_size": settings.max_body_bytes,
    }
