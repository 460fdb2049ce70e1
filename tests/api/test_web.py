"""The web front end over HTTP: GraphiQL at GET /graphql, the lineage view at /ui, assets, and life without them.

The pages are the Vite build in graph_registry/_web (`.ci/run` builds it; by hand:
`cd web && npm ci && npm run build`). What they do in a browser is tested in tests/browser.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import httpx
import pytest

from graph_registry.api.http import web
from graph_registry.settings import Environment, Settings
from tests.graphql import data
from tests.live_server import LiveServer

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
CDNS = ("unpkg.com", "jsdelivr", "esm.sh", "cdnjs", "googleapis", "gstatic")


@pytest.fixture(scope="module")
def built() -> Path:
    if not web.assets_built(web.WEB_DIR):
        pytest.fail(f"the web UI is not built in {web.WEB_DIR}: run `cd web && npm ci && npm run build`")
    return web.WEB_DIR


def script_paths(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/assets/[^"]+)"', page)


async def test_browser_get_of_graphql_serves_the_local_graphiql(client: httpx.AsyncClient, built: Path) -> None:
    response = await client.get("/graphql", headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "GraphiQL" in page
    assert not any(cdn in page for cdn in CDNS), page
    assets = script_paths(page)
    assert assets, page
    for path in assets:
        asset = await client.get(path)
        assert asset.status_code == 200, path
        assert "immutable" in asset.headers["cache-control"]
        assert not any(cdn in asset.text for cdn in ("unpkg.com", "esm.sh/")), path


async def test_graphql_requests_are_not_taken_for_page_views(client: httpx.AsyncClient, built: Path) -> None:
    assert await data(client, "{ models(first: 1) { totalCount } }")
    by_get = await client.get("/graphql", params={"query": "{ models(first: 1) { totalCount } }"}, headers=HTML)
    assert by_get.status_code == 200
    assert "totalCount" in by_get.json()["data"]["models"]


async def test_lineage_view_is_served_at_ui_and_its_sub_paths(client: httpx.AsyncClient, built: Path) -> None:
    for path in ("/ui", "/ui/", "/ui/models/fraud-detector"):
        response = await client.get(path, headers=HTML)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-cache"
        assert '<div id="root">' in response.text
    assert (await client.get("/assets/no-such-file.js")).status_code == 404


async def test_without_built_assets_the_server_says_how_to_build_them(
    neo4j_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(web, "WEB_DIR", tmp_path / "_web")
    with caplog.at_level(logging.WARNING, logger="graph_registry.web"):
        server = LiveServer.serving(neo4j_settings.model_copy(update={"auth": False}))
        with server as api:
            async with httpx.AsyncClient(base_url=api.url, timeout=60) as client:
                for path in ("/graphql", "/ui"):
                    page = await client.get(path, headers=HTML)
                    assert page.status_code == 503, path
                    assert "npm ci &amp;&amp; npm run build" in page.text
                assert (await client.get("/assets/lineage.js")).status_code == 404
                assert await data(client, "{ models(first: 1) { totalCount } }")
    assert any("web UI assets are missing" in record.getMessage() for record in caplog.records)


async def test_graphiql_is_off_in_production(neo4j_settings: Settings, built: Path) -> None:
    settings = neo4j_settings.model_copy(update={"env": Environment.PRODUCTION, "auth": False})
    with LiveServer.serving(settings) as api:
        async with httpx.AsyncClient(base_url=api.url, timeout=60) as client:
            page = await client.get("/graphql", headers=HTML)
            assert page.status_code == 404
            assert "GraphiQL" not in page.text
            assert (await client.get("/ui", headers=HTML)).status_code == 200
