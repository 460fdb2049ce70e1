"""CORS over HTTP: preflight for the allowed origins only, no credentials mode, the CSRF rule kept.

The same in a real browser: tests/browser/test_cors.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from pydantic import ValidationError

from graph_registry.settings import Settings
from tests.live_server import LiveServer

PORTAL = "http://127.0.0.1:8123"
STRANGER = "http://127.0.0.1:8124"
PREFLIGHT = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type"}


@pytest.fixture(scope="module")
def cors_api(neo4j_settings: Settings) -> Iterator[LiveServer]:
    settings = neo4j_settings.model_copy(update={"auth": False, "cors_origins": (PORTAL,)})
    with LiveServer.serving(settings) as server:
        yield server


async def test_preflight_is_answered_for_an_allowed_origin(cors_api: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=cors_api.url) as http:
        response = await http.options("/graphql", headers={"Origin": PORTAL, **PREFLIGHT})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == PORTAL
    allowed = {name.strip().lower() for name in response.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type"} <= allowed
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in response.headers


async def test_preflight_is_refused_for_another_origin(cors_api: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=cors_api.url) as http:
        response = await http.options("/graphql", headers={"Origin": STRANGER, **PREFLIGHT})
        post = await http.post("/graphql", json={"query": "{ __typename }"}, headers={"Origin": STRANGER})
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers
    # The server still answers a non-browser; a browser withholds it from the page for want of the header.
    assert "access-control-allow-origin" not in post.headers


async def test_allowed_origin_reads_answers_and_refusals(cors_api: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=cors_api.url) as http:
        answer = await http.post("/graphql", json={"query": "{ __typename }"}, headers={"Origin": PORTAL})
        # The CSRF rule is kept: a form-like POST is refused, and the page may read why.
        form = await http.post(
            "/graphql", content="query={__typename}", headers={"Origin": PORTAL, "Content-Type": "text/plain"}
        )
    assert answer.json() == {"data": {"__typename": "Query"}}
    assert answer.headers["access-control-allow-origin"] == PORTAL
    assert "x-request-id" in answer.headers["access-control-expose-headers"].lower()
    assert form.status_code == 415
    assert form.headers["access-control-allow-origin"] == PORTAL


async def test_one_guard_gives_every_answer_its_headers(cors_api: LiveServer) -> None:
    """HttpGuard applies the CORS rules, the security headers and the request id with one wrapper of
    `send`: a preflight (answered by the CORS rules, before any request id) carries nosniff and no id;
    an answer and a refusal carry all three; a refused host carries nosniff alone."""
    async with httpx.AsyncClient(base_url=cors_api.url) as http:
        preflight = await http.options("/graphql", headers={"Origin": PORTAL, **PREFLIGHT})
        answer = await http.get("/healthz", headers={"Origin": PORTAL})
        refused = await http.post("/graphql", content=b"{}", headers={"Origin": PORTAL, "Content-Type": "text/plain"})
        rebound = await http.get("/healthz", headers={"Origin": PORTAL, "Host": "rebind.evil.example"})
    assert preflight.status_code == 200 and preflight.headers["x-content-type-options"] == "nosniff"
    assert "x-request-id" not in preflight.headers
    for response in (answer, refused):
        assert response.headers["access-control-allow-origin"] == PORTAL
        assert response.headers["x-content-type-options"] == "nosniff"
        assert len(response.headers["x-request-id"]) == 32
    assert (answer.status_code, refused.status_code) == (200, 415)
    assert rebound.status_code == 421 and rebound.headers["x-content-type-options"] == "nosniff"
    assert "access-control-allow-origin" not in rebound.headers and "x-request-id" not in rebound.headers


async def test_no_cross_origin_access_by_default(client: httpx.AsyncClient) -> None:
    response = await client.options("/graphql", headers={"Origin": PORTAL, **PREFLIGHT})
    assert "access-control-allow-origin" not in response.headers
    assert response.status_code == 405


@pytest.mark.parametrize("origin", ["*", "http://portal.example.com/", "portal.example.com", "ftp://x", "http://a/b"])
def test_cors_origins_must_be_exact(origin: str) -> None:
    with pytest.raises(ValidationError, match="exact origin"):
        Settings(cors_origins=(origin,))


def test_cors_origins_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAPH_REGISTRY_CORS_ORIGINS", "https://Portal.example.com, http://127.0.0.1:3000")
    assert Settings().cors_origins == ("https://portal.example.com", "http://127.0.0.1:3000")
