"""Security headers (issue #21, finding 9): nosniff on every response, a CSP and no framing on HTML pages.

The pages themselves are shown to work under the policy by tests/browser (a CSP violation on the
console fails them).
"""

from __future__ import annotations

import httpx
import pytest

from graph_registry.api.http.web import WEB_DIR, assets_built
from tests.live_server import LiveServer

HTML = {"Accept": "text/html"}


def _policy(response: httpx.Response) -> dict[str, str]:
    directives = (part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";"))
    return {name: value for name, value in directives}


@pytest.mark.parametrize("path", ["/ui", "/ui/models/fraud-detector", "/graphql"])
async def test_html_pages_carry_a_policy_and_refuse_framing(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path, headers=HTML)
    assert response.headers["content-type"].startswith("text/html")
    assert response.status_code == (200 if assets_built(WEB_DIR) else 503)
    policy = _policy(response)
    assert policy["frame-ancestors"] == "'none'"
    assert policy["script-src"] == "'self'"  # no inline or evaluated script
    assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_every_response_says_nosniff(api: LiveServer, client: httpx.AsyncClient) -> None:
    responses = [
        await client.post("/graphql", json={"query": "{ __typename }"}),
        await client.get("/healthz"),
        await client.post("/graphql", content=b"{}", headers={"Content-Type": "text/plain"}),  # refused: 415
        await client.get("/healthz", headers={"Host": "rebind.evil.example"}),  # refused: 421
        await client.get("/assets/nothing-here.js"),
    ]
    assert [response.headers.get("x-content-type-options") for response in responses] == ["nosniff"] * 5
    # The API's own JSON is no page: it needs no policy.
    assert "content-security-policy" not in responses[0].headers
