"""Headless Chromium against the live server with the demo graph loaded.

Debian's /usr/bin/chromium is driven by Playwright's bundled driver; Playwright's
own browser downloads are never used (`.ci/run` installs the `chromium` package).
Every test here is skipped, with that reason, only when /usr/bin/chromium is absent.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, Route, async_playwright, expect

from graph_registry.api.http import web
from graph_registry.bootstrap import Services
from graph_registry.services import demo as scenario
from graph_registry.storage.database import Database
from tests.live_server import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Not network requests: they never leave the page.
LOCAL_SCHEMES = ("data:", "blob:", "about:")

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)"
)
expect.set_options(timeout=20_000)


@pytest.fixture(scope="session")
async def demo_graph(database: Database, services: Services) -> scenario.DemoSummary:
    """The demo scenario (fraud-detector and its data), loaded through the services; idempotent."""
    return await scenario.load(database, services)


@pytest.fixture(scope="session")
async def chromium() -> AsyncIterator[Browser]:
    if not web.assets_built(web.WEB_DIR):
        pytest.fail(f"the web UI is not built in {web.WEB_DIR}: run `cd web && npm ci && npm run build`")
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        await browser.close()


@dataclass
class Visit:
    """One browser page on a live server, with every request it made and every uncaught error."""

    page: Page
    origin: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def external_requests(self) -> list[str]:
        return [url for url in self.requests if not url.startswith((self.origin + "/", *LOCAL_SCHEMES))]

    async def screenshot(self, name: str) -> Path:
        path = ARTIFACTS / name
        await self.page.screenshot(path=str(path))
        return path


@contextlib.asynccontextmanager
async def visiting(
    chromium: Browser, server: LiveServer, *, width: int = 1600, height: int = 1000
) -> AsyncIterator[Visit]:
    """A fresh browser context on `server` that records every request and lets none leave it."""
    context = await chromium.new_context(
        base_url=server.url, viewport={"width": width, "height": height}, accept_downloads=True
    )
    page = await context.new_page()
    session = Visit(page=page, origin=server.url)
    context.on("request", lambda request: session.requests.append(request.url))
    page.on("pageerror", lambda error: session.errors.append(str(error)))
    # The pages run under the server's Content-Security-Policy (api/headers.py): a blocked script,
    # style, worker or image is reported on the console and counts as an error of the page.
    page.on(
        "console",
        lambda message: session.errors.append(message.text) if "Content Security Policy" in message.text else None,
    )

    async def same_origin_only(route: Route) -> None:
        if route.request.url.startswith(server.url + "/"):
            await route.continue_()
        else:
            await route.abort()

    await context.route("**/*", same_origin_only)
    try:
        yield session
    finally:
        await context.close()


@pytest.fixture
async def visit(chromium: Browser, api: LiveServer) -> AsyncIterator[Visit]:
    async with visiting(chromium, api) as session:
        yield session
