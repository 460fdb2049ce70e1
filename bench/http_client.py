"""The bench's HTTP client: aiohttp by default, httpx on request (`BENCH_HTTP_CLIENT=httpx`).

The load generator shares the machine with the servers it measures, and its own CPU per request is
part of every latency it reports. Against a trivial uvicorn/Starlette answer (2,000 keep-alive POSTs
of a small GraphQL body, 2026-12-02, load 12-15) httpx cost the client 0.72-0.76 ms of CPU per
request, aiohttp 0.11-0.13 ms, raw asyncio streams 0.04 ms: with httpx the client spent about as much
per request as the API's whole fixed cost, on both systems of a comparison and on the GraphQL side of
the GraphQL/Cypher ratio only. The sessions before 2026-12-02 10:30 UTC measured with httpx;
`BENCH_HTTP_CLIENT=httpx` reproduces them.

Both clients answer the few calls the bench makes (`post(path, json=)`, `get(path, params=)`) with a
status code, the body (`content`, `text`, `json()`); a connection that broke before an answer raises
one of `CONNECTION_ERRORS` (bench.processes.send_with_retries sends again).
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp
import httpx

CLIENT = os.environ.get("BENCH_HTTP_CLIENT", "aiohttp")
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    httpx.RemoteProtocolError,
    httpx.ConnectError,
    httpx.ReadError,
    httpx.WriteError,
    aiohttp.ClientConnectionError,
)


class Answer(Protocol):
    @property
    def status_code(self) -> int: ...
    @property
    def content(self) -> bytes: ...
    @property
    def text(self) -> str: ...
    def json(self) -> Any: ...


class Http(Protocol):
    async def post(self, url: str, *, json: Any = None) -> Answer: ...
    async def get(self, url: str, *, params: Mapping[str, Any] | None = None) -> Answer: ...


@dataclass(frozen=True)
class _Read:
    status_code: int
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)


class _Aiohttp:
    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def post(self, url: str, *, json: Any = None) -> Answer:
        async with self._session.post(url, json=json) as response:
            return _Read(response.status, await response.read())

    async def get(self, url: str, *, params: Mapping[str, Any] | None = None) -> Answer:
        async with self._session.get(url, params=_query(params or {})) as response:
            return _Read(response.status, await response.read())


def _query(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Query parameters as httpx writes them: lists repeated, booleans lower case, None left out."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            if item is not None:
                pairs.append((key, str(item).lower() if isinstance(item, bool) else str(item)))
    return pairs


@asynccontextmanager
async def client(
    base_url: str,
    *,
    connections: int = 64,
    keep_alive: bool = True,
    timeout: float = 120,  # noqa: ASYNC109 - a client setting, not a deadline of this call
) -> AsyncIterator[Http]:
    """A client of `base_url` with up to `connections` at once; `keep_alive=False`: a new one per request."""
    if CLIENT == "httpx":
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections if keep_alive else 0)
        async with httpx.AsyncClient(base_url=base_url, timeout=timeout, limits=limits) as http:
            yield http
        return
    connector = aiohttp.TCPConnector(limit=connections, force_close=not keep_alive)
    async with aiohttp.ClientSession(
        base_url, connector=connector, timeout=aiohttp.ClientTimeout(total=timeout)
    ) as session:
        yield _Aiohttp(session)
