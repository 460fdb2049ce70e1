"""The pages' layout on common screens (1280x800, 1920x1080), measured in the browser.

GraphiQL: every example's lines fit the query editor (no text under the toolbar or past the
edge), the tab strip stays clear of the title, the empty response pane says what it is for.
The lineage view: node labels whole (and the full label on hover), edge labels readable words
in the drawn direction, the model list's badge saying it is the production version.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, expect

from graph_registry.services.demo import DemoSummary
from tests.browser.conftest import Visit, needs_chromium, visiting
from tests.live_server import LiveServer

pytestmark = [pytest.mark.browser, needs_chromium]

SCREENS = [(1280, 800), (1920, 1080)]
EXAMPLE_TITLES = [
    "Which data trained production?",
    "Impact of a dataset version",
    "Provenance diff",
    "Vulnerable packages",
    "Models and their versions",
]

# Each line's text against the room it has: the editor's right edge, or the toolbar's left one.
OVERFLOWING_LINES = """() => {
  const editor = document.querySelector('.graphiql-query-editor .monaco-editor').getBoundingClientRect();
  const toolbar = document.querySelector('.graphiql-query-editor .graphiql-toolbar');
  const limit = Math.min(editor.right, toolbar ? toolbar.getBoundingClientRect().left : editor.right);
  const lines = [...document.querySelectorAll('.graphiql-query-editor .view-line')];
  return {
    count: lines.length,
    over: lines
      .filter((line) => line.firstElementChild && line.firstElementChild.getBoundingClientRect().right > limit + 0.5)
      .map((line) => line.textContent),
  };
}"""
BOX = "(selector) => { const b = document.querySelector(selector).getBoundingClientRect(); return [b.left, b.right, b.width]; }"
PLACEHOLDER = "() => getComputedStyle(document.querySelector('.graphiql-response'), '::before').content"


@pytest.fixture(params=SCREENS, ids=[f"{w}x{h}" for w, h in SCREENS])
async def screen(request: pytest.FixtureRequest, chromium: Browser, api: LiveServer) -> AsyncIterator[Visit]:
    width, height = request.param
    async with visiting(chromium, api, width=width, height=height) as session:
        yield session


async def test_graphiql_fits_the_examples_on_the_screen(screen: Visit, demo_graph: DemoSummary) -> None:
    page = screen.page
    width = page.viewport_size["width"] if page.viewport_size else 0
    await page.goto("/graphql", wait_until="networkidle")
    await expect(page.locator(".graphiql-query-editor .monaco-editor")).to_be_visible()
    assert "its answer appears here" in await page.evaluate(PLACEHOLDER)

    _, _, query_width = await page.evaluate(BOX, ".graphiql-query-editor")
    assert query_width >= 0.45 * width, f"the query editor is {query_width:.0f} px of {width}"
    for title in EXAMPLE_TITLES:
        await page.get_by_role("button", name=title).click()
        await page.wait_for_timeout(200)
        lines = await page.evaluate(OVERFLOWING_LINES)
        assert lines["count"] > 5, title
        assert lines["over"] == [], f"{title}: lines cut at {width} px: {lines['over']}"

    _, tabs_right, _ = await page.evaluate(BOX, ".graphiql-session-header .graphiql-tabs")
    title_left, _, _ = await page.evaluate(BOX, ".graphiql-session-header .graphiql-logo")
    assert tabs_right <= title_left + 0.5, "the tab strip runs under the title"
    assert await page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")

    await page.locator(".graphiql-execute-button").click()
    await expect(page.locator(".graphiql-response")).to_contain_text('"data"')
    assert await page.evaluate(PLACEHOLDER) in ("none", "normal")
    await screen.screenshot(f"graphiql-{width}.png")
    assert screen.errors == []


async def test_lineage_view_labels_are_whole_and_readable(screen: Visit, demo_graph: DemoSummary) -> None:
    page = screen.page
    width = page.viewport_size["width"] if page.viewport_size else 0
    production = demo_graph.production
    await page.goto("/ui")
    await page.get_by_label("Search models").fill(production.model)
    entry = page.locator(".model-list button").filter(has=page.get_by_text(production.model, exact=True))
    badge = entry.get_by_test_id("production-badge")
    await expect(badge).to_have_text(f"prod v{production.version}")
    assert await badge.get_attribute("title") == f"v{production.version} is in PRODUCTION"
    await entry.click()

    labels = page.get_by_test_id("lineage-node-label")
    await expect(page.get_by_test_id("root-label")).to_have_text(f"{production.model} v{production.version}")
    await expect(labels.first).to_be_visible()
    measured = await labels.evaluate_all(
        "(all) => all.map((e) => [e.textContent, e.title,"
        " e.scrollWidth <= e.clientWidth && e.scrollHeight <= e.clientHeight])"
    )
    assert len(measured) > 5
    assert [text for text, _, whole in measured if not whole] == [], f"labels cut at {width} px"
    assert all(text == title for text, title, _ in measured), "every label shows its full text on hover"

    edge_texts = page.locator(".react-flow__edge-text")
    await expect(edge_texts.first).to_be_attached()
    words = set(await edge_texts.all_text_contents())
    flow = {"used by", "produced", "derived into", "fine-tuned into", "ran in", "has version", "has run", "required by"}
    assert {"used by", "produced", "derived into"} <= words <= flow
    size = await edge_texts.first.evaluate("(e) => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 12
    assert await page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    await screen.screenshot(f"lineage-{width}.png")
    assert screen.errors == []
