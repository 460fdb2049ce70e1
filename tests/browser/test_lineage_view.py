"""The lineage view at /ui in a real browser, on the demo graph: find, pick, draw, recentre, explain, export."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Download, expect

from graph_registry.services.demo import DemoSummary
from tests.browser.conftest import ARTIFACTS, Visit, needs_chromium
from tests.graphql import data

pytestmark = [pytest.mark.browser, needs_chromium]

LINEAGE = """
query($id: ID!) {
  lineage(id: $id, direction: BOTH, depth: 3) { nodes { kind label node { id } } edges { source } mermaid }
}
"""
IMPACT = """
query($dataset: String!, $version: Int!) {
  impact(datasetVersion: {dataset: $dataset, version: $version}, stage: PRODUCTION) { path { id } }
}
"""


async def content_of(download: Download) -> bytes:
    return await asyncio.to_thread(Path(await download.path()).read_bytes)


async def lineage_of(client: httpx.AsyncClient, node_id: str) -> dict[str, Any]:
    """What the API answers for the view's defaults (both directions, depth 3)."""
    graph: dict[str, Any] = (await data(client, LINEAGE, id=node_id))["lineage"]
    return graph


async def test_lineage_view_finds_the_demo_model_and_explores_its_graph(
    visit: Visit, demo_graph: DemoSummary, client: httpx.AsyncClient
) -> None:
    page = visit.page
    production = demo_graph.production
    version_id = (
        await data(
            client,
            "query($m: String!, $v: Int!) { modelVersion(model: $m, version: $v) { id } }",
            m=production.model,
            v=production.version,
        )
    )["modelVersion"]["id"]
    expected = await lineage_of(client, version_id)

    await page.goto("/ui")
    await page.get_by_label("Search models").fill(production.model)
    await page.locator(".model-list button").filter(has=page.get_by_text(production.model, exact=True)).click()

    await expect(page.get_by_test_id("model-name")).to_have_text(production.model)
    await expect(page.get_by_test_id("production-version")).to_contain_text(f"Production: v{production.version}")
    in_production = page.locator("[data-testid=version-row][data-stage=PRODUCTION]")
    await expect(in_production).to_have_count(1)
    await expect(in_production).to_contain_text(f"v{production.version}")
    await expect(in_production).to_contain_text("@champion")

    nodes = page.get_by_test_id("lineage-node")
    await expect(nodes).to_have_count(len(expected["nodes"]))
    await expect(page.get_by_test_id("root-label")).to_have_text(f"{production.model} v{production.version}")
    await expect(page.locator("[data-testid=lineage-node][data-root]")).to_contain_text("PRODUCTION")
    await expect(page.get_by_test_id("graph-count")).to_contain_text(f"{len(expected['nodes'])} nodes")
    await visit.screenshot("lineage-view.png")

    # Click a training dataset version: it becomes the centre, its own lineage is drawn.
    dataset_version = next(node for node in expected["nodes"] if node["kind"] == "DATASET_VERSION")
    # The view opens on the root and its neighbours; a dataset version two steps out is a pan away:
    # drag the empty pane (top left, clear of the controls and the minimap) to bring it to the middle.
    target = page.locator(f".react-flow__node[data-id='{dataset_version['node']['id']}']")
    pane = await page.locator(".react-flow__pane").bounding_box()
    box = await target.bounding_box()
    assert pane is not None and box is not None
    start_x, start_y = pane["x"] + 12, pane["y"] + 12
    await page.mouse.move(start_x, start_y)
    await page.mouse.down()
    await page.mouse.move(
        start_x + pane["x"] + pane["width"] / 2 - (box["x"] + box["width"] / 2),
        start_y + pane["y"] + pane["height"] / 2 - (box["y"] + box["height"] / 2),
        steps=8,
    )
    await page.mouse.up()
    await target.click()
    await expect(page.get_by_test_id("root-label")).to_have_text(dataset_version["label"])
    recentred = await lineage_of(client, dataset_version["node"]["id"])
    await expect(nodes).to_have_count(len(recentred["nodes"]))
    assert re.search(r"root=", page.url)

    # The impact question: which production models depend on it, and the path that explains it.
    dataset, number = re.match(r"(\S+) v(\d+)", dataset_version["label"]).groups()  # type: ignore[union-attr]
    hits = (await data(client, IMPACT, dataset=dataset, version=int(number)))["impact"]
    assert hits, "a training dataset of the production version impacts it"
    await page.get_by_test_id("impact-panel").get_by_role("button", name="Ask").click()
    await expect(page.locator(".lineage-node.on-path")).to_have_count(len(hits[0]["path"]))
    await visit.screenshot("lineage-impact.png")

    # Pictures of the whole graph.
    for button, suffix, opening in (("PNG", ".png", b"\x89PNG"), ("SVG", ".svg", b"<svg")):
        async with page.expect_download() as image_info:
            await page.get_by_role("button", name=button, exact=True).click()
        image = await image_info.value
        assert image.suggested_filename.endswith(suffix)
        assert (await content_of(image)).startswith(opening)
        await image.save_as(ARTIFACTS / f"lineage-export{suffix}")

    # Mermaid: the API's own text, shown and downloadable.
    await page.get_by_role("button", name="Mermaid", exact=True).click()
    shown = page.get_by_test_id("mermaid-text")
    current = await lineage_of(client, dataset_version["node"]["id"])
    await expect(shown).to_have_value(current["mermaid"])
    async with page.expect_download() as download_info:
        await page.get_by_role("button", name="Download .mmd").click()
    download = await download_info.value
    assert download.suggested_filename.endswith(".mmd")
    assert (await content_of(download)).decode() == current["mermaid"]
    await visit.screenshot("lineage-mermaid.png")

    assert visit.external_requests() == []
    assert visit.errors == []


async def test_model_search_pages_with_cursors(visit: Visit, client: httpx.AsyncClient, unique: str) -> None:
    names = [f"paged-{unique}-{index:02d}" for index in range(21)]
    for name in names:
        await data(client, "mutation($n: String!) { createModel(name: $n) { name } }", n=name)
    page = visit.page
    await page.goto("/ui")
    await page.get_by_label("Search models").fill(f"paged-{unique}")
    listed = page.locator(".model-list .model-name")
    await expect(listed).to_have_count(20)
    await expect(page.locator(".model-count")).to_have_text("21 models")
    await page.get_by_role("button", name="Load more").click()
    await expect(listed).to_have_text(names)
    await expect(page.get_by_role("button", name="Load more")).to_have_count(0)
