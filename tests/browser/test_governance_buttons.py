"""With tokens on, the governance panel offers Approve and Reject only to callers whose role on the
model allows deciding (a maintainer of its team, or registry-wide), as `Model.viewerRole` tells;
a reader or a writer sees the request and what deciding needs. A real browser, a real server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.async_api import Browser, expect

from graph_registry.services.tokens import Role, TokenService
from graph_registry.settings import Settings
from graph_registry.storage.database import Database
from tests.browser.conftest import needs_chromium, visiting
from tests.live_server import LiveServer

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture(scope="module")
def governed_ui(neo4j_settings: Settings, database: Database) -> Iterator[LiveServer]:
    with LiveServer.serving(neo4j_settings.model_copy(update={"auth": True, "require_provenance": False})) as server:
        yield server


async def _data(server: LiveServer, secret: str, query: str, **variables: object) -> dict[str, object]:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        response = await http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {secret}"},
        )
    body = response.json()
    assert not body.get("errors"), body["errors"]
    result: dict[str, object] = body["data"]
    return result


async def test_only_callers_who_may_decide_see_the_buttons(
    chromium: Browser, governed_ui: LiveServer, database: Database, unique: str
) -> None:
    tokens = TokenService(database)
    made = {
        label: await tokens.create(name=f"gov-btn-{label}-{unique}", role=role)
        for label, role in (
            ("admin", Role.ADMIN),
            ("writer", Role.WRITER),
            ("reader", Role.READER),
            ("maintainer", Role.READER),  # a maintainer of the team only
        )
    }
    admin, team, model = made["admin"].secret, f"gov-btn-{unique}", f"gov-btn-model-{unique}"
    await _data(governed_ui, admin, "mutation($t: String!) { createTeam(name: $t) { name } }", t=team)
    await _data(
        governed_ui,
        admin,
        "mutation($t: String!, $a: String!) { grantTeamRole(team: $t, actor: $a, role: MAINTAINER) { name } }",
        t=team,
        a=made["maintainer"].record.name,
    )
    await _data(
        governed_ui,
        admin,
        "mutation($m: String!, $t: String) { createModel(name: $m, team: $t) { name } }",
        m=model,
        t=team,
    )
    await _data(
        governed_ui, admin, "mutation($m: String!) { createModelVersion(input: {model: $m}) { version } }", m=model
    )
    await _data(
        governed_ui,
        admin,
        "mutation($t: String) { setPromotionPolicy(team: $t, input: {requiredApprovals: 1}) { requiredApprovals } }",
        t=team,
    )
    await _data(
        governed_ui,
        made["writer"].secret,
        "mutation($m: String!) { requestStageTransition(model: $m, version: 1, stage: PRODUCTION) { id } }",
        m=model,
    )

    for label in ("reader", "writer", "maintainer"):
        async with visiting(chromium, governed_ui) as visit:
            page = visit.page
            secret = made[label].secret
            await page.add_init_script(f"window.localStorage.setItem('graph-registry.token', {secret!r})")
            await page.goto(f"/ui?model={model}&version=1")
            request = page.get_by_test_id("governance").get_by_test_id("governance-request")
            await expect(request).to_contain_text("0/1 approvals")
            if label != "maintainer":
                await expect(request.get_by_test_id("governance-needs-maintainer")).to_have_text(
                    f"Deciding needs a maintainer of team {team}"
                )
                await expect(request.get_by_role("button")).to_have_count(0)
            else:
                await expect(request.get_by_test_id("governance-needs-maintainer")).to_have_count(0)
                await expect(request.get_by_role("button", name="Reject")).to_be_visible()
                await request.get_by_role("button", name="Approve").click()
                await expect(page.get_by_test_id("governance-request")).to_have_count(0)
            assert not visit.errors and not visit.external_requests()

    state = "query($m: String!) { modelVersion(model: $m, version: 1) { stage transitionRequests { state } } }"
    after = await _data(governed_ui, admin, state, m=model)
    assert after["modelVersion"] == {"stage": "PRODUCTION", "transitionRequests": [{"state": "APPROVED"}]}
    roles = "query($m: String!) { model(name: $m) { viewerRole } }"
    seen = {label: (await _data(governed_ui, made[label].secret, roles, m=model))["model"] for label in made}
    assert seen == {
        "admin": {"viewerRole": "ADMIN"},
        "writer": {"viewerRole": "WRITER"},
        "reader": {"viewerRole": "READER"},
        "maintainer": {"viewerRole": "MAINTAINER"},
    }
