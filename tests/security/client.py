"""A GraphQL caller with (or without) a token, reading answers the way a client would."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class Caller:
    http: httpx.AsyncClient
    name: str | None

    async def execute(self, query: str, /, **variables: Any) -> dict[str, Any]:
        response = await self.http.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(self, query: str, /, **variables: Any) -> dict[str, Any]:
        """The `data` of a request that must succeed."""
        body = await self.execute(query, **variables)
        assert not body.get("errors"), body["errors"]
        result: dict[str, Any] = body["data"]
        return result

    async def code(self, query: str, /, **variables: Any) -> str | None:
        """The `extensions.code` of the first error, None when the request succeeded."""
        body = await self.execute(query, **variables)
        if not body.get("errors"):
            return None
        code: str = body["errors"][0]["extensions"]["code"]
        return code
