"""GraphQL over HTTP with httpx: errors become typed exceptions, idempotent calls are retried.

A call is retried when the registry says UNAVAILABLE, the gateway answers
502/503/504, or the connection fails, but only if repeating it is harmless:
reads, and writes the server de-duplicates (a `requestId`, a digest, a stage
that is already set). Any call is retried when the connection was refused,
since then nothing was sent.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Mapping
from typing import Any

import httpx

from graph_registry.client.errors import (
    ForbiddenError,
    RegistryClientError,
    TransportError,
    UnauthenticatedError,
    UnavailableError,
    from_graphql,
)

DEFAULT_URL = "http://127.0.0.1:8000"
RETRY_STATUSES = {502, 503, 504}


def endpoint(url: str | None) -> str:
    """The GraphQL endpoint of a registry URL (`GRAPH_REGISTRY_URL`, default the local server)."""
    base = (url or os.environ.get("GRAPH_REGISTRY_URL") or DEFAULT_URL).rstrip("/")
    return base if base.endswith("/graphql") else f"{base}/graphql"


def headers(token: str | None) -> dict[str, str]:
    token = token if token is not None else os.environ.get("GRAPH_REGISTRY_TOKEN")
    return {"Authorization": f"Bearer {token}"} if token else {}


def result(response: httpx.Response) -> dict[str, Any]:
    """The `data` of a GraphQL response, or the exception its first error stands for."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, Mapping) and body.get("errors"):
        raise from_graphql(body["errors"][0])
    if response.status_code == 401:
        raise UnauthenticatedError("the registry needs a valid token (GRAPH_REGISTRY_TOKEN or --token)")
    if response.status_code == 403:
        raise ForbiddenError("the registry refused this token")
    if response.status_code in RETRY_STATUSES:
        raise UnavailableError(f"the registry is unavailable (HTTP {response.status_code}); retry shortly")
    if response.status_code != 200 or not isinstance(body, Mapping) or not isinstance(body.get("data"), Mapping):
        raise TransportError(f"unexpected HTTP {response.status_code} from {response.request.url}")
    data: dict[str, Any] = dict(body["data"])
    return data


def _retryable(error: Exception, *, idempotent: bool) -> bool:
    if isinstance(error, httpx.ConnectError):
        return True
    if not idempotent:
        return False
    return isinstance(error, httpx.TransportError | UnavailableError)


def _wrapped(error: Exception, url: str) -> RegistryClientError:
    if isinstance(error, RegistryClientError):
        return error
    return TransportError(f"could not reach the registry at {url}: {error}")


class Transport:
    """Synchronous GraphQL calls to one registry."""

    def __init__(
        self, url: str | None = None, token: str | None = None, *, timeout: float = 60.0, retries: int = 3
    ) -> None:
        self.url = endpoint(url)
        self.retries = retries
        self.http = httpx.Client(headers=headers(token), timeout=timeout)

    def execute(self, document: str, variables: Mapping[str, Any], *, idempotent: bool) -> dict[str, Any]:
        attempt = 0
        while True:
            try:
                response = self.http.post(self.url, json={"query": document, "variables": dict(variables)})
                return result(response)
            except (httpx.HTTPError, RegistryClientError) as error:
                if attempt >= self.retries or not _retryable(error, idempotent=idempotent):
                    raise _wrapped(error, self.url) from error
            time.sleep(0.5 * 2**attempt)
            attempt += 1

    def close(self) -> None:
        self.http.close()


class AsyncTransport:
    """The same calls for asyncio code."""

    def __init__(
        self, url: str | None = None, token: str | None = None, *, timeout: float = 60.0, retries: int = 3
    ) -> None:
        self.url = endpoint(url)
        self.retries = retries
        self.http = httpx.AsyncClient(headers=headers(token), timeout=timeout)

    async def execute(self, document: str, variables: Mapping[str, Any], *, idempotent: bool) -> dict[str, Any]:
        attempt = 0
        while True:
            try:
                response = await self.http.post(self.url, json={"query": document, "variables": dict(variables)})
                return result(response)
            except (httpx.HTTPError, RegistryClientError) as error:
                if attempt >= self.retries or not _retryable(error, idempotent=idempotent):
                    raise _wrapped(error, self.url) from error
            await asyncio.sleep(0.5 * 2**attempt)
            attempt += 1

    async def close(self) -> None:
        await self.http.aclose()
