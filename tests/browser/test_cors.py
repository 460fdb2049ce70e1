"""A page on one loopback origin calls the API on another, in Chromium: data when the page's origin
is in GRAPH_REGISTRY_CORS_ORIGINS, blocked by the browser when it is not.

The pages come from small HTTP servers of the test's own on 127.0.0.1 (a page that Playwright
fulfilled itself has no address, counts as public, and Chromium's local network access rules would
block its call to loopback whatever CORS said); every other request is aborted, so nothing leaves
loopback.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.async_api import Browser, Route, async_playwright

from graph_registry.settings import Settings
from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, needs_chromium
from tests.live_server import LiveServer

pytestmark = [pytest.mark.browser, needs_chromium]

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>portal</title></head><body>
<script>
window.callRegistry = async (api) => {
  try {
    const response = await fetch(api + "/graphql", {
      method: "POST",
      headers: {"Content-Type": "application/json", "Authorization": "Bearer not-needed-here"},
      body: JSON.stringify({query: "{ __typename }"}),
    });
    return {status: response.status, body: await response.json()};
  } catch (error) {
    return {blocked: String(error)};
  }
};
</script></body></html>"""


class _Portal(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def origins() -> Iterator[tuple[str, str]]:
    """Two page servers on loopback: the allowed origin and another one."""
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), _Portal) for _ in range(2)]
    threads = [threading.Thread(target=server.serve_forever, daemon=True) for server in servers]
    for thread in threads:
        thread.start()
    try:
        allowed, other = (f"http://127.0.0.1:{server.server_address[1]}" for server in servers)
        yield allowed, other
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


@pytest.fixture(scope="module")
def cors_api(neo4j_settings: Settings, origins: tuple[str, str]) -> Iterator[LiveServer]:
    allowed, _ = origins
    settings = neo4j_settings.model_copy(update={"auth": False, "cors_origins": (allowed,)})
    with LiveServer.serving(settings) as server:
        yield server


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield launched
        await launched.close()


async def _call_from(browser: Browser, origin: str, api: str) -> dict[str, object]:
    context = await browser.new_context()

    async def route(route: Route) -> None:
        if route.request.url.startswith((origin + "/", api + "/")):
            await route.continue_()
        else:
            await route.abort()

    await context.route("**/*", route)
    try:
        page = await context.new_page()
        await page.goto(origin + "/portal.html")
        result: dict[str, object] = await page.evaluate("(api) => window.callRegistry(api)", api)
        return result
    finally:
        await context.close()


async def test_a_page_on_an_allowed_origin_gets_data(
    browser: Browser, cors_api: LiveServer, origins: tuple[str, str]
) -> None:
    allowed, _ = origins
    result = await _call_from(browser, allowed, cors_api.url)
    assert result == {"status": 200, "body": {"data": {"__typename": "Query"}}}


async def test_a_page_on_another_origin_is_blocked(
    browser: Browser, cors_api: LiveServer, origins: tuple[str, str]
) -> None:
    _, other = origins
    result = await _call_from(browser, other, cors_api.url)
    assert "blocked" in result, result
    assert "Failed to fetch" in str(result["blocked"])
