"""Send GraphQL over HTTP and read the answer the way a client would."""

from __future__ import annotations

from typing import Any

import httpx


async def execute(client: httpx.AsyncClient, query: str, /, **variables: Any) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def data(client: httpx.AsyncClient, query: str, /, **variables: Any) -> dict[str, Any]:
    """The `data` of a request that must succeed."""
    body = await execute(client, query, **variables)
    assert not body.get("errors"), body["errors"]
    result: dict[str, Any] = body["data"]
    return result


async def error_code(client: httpx.AsyncClient, query: str, /, **variables: Any) -> str:
    """The `extensions.code` of a request that must fail."""
    body = await execute(client, query, **variables)
    assert body.get("errors"), f"expected an error, got {body}"
    code: str = body["errors"][0]["extensions"]["code"]
    return code
