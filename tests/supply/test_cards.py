"""Model cards: updates, history in the audit log and the events, Markdown in the Hugging Face layout."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
import yaml

from graph_registry.services.events import EventService
from graph_registry.settings import Settings
from graph_registry.storage.database import Database
from tests.graphql import data, error_code, execute
from tests.live_server import LiveServer
from tests.supply.graph import full_lineage_version, version_with

UPDATE = """
mutation($m: String!, $v: Int!, $card: ModelCardInput!) {
  updateModelCard(model: $m, version: $v, card: $card) {
    summary intendedUse limitations ethicalConsiderations evaluation license updatedBy updatedAt
  }
}
"""
CARD = """
query($m: String!, $v: Int!) {
  modelVersion(model: $m, version: $v) { card { summary intendedUse limitations license updatedAt markdown } }
}
"""
AUDIT = """
query($m: String!, $v: Int!) { auditLog(model: $m, version: $v) { edges { node { operation outcome arguments } } } }
"""


def front_matter(markdown: str) -> dict:
    assert markdown.startswith("---\n")
    header, _, _body = markdown[4:].partition("\n---\n")
    parsed = yaml.safe_load(header)
    assert isinstance(parsed, dict)
    return parsed


async def test_every_version_has_a_card_filled_from_lineage(
    client: httpx.AsyncClient, model_name: str, unique: str
) -> None:
    made = await full_lineage_version(client, model_name, unique)
    card = (await data(client, CARD, m=model_name, v=made["version"]))["modelVersion"]["card"]
    assert card["summary"] is None and card["updatedAt"] is None
    meta = front_matter(card["markdown"])
    assert meta["datasets"] == [made["dataset"]]
    assert meta["base_model"] == f"{model_name}-base:{made['base']}"
    assert "license" not in meta
    (entry,) = meta["model-index"]
    metrics = {m["type"]: m["value"] for m in entry["results"][0]["metrics"]}
    assert metrics == {"auc": 0.91, "f1": 0.8}
    assert made["digest"] in card["markdown"]
    assert "pyyaml==5.3.1" in card["markdown"] and "a" * 40 in card["markdown"]


async def test_update_clear_history_and_markdown(
    client: httpx.AsyncClient, database: Database, model_name: str, unique: str
) -> None:
    made = await full_lineage_version(client, model_name, unique)
    since = datetime.now(UTC)
    v = made["version"]
    first = await data(
        client,
        UPDATE,
        m=model_name,
        v=v,
        card={"summary": "Scores card payments for fraud.", "intendedUse": "Online scoring", "license": "apache-2.0"},
    )
    assert first["updateModelCard"]["summary"] == "Scores card payments for fraud."
    assert first["updateModelCard"]["updatedBy"] == "anonymous"
    second = await data(client, UPDATE, m=model_name, v=v, card={"intendedUse": "", "limitations": "Not for loans"})
    card = second["updateModelCard"]
    assert card["summary"] == "Scores card payments for fraud."  # null left it as it was
    assert card["intendedUse"] is None  # "" cleared it
    assert card["limitations"] == "Not for loans"

    markdown = (await data(client, CARD, m=model_name, v=v))["modelVersion"]["card"]["markdown"]
    meta = front_matter(markdown)
    assert {"license", "datasets", "base_model", "tags", "model-index"} <= set(meta)
    assert meta["license"] == "apache-2.0"
    assert "## Summary" in markdown and "## Limitations" in markdown and "## Intended use" not in markdown

    entries = (await data(client, AUDIT, m=model_name, v=v))["auditLog"]["edges"]
    updates = [e["node"] for e in entries if e["node"]["operation"] == "updateModelCard"]
    assert [u["outcome"] for u in updates] == ["OK", "OK"]
    assert "Not for loans" in updates[0]["arguments"]  # newest first

    feed = EventService(database, poll_interval=0.1).follow(model=model_name, since=since)
    seen = [await asyncio.wait_for(anext(feed), 60) for _ in range(2)]
    await feed.aclose()
    assert [(e.type, e.version, e.detail) for e in seen] == [
        ("CARD_UPDATED", v, "summary, intendedUse, license"),
        ("CARD_UPDATED", v, "intendedUse, limitations"),
    ]


async def test_bad_card_input_is_refused(client: httpx.AsyncClient, model_name: str) -> None:
    v = await version_with(client, model_name, [])
    assert await error_code(client, UPDATE, m=model_name, v=v, card={"license": "not a license!"}) == "INVALID_INPUT"
    assert await error_code(client, UPDATE, m=model_name, v=v, card={}) == "INVALID_INPUT"
    assert await error_code(client, UPDATE, m=model_name, v=v + 5, card={"summary": "x"}) == "NOT_FOUND"
    assert await error_code(client, UPDATE, m=f"{model_name}-none", v=1, card={"summary": "x"}) == "NOT_FOUND"


@pytest.fixture(scope="module")
def card_rule_api(neo4j_settings: Settings) -> Iterator[LiveServer]:
    settings = neo4j_settings.model_copy(
        update={"auth": False, "require_provenance": False, "required_card_fields": ("intendedUse", "limitations")}
    )
    with LiveServer.serving(settings) as server:
        yield server


async def test_required_card_fields_refuse_promotion_naming_the_field(card_rule_api: LiveServer, unique: str) -> None:
    model = f"card-{unique}"
    query = "mutation($m: String!, $v: Int!) { transitionStage(model: $m, version: $v, stage: PRODUCTION) { stage } }"
    async with httpx.AsyncClient(base_url=card_rule_api.url, timeout=60) as client:
        v = await version_with(client, model, [])
        await data(client, UPDATE, m=model, v=v, card={"intendedUse": "Batch scoring"})
        error = (await execute(client, query, m=model, v=v))["errors"][0]
        assert error["extensions"]["code"] == "PRECONDITION_FAILED"
        assert "limitations" in error["message"] and "intendedUse" not in error["message"]
        await data(client, UPDATE, m=model, v=v, card={"limitations": "Only EUR payments"})
        assert (await data(client, query, m=model, v=v))["transitionStage"]["stage"] == "PRODUCTION"
