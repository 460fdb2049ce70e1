"""The browser front end: GraphiQL at GET /graphql and the lineage view at /ui.

Both pages are built from web/ by Vite into graph_registry/_web (the wheel's
build hook runs it; in a checkout, `npm ci && npm run build` in web/), and
everything they load is served from /assets: nothing comes from a CDN, so they
work on an air-gapped network. Without the built assets the server still runs
and the pages say how to build them; POST /graphql is never affected.
"""

from __future__ import annotations

import html
import logging
import os
from pathlib import Path

from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from graph_registry.settings import Settings

log = logging.getLogger("graph_registry.web")

WEB_DIR = Path(__file__).resolve().parents[2] / "_web"
LINEAGE_PAGE = "index.html"
GRAPHIQL_PAGE = "graphiql.html"

# Pages name hashed assets: a page must be revalidated, an asset never changes.
_PAGE_HEADERS = {"Cache-Control": "no-cache"}
_ASSET_CACHE = "public, max-age=31536000, immutable"

_MISSING = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>graph-registry: web UI not built</title>
<style>body{{font-family:system-ui,sans-serif;max-width:44rem;margin:4rem auto;line-height:1.5;color:#0f172a}}
code,pre{{background:#f1f5f9;border-radius:4px;padding:.1rem .3rem}}pre{{padding:.8rem}}</style></head>
<body><h1>The web UI is not built</h1>
<p>This registry has no built assets in <code>{directory}</code>, so {page} cannot be shown.
The GraphQL API itself works: POST queries to <code>/graphql</code>.</p>
<p>Build the UI from a source checkout (needs Node.js 20 and npm), then reload:</p>
<pre>cd web &amp;&amp; npm ci &amp;&amp; npm run build</pre>
<p>Installing the package (<code>pip install .</code>) builds it too when npm is available.</p>
</body></html>
"""


def assets_built(directory: Path) -> bool:
    return (directory / LINEAGE_PAGE).is_file() and (directory / GRAPHIQL_PAGE).is_file()


def wants_page(scope: Scope) -> bool:
    """A browser navigating to /graphql (Accept: text/html, no query): not a GraphQL GET request."""
    if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
        return False
    if "query" in QueryParams(scope.get("query_string", b"")):
        return False
    return "text/html" in Headers(scope=scope).get("accept", "")


class _Assets(StaticFiles):
    def file_response(
        self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = _ASSET_CACHE
        return response


class GraphQLEndpoint:
    """/graphql: browsers asking for a page get GraphiQL, everything else goes to the GraphQL API."""

    def __init__(self, api: ASGIApp, page: ASGIApp | None) -> None:
        self.api = api
        self.page = page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.page is not None and wants_page(scope):
            await self.page(scope, receive, send)
        else:
            await self.api(scope, receive, send)


class Page:
    """One built HTML page, or, while the assets are missing, a page saying how to build them."""

    def __init__(self, directory: Path, name: str, label: str) -> None:
        self.directory = directory
        self.path = directory / name
        self.label = label

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.path.is_file():
            response: Response = FileResponse(self.path, media_type="text/html", headers=_PAGE_HEADERS)
        else:
            body = _MISSING.format(directory=html.escape(str(self.directory)), page=self.label)
            response = HTMLResponse(body, status_code=503, headers=_PAGE_HEADERS)
        await response(scope, receive, send)


async def _no_assets(request: Request) -> Response:
    return Response("web UI assets are not built", status_code=404, media_type="text/plain")


def routes(graphql: ASGIApp, settings: Settings, directory: Path | None = None) -> list[BaseRoute]:
    """/graphql (API + GraphiQL page), /ui (the lineage view, any sub-path) and /assets.

    GraphiQL is off in production: there a browser GET /graphql reaches the API like any other GET.
    """
    directory = directory or WEB_DIR
    if assets_built(directory):
        log.info("web UI: GraphiQL at /graphql, lineage view at /ui (assets in %s)", directory)
    else:
        log.warning(
            "web UI assets are missing in %s: /graphql (browser) and /ui show how to build them "
            "(cd web && npm ci && npm run build); the GraphQL API is unaffected",
            directory,
        )
    graphiql = None if settings.production else Page(directory, GRAPHIQL_PAGE, "GraphiQL")
    lineage = Page(directory, LINEAGE_PAGE, "the lineage view")
    assets_dir = directory / "assets"
    assets: BaseRoute = (
        Mount("/assets", app=_Assets(directory=assets_dir), name="assets")
        if assets_dir.is_dir()
        else Route("/assets/{path:path}", _no_assets)
    )
    return [
        Route("/graphql", GraphQLEndpoint(graphql, graphiql), methods=["GET", "POST"]),
        Route("/ui", lineage, methods=["GET", "HEAD"]),
        Route("/ui/{path:path}", lineage, methods=["GET", "HEAD"]),
        assets,
    ]
