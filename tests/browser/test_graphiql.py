"""GraphiQL at /graphql in a real browser: it loads from the registry alone and runs the examples."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from graph_registry.services.demo import DemoSummary
from tests.browser.conftest import Visit, needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]


async def test_graphiql_loads_with_no_external_request_and_runs_an_example(
    visit: Visit, demo_graph: DemoSummary
) -> None:
    page = visit.page
    await page.goto("/graphql", wait_until="networkidle")
    await expect(page.locator(".graphiql-container")).to_be_visible()
    await expect(page.locator(".graphiql-query-editor .monaco-editor")).to_be_visible()
    # The explorer plugin is there, next to the examples that are open by default.
    await expect(page.get_by_role("button", name="Show GraphiQL Explorer")).to_be_visible()

    await page.get_by_role("button", name="Which data trained production?").click()
    await expect(page.locator(".graphiql-query-editor")).to_contain_text("WhichDataTrainedProduction")
    await page.locator(".graphiql-execute-button").click()

    result = page.locator(".graphiql-response")
    await expect(result).to_contain_text('"trainedOn"')
    await expect(result).to_contain_text(f'"version": {demo_graph.production.version}')
    await expect(result).to_contain_text("fraud-features")
    await visit.screenshot("graphiql.png")

    assert len(visit.requests) > 3
    assert visit.external_requests() == []
    assert visit.errors == []
