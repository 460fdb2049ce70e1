"""With tokens on, both pages ask for one, keep it in localStorage, and send it as Authorization: Bearer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.async_api import Browser, expect

from graph_registry.services.demo import DemoSummary
from graph_registry.services.tokens import Role, TokenService
from graph_registry.settings import Settings
from graph_registry.storage.database import Database
from tests.browser.conftest import needs_chromium, visiting
from tests.live_server import LiveServer

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture(scope="module")
def api_with_tokens(neo4j_settings: Settings, database: Database) -> Iterator[LiveServer]:
    with LiveServer.serving(neo4j_settings.model_copy(update={"auth": True})) as server:
        yield server


async def test_token_is_asked_for_stored_and_sent(
    chromium: Browser, api_with_tokens: LiveServer, database: Database, demo_graph: DemoSummary, unique: str
) -> None:
    token = await TokenService(database).create(name=f"ui-{unique}", role=Role.READER)
    async with visiting(chromium, api_with_tokens) as visit:
        page = visit.page
        await page.goto("/ui")
        await expect(page.get_by_test_id("error")).to_contain_text("UNAUTHENTICATED")
        await page.get_by_label("Access token").fill(token.secret)
        await page.get_by_role("button", name="Save").click()
        await expect(page.get_by_test_id("error")).to_have_count(0)
        await page.get_by_label("Search models").fill(demo_graph.production.model)
        await expect(page.locator(".model-list")).to_contain_text(demo_graph.production.model)
        stored = await page.evaluate("() => window.localStorage.getItem('graph-registry.token')")
        assert stored == token.secret

        # GraphiQL reads the same stored token.
        await page.goto("/graphql", wait_until="networkidle")
        await expect(page.locator(".graphiql-query-editor .monaco-editor")).to_be_visible()
        await page.get_by_role("button", name="Which data trained production?").click()
        # Executing before the example is in the editor runs nothing (seen on a loaded machine).
        await expect(page.locator(".graphiql-query-editor")).to_contain_text("WhichDataTrainedProduction")
        await page.locator(".graphiql-execute-button").click()
        await expect(page.locator(".graphiql-response")).to_contain_text('"trainedOn"')
        await expect(page.locator(".graphiql-response")).not_to_contain_text("UNAUTHENTICATED")
        assert visit.external_requests() == []
