"""The lineage view's supply-chain parts in a real browser: vulnerable marks, the model card, close matches."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import expect

from tests.browser.conftest import Visit, needs_chromium
from tests.graphql import data
from tests.supply.graph import import_osv, version_with
from tests.supply.records import pypi, synthetic

pytestmark = [pytest.mark.browser, needs_chromium]


async def test_vulnerable_mark_card_edit_and_close_matches(
    visit: Visit, client: httpx.AsyncClient, unique: str
) -> None:
    term = "qzx" + unique.translate(str.maketrans("0123456789", "ghijklmnop"))
    model = f"{term}-web"
    version = await version_with(client, model, [f"webpkg-{unique}==1.0"])
    await import_osv(client, synthetic(f"SYNTH-{unique}", affected=[pypi(f"webpkg-{unique}", {"introduced": "0"})]))

    page = visit.page
    await page.goto(f"/ui?model={model}&version={version}")
    root = page.locator("[data-testid=lineage-node][data-root]")
    await expect(root.get_by_test_id("vulnerable")).to_have_text("1 advisory")
    await expect(page.get_by_test_id("node-details")).to_contain_text(f"SYNTH-{unique}")

    card = page.get_by_test_id("model-card")
    await card.get_by_role("button", name="Edit card").click()
    await card.get_by_label("Summary").fill("Scores web payments")
    await card.get_by_label("License").fill("mit")
    await card.get_by_role("button", name="Save card").click()
    await expect(card).to_contain_text("Scores web payments")
    await expect(card).to_contain_text("updated by")
    stored = await data(
        client,
        "query($m: String!, $v: Int!) { modelVersion(model: $m, version: $v) { card { summary license } } }",
        m=model,
        v=version,
    )
    assert stored["modelVersion"]["card"] == {"summary": "Scores web payments", "license": "mit"}

    # A one-letter typo that no name contains: the full-text search's close matches are listed.
    typo = term[:4] + ("a" if term[4] != "a" else "b") + term[5:]
    await page.get_by_label("Search models").fill(typo)
    await expect(page.locator(".model-close-matches")).to_be_visible()
    await expect(page.locator(".model-list .model-name")).to_contain_text([model])
    assert visit.external_requests() == []
    assert visit.errors == []
