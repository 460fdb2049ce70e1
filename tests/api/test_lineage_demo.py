"""The demo scenario: loads idempotently and answers the README questions in one request each."""

from __future__ import annotations

import httpx

from graph_registry.bootstrap import Services
from graph_registry.services.demo import load, load_if_empty
from graph_registry.storage.database import Database
from tests.graphql import data

# The README's examples, verbatim.
TRAINED_PRODUCTION = """
{
  modelVersion(model: "fraud-detector", stage: PRODUCTION) {
    version aliases
    trainedOn { dataset { name } version digest derivedFrom { dataset { name } version } }
    commit { repo sha message }
    producedBy { name experiment { name } params { key value } }
  }
}
"""
IMPACTED = """
{
  impact(datasetVersion: {dataset: "transactions-raw", version: 1}, stage: PRODUCTION) {
    modelVersion { model { name } version aliases }
    path {
      __typename
      ... on DatasetVersion { dataset { name } version }
      ... on Run { name }
      ... on ModelVersion { model { name } version }
    }
  }
}
"""
DIFF = """
{
  provenanceDiff(a: {model: "fraud-detector", alias: "champion"}, b: {model: "fraud-detector", alias: "challenger"}) {
    a { version } b { version }
    datasetsAdded { dataset { name } version }
    datasetsRemoved { dataset { name } version }
    commitA { sha message } commitB { sha message }
    paramChanges { key a b } metricChanges { key a b } packageChanges { key a b }
    baseModelChanged
  }
}
"""
VULNERABLE = """
{
  packageImpact(name: "PyYAML", spec: "<5.4", stage: PRODUCTION) {
    model { name } version aliases
  }
}
"""
PICTURE = """
{
  modelVersion(model: "fraud-detector", alias: "champion") {
    lineage(direction: UPSTREAM, depth: 6, kinds: [MODEL_VERSION, DATASET_VERSION, RUN, COMMIT]) {
      truncated
      mermaid
    }
  }
}
"""


async def test_demo_answers_the_readme_questions(
    client: httpx.AsyncClient, database: Database, services: Services
) -> None:
    first = await load(database, services)
    again = await load(database, services)
    assert first == again
    counts = await data(
        client,
        '{ model(name: "fraud-detector") { versions { totalCount } } '
        'experiment(name: "fraud-detector-training") { runs { totalCount } } '
        'dataset(name: "fraud-features") { versions { totalCount } } }',
    )
    assert counts == {
        "model": {"versions": {"totalCount": 3}},
        "experiment": {"runs": {"totalCount": 3}},
        "dataset": {"versions": {"totalCount": 2}},
    }
    trained = (await data(client, TRAINED_PRODUCTION))["modelVersion"]
    assert trained["version"] == 2 and trained["aliases"] == ["champion"]
    assert [(d["dataset"]["name"], d["version"]) for d in trained["trainedOn"]] == [
        ("fraud-features", 1),
        ("fraud-features", 2),
    ]
    assert trained["producedBy"]["name"] == "xgb-tuned"
    hits = (await data(client, IMPACTED))["impact"]
    assert [(h["modelVersion"]["model"]["name"], h["modelVersion"]["version"]) for h in hits] == [
        ("fraud-detector", 2),
        ("fraud-detector-eu", 1),
    ]
    assert [step.get("name") or step["__typename"] for step in hits[0]["path"]][3] == "xgb-tuned"
    diff = (await data(client, DIFF))["provenanceDiff"]
    assert diff["packageChanges"] == [{"key": "pyyaml", "a": "5.3", "b": "6.0.1"}]
    assert diff["datasetsAdded"] == [] and diff["paramChanges"] == [{"key": "subsample", "a": None, "b": "0.8"}]
    vulnerable = (await data(client, VULNERABLE))["packageImpact"]
    assert [(v["model"]["name"], v["version"]) for v in vulnerable] == [("fraud-detector", 2)]
    picture = (await data(client, PICTURE))["modelVersion"]["lineage"]
    assert picture["mermaid"].startswith("flowchart LR") and "transactions-raw v1" in picture["mermaid"]


async def test_the_demo_loads_only_into_an_empty_registry(database: Database, services: Services) -> None:
    await load(database, services)
    assert (await database.read("count_registry_objects"))[0]["count"] > 0
    assert await load_if_empty(database, services) is False
