"""How GraphQL travels: WebSocket messages as text frames, responses in the media type asked for.

graphql-transport-ws messages are JSON text (the protocol says so, and browser clients such as
graphql-ws, Apollo and urql, and Python's gql, read text frames only); Strawberry sends bytes as
binary frames, so the adapter decodes orjson's output first.

Responses follow the GraphQL-over-HTTP spec: a client that accepts
`application/graphql-response+json` gets that media type, and then a request that failed before
execution (a syntax or validation error: no error has a path) is answered without `data` and with
status 400, as the spec asks; everyone else gets `application/json` with status 200 as before.
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson
from starlette.datastructures import Headers
from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.types import ExecutionResult

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"


class TextFrameWebSocketAdapter(ASGIWebSocketAdapter):
    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


def _accepted(accept: str) -> dict[str, float]:
    """The media types of an Accept header with their q-values."""
    weights: dict[str, float] = {}
    for part in accept.split(","):
        media_type, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media_type:
            weights[media_type.lower()] = max(quality, weights.get(media_type.lower(), 0.0))
    return weights


def response_media_type(headers: Headers) -> str:
    """`application/graphql-response+json` when the client prefers it (or accepts it and not JSON)."""
    weights = _accepted(headers.get("accept", ""))
    preferred = weights.get(GRAPHQL_RESPONSE, 0.0)
    return GRAPHQL_RESPONSE if preferred > 0 and preferred >= weights.get(JSON, 0.0) else JSON


def failed_before_execution(result: ExecutionResult) -> bool:
    """No data and only errors without a path: the document never ran (syntax, validation, limits)."""
    return result.data is None and bool(result.errors) and all(error.path is None for error in result.errors or ())
