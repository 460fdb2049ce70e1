"""The HTTP guard: one ASGI middleware for what every request passes before the app (the GraphQL
document limits are schema extensions: api/graphql/schema.py).

`HttpGuard` does, with one wrapper around `send`: a request id on every request, allocated here (a
caller's X-Request-Id is kept beside it as the client request id, so no caller can give its audit
entry another request's id); the security headers (api/http/headers.py) and, when configured, the
CORS headers and preflight answers (api/http/cors.py) on every response; the duration of every
HTTP request but GraphQL's (api/http/metrics.py; GraphQL operations are timed per operation); on
/graphql a body size limit, a bound on the time the body takes to arrive (uvicorn has none: a
slowloris client would hold its request open forever; it gets 408 and the connection is closed)
and, for POST, a JSON content type (a browser cannot send that cross-site without a CORS
preflight: CSRF); and with authentication off, answers on loopback addresses only. Artifact
uploads (PUT /artifacts/upload/...) have no size cap here (their signed URL names one) but a pace:
every window of `body_timeout` seconds must bring `upload_min_rate` bytes a second on average, or
408 and the connection closed. Everywhere, a request framed both by Content-Length and by
Transfer-Encoding (request smuggling behind a lenient proxy, RFC 9112 6.3) is refused with 400 and
its connection closed. The Host allow-list runs before it (api/http/hosts.py).

One guard instead of a chain of middlewares each wrapping `send` (headers, CORS, metrics, ids):
every response passed through five wrappers, a fixed cost on every answer (bench/RESULTS.md).
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import time
import uuid
from collections.abc import Mapping
from typing import Any

import orjson
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph_registry import metrics
from graph_registry.api.http.headers import secure
from graph_registry.api.http.metrics import endpoint_label

GRAPHQL_PATH = "/graphql"
UPLOAD_PREFIX = "/artifacts/upload/"
REQUEST_ID_KEY = "graph_registry.request_id"
CLIENT_REQUEST_ID_KEY = "graph_registry.client_request_id"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_LOOPBACK_ONLY = "authentication is off: this server answers on loopback only"


def request_id_of(scope: Mapping[str, Any]) -> str:
    """The id HttpGuard gave the request (generated if it ran without the guard)."""
    value = scope.get(REQUEST_ID_KEY)
    return value if isinstance(value, str) else uuid.uuid4().hex


def client_request_id_of(scope: Mapping[str, Any]) -> str | None:
    """The caller's X-Request-Id, when it had the accepted shape."""
    value = scope.get(CLIENT_REQUEST_ID_KEY)
    return value if isinstance(value, str) else None


def scope_header(scope: Scope, name: bytes) -> str | None:
    """The first value of a request header (`name` in lower case), as text."""
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
    """The app's `send` for one HTTP request: the guard's headers on the response's start, its status
    noted (for the metrics; until it has started, a refusal can replace the response)."""

    __slots__ = ("_cors", "_request_headers", "_send", "request_id", "started", "status")

    def __init__(self, send: Send, cors: CORSMiddleware | None, request_headers: Headers | None) -> None:
        self._send = send
        self._cors = cors
        self._request_headers = request_headers
        self.request_id: bytes | None = None  # set once the request has one (not on a loopback refusal)
        self.started = False
        self.status = 500

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
            self.status = message["status"]
            headers = list(message.get("headers", ()))
            if self.request_id is not None:
                headers.append((b"x-request-id", self.request_id))
            secure(headers)
            message["headers"] = headers
            if self._cors is not None and self._request_headers is not None:
                await self._cors.send(message, self._send, self._request_headers)
                return
        await self._send(message)


class _TooLarge(Exception):
    pass


class _TooSlow(Exception):
    pass


class _ClientGone(Exception):
    pass


class HttpGuard:
    """ASGI middleware: request ids, security and CORS headers, endpoint timing everywhere; size and
    content-type rules on /graphql; the pace of uploads."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        auth: bool,
        body_timeout: float = 30.0,
        upload_min_rate: int = 1024,
        cors: CORSMiddleware | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout
        self.upload_min_rate = upload_min_rate
        self.auth = auth
        # Starlette's CORS rules (api/http/cors.py), applied here rather than as a middleware of their own.
        self.cors = cors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            if self._identify(scope):
                await self.app(scope, receive, send)
            else:
                await _refuse(scope, receive, send, 403, _LOOPBACK_ONLY, "FORBIDDEN")
        else:
            await self.app(scope, receive, send)

    def _identify(self, scope: Scope) -> bool:
        """Gives the request its ids; whether it may go on (with auth off, only from loopback)."""
        given = scope_header(scope, b"x-request-id")
        scope[REQUEST_ID_KEY] = uuid.uuid4().hex
        scope[CLIENT_REQUEST_ID_KEY] = given if given and _REQUEST_ID.fullmatch(given) else None
        return self.auth or _on_loopback(scope)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_headers = None
        if self.cors is not None:
            request_headers = Headers(scope=scope)
            if (
                scope["method"] == "OPTIONS"
                and "origin" in request_headers
                and "access-control-request-method" in request_headers
            ):
                await self.cors.preflight_response(request_headers)(scope, receive, _Answer(send, None, None))
                return
        answer = _Answer(send, self.cors, request_headers)
        path = scope["path"]
        if path == GRAPHQL_PATH:
            await self._guarded(scope, receive, answer)
            return
        began = time.perf_counter()
        try:
            await self._guarded(scope, receive, answer)
        finally:
            label = endpoint_label(path, answer.status)
            metrics.REQUEST_DURATION.labels("http", label, scope["method"]).observe(time.perf_counter() - began)

    async def _guarded(self, scope: Scope, receive: Receive, answer: _Answer) -> None:
        if not self._identify(scope):
            await _refuse(scope, receive, answer, 403, _LOOPBACK_ONLY, "FORBIDDEN")
            return
        answer.request_id = scope[REQUEST_ID_KEY].encode()
        if scope_header(scope, b"transfer-encoding") is not None and scope_header(scope, b"content-length") is not None:
            message = "a request may not carry both Content-Length and Transfer-Encoding"
            await _refuse(scope, receive, answer, 400, message, close=True)
            return
        if scope["path"].startswith(UPLOAD_PREFIX) and scope["method"] == "PUT":
            await self._paced(scope, receive, answer)
            return
        if scope["path"] != GRAPHQL_PATH:
            await self.app(scope, receive, answer)
            return
        if scope["method"] == "POST":
            media_type = (scope_header(scope, b"content-type") or "").split(";")[0].strip().lower()
            if media_type != "application/json":
                await _refuse(scope, receive, answer, 415, "POST /graphql needs Content-Type: application/json")
                return
        length = scope_header(scope, b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body_bytes):
            await _refuse(scope, receive, answer, 413, f"the request body is over {self.max_body_bytes} bytes")
            return
        await self._limited(scope, receive, answer)

    async def _limited(self, scope: Scope, receive: Receive, answer: _Answer) -> None:
        received = 0
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
            await _refuse(scope, receive, answer, 413, f"the request body is over {self.max_body_bytes} bytes")
        except _TooSlow:
            if answer.started:
                raise
            message = f"the request body did not arrive within {self.body_timeout:g} seconds"
            await _refuse(scope, receive, answer, 408, message, close=True)
        except _ClientGone:
            # The client left before its request was whole: nothing ran, no one to answer.
            if answer.started:
                raise

    async def _paced(self, scope: Scope, receive: Receive, answer: _Answer) -> None:
        """An upload, closed with 408 once a window of body_timeout seconds brings too few bytes."""
        loop = asyncio.get_running_loop()
        window = self.body_timeout
        needed = self.upload_min_rate * window
        window_end: float | None = None
        in_window = 0
        body_done = False

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
            await _refuse(scope, receive, answer, 408, message, close=True)


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
