"""The lineage view's governance panel in a real browser: a version's team, verdict and open requests."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import expect

from tests.browser.conftest import Visit, needs_chromium
from tests.graphql import data

pytestmark = [pytest.mark.browser, needs_chromium]


async def test_a_version_shows_its_team_verdict_and_requests(
    visit: Visit, client: httpx.AsyncClient, unique: str
) -> None:
    team, model = f"risk-{unique}", f"gov-ui-{unique}"
    await data(client, "mutation($t: String!) { createTeam(name: $t) { name } }", t=team)
    await data(
        client, "mutation($m: String!, $t: String) { createModel(name: $m, team: $t) { name } }", m=model, t=team
    )
    await data(
        client,
        'mutation($m: String!) { createModelVersion(input: {model: $m, metrics: [{key: "auc", value: 0.8}]}) { version } }',
        m=model,
    )
    policy = 'mutation($t: String) { setPromotionPolicy(team: $t, input: {requiredApprovals: 1, metricRules: [{metric: "auc", op: ">=", value: 0.9}]}) { requiredApprovals } }'
    await data(client, policy, t=team)
    await data(
        client,
        "mutation($m: String!) { requestStageTransition(model: $m, version: 1, stage: PRODUCTION) { id } }",
        m=model,
    )

    page = visit.page
    await page.goto(f"/ui?model={model}&version=1")
    panel = page.get_by_test_id("governance")
    await expect(panel.get_by_test_id("governance-team")).to_have_text(f"Team: {team}")
    await expect(panel.get_by_test_id("governance-verdict")).to_have_text("PRODUCTION: refused, 1 approval(s) needed")
    await expect(panel.locator(".governance-checks .failed")).to_contain_text("metric auc >= 0.9")
    request = panel.get_by_test_id("governance-request")
    await expect(request).to_contain_text("0/1 approvals")
    # This server runs without tokens: the one caller is the requester, who may never approve.
    await request.get_by_role("button", name="Approve").click()
    await expect(panel.get_by_test_id("governance-refusal")).to_contain_text("FORBIDDEN")
    await request.get_by_role("button", name="Reject").click()
    await expect(panel.get_by_test_id("governance-request")).to_have_count(0)
    state = "query($m: String!) { modelVersion(model: $m, version: 1) { stage transitionRequests { state } } }"
    after = (await data(client, state, m=model))["modelVersion"]
    assert after == {"stage": "NONE", "transitionRequests": [{"state": "REJECTED"}]}
    assert not visit.errors and not visit.external_requests()
