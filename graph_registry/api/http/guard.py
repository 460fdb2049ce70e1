"""The HTTP guard: limits on what one request may send, before GraphQL sees it
(the GraphQL document limits are schema extensions: api/graphql/schema.py).

`HttpGuard`, ASGI middleware: a request id on every request, allocated here (a
caller's X-Request-Id is kept beside it as the client request id, so no caller
can give its audit entry another request's id); on
/graphql a body size limit, a bound on the time the body takes to arrive
(uvicorn has none: a slowloris client would hold its request open forever;
it gets 408 and the connection is closed) and, for POST, a JSON content type (a browser
cannot send that cross-site without a CORS preflight: CSRF); and with
authentication off, answers on loopback addresses only. Artifact uploads
(PUT /artifacts/upload/...) have no size cap here (their signed URL names one)
but a pace: every window of `body_timeout` seconds must bring
`upload_min_rate` bytes a second on average, or 408 and the connection closed.
Everywhere, a request framed both by Content-Length and by Transfer-Encoding
(request smuggling behind a lenient proxy, RFC 9112 6.3) is refused with 400
and its connection closed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import uuid
from collections.abc import Mapping
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

GRAPHQL_PATH = "/graphql"
UPLOAD_PREFIX = "/artifacts/upload/"
REQUEST_ID_KEY = "graph_registry.request_id"
CLIENT_REQUEST_ID_KEY = "graph_registry.client_request_id"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def request_id_of(scope: Mapping[str, Any]) -> str:
    """The id HttpGuard gave the request (generated if it ran without the guard)."""
    value = scope.get(REQUEST_ID_KEY)
    return value if isinstance(value, str) else uuid.uuid4().hex


def client_request_id_of(scope: Mapping[str, Any]) -> str | None:
    """The caller's X-Request-Id, when it had the accepted shape."""
    value = scope.get(CLIENT_REQUEST_ID_KEY)
    return value if isinstance(value, str) else None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def _on_loopback(scope: Scope) -> bool:
    server = scope.get("server")
    if not server:
        return True  # a Unix socket: only this machine can reach it
    try:
        address = ipaddress.ip_address(server[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


class _Answer:
    """The app's `send`, noting whether the response has started (until then a refusal can replace it)."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        self.started = self.started or message["type"] == "http.response.start"
        await self._send(message)


class _TooLarge(Exception):
    pass


class _TooSlow(Exception):
    pass


class _ClientGone(Exception):
    pass


class HttpGuard:
    """ASGI middleware: request ids everywhere; size and content-type rules on /graphql."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        auth: bool,
        body_timeout: float = 30.0,
        upload_min_rate: int = 1024,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout
        self.upload_min_rate = upload_min_rate
        self.auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"x-request-id")
        request_id = uuid.uuid4().hex
        scope[REQUEST_ID_KEY] = request_id
        scope[CLIENT_REQUEST_ID_KEY] = given if given and _REQUEST_ID.fullmatch(given) else None
        if not self.auth and not _on_loopback(scope):
            await _refuse(
                scope, receive, send, 403, "authentication is off: this server answers on loopback only", "FORBIDDEN"
            )
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", request_id.encode())]
            await send(message)

        if _header(scope, b"transfer-encoding") is not None and _header(scope, b"content-length") is not None:
            message = "a request may not carry both Content-Length and Transfer-Encoding"
            await _refuse(scope, receive, send_with_id, 400, message, close=True)
            return
        if scope["path"].startswith(UPLOAD_PREFIX) and scope["method"] == "PUT":
            await self._paced(scope, receive, send_with_id)
            return
        if scope["path"] != GRAPHQL_PATH:
            await self.app(scope, receive, send_with_id)
            return
        if scope["method"] == "POST":
            media_type = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
            if media_type != "application/json":
                await _refuse(scope, receive, send_with_id, 415, "POST /graphql needs Content-Type: application/json")
                return
        length = _header(scope, b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body_bytes):
            await _refuse(scope, receive, send_with_id, 413, f"the request body is over {self.max_body_bytes} bytes")
            return
        await self._limited(scope, receive, send_with_id)

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        received = 0
        answer = _Answer(send)
        body_done = False
        deadline: float | None = None

        async def counting_receive() -> Message:
            nonlocal received, body_done, deadline
            if body_done:
                return await receive()  # e.g. waiting for a disconnect: not bounded
            deadline = deadline or asyncio.get_running_loop().time() + self.body_timeout
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise _TooSlow from None
            if message["type"] == "http.disconnect":
                raise _ClientGone
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                body_done = not message.get("more_body", False)
                if received > self.max_body_bytes:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counting_receive, answer)
        except _TooLarge:
            if answer.started:
                raise
            await _refuse(scope, receive, send, 413, f"the request body is over {self.max_body_bytes} bytes")
        except _TooSlow:
            if answer.started:
                raise
            message = f"the request body did not arrive within {self.body_timeout:g} seconds"
            await _refuse(scope, receive, send, 408, message, close=True)
        except _ClientGone:
            # The client left before its request was whole: nothing ran, no one to answer.
            if answer.started:
                raise

    async def _paced(self, scope: Scope, receive: Receive, send: Send) -> None:
        """An upload, closed with 408 once a window of body_timeout seconds brings too few bytes."""
        loop = asyncio.get_running_loop()
        window = self.body_timeout
        needed = self.upload_min_rate * window
        window_end: float | None = None
        in_window = 0
        body_done = False
        answer = _Answer(send)

        async def paced_receive() -> Message:
            nonlocal window_end, in_window, body_done
            if body_done:
                return await receive()
            window_end = window_end or loop.time() + window
            while True:
                try:
                    async with asyncio.timeout_at(window_end):
                        message = await receive()
                    break
                except TimeoutError:
                    if in_window < needed:
                        raise _TooSlow from None
                    window_end, in_window = window_end + window, 0
            if message["type"] == "http.request":
                in_window += len(message.get("body", b""))
                body_done = not message.get("more_body", False)
                if not body_done and loop.time() >= window_end:
                    if in_window < needed:
                        raise _TooSlow
                    window_end, in_window = loop.time() + window, 0
            return message

        try:
            await self.app(scope, paced_receive, answer)
        except _TooSlow:
            if answer.started:
                raise
            message = f"the upload brought under {self.upload_min_rate} bytes a second for {window:g} seconds"
            await _refuse(scope, receive, send, 408, message, close=True)


async def _refuse(
    scope: Scope,
    receive: Receive,
    send: Send,
    status: int,
    message: str,
    code: str = "INVALID_INPUT",
    *,
    close: bool = False,
) -> None:
    if scope["type"] == "websocket":
        await receive()  # the websocket.connect message
        await send({"type": "websocket.close", "code": 4403, "reason": message})
        return
    body = orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *([(b"connection", b"close")] if close else []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
