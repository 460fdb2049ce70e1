"""ModelVersion.sbom: a CycloneDX 1.6 ML-BOM that validates against the schema the library ships."""

from __future__ import annotations

import json

import httpx
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from tests.graphql import data
from tests.supply import records
from tests.supply.graph import full_lineage_version, import_osv

SBOM = "query($m: String!, $v: Int!) { modelVersion(model: $m, version: $v) { sbom } }"
UPDATE = """
mutation($m: String!, $v: Int!, $card: ModelCardInput!) { updateModelCard(model: $m, version: $v, card: $card) { summary } }
"""


def validate(document: dict) -> None:
    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(document))
    assert errors is None, errors


async def test_sbom_of_a_version_with_everything_validates(
    client: httpx.AsyncClient, model_name: str, unique: str
) -> None:
    made = await full_lineage_version(client, model_name, unique)
    v = made["version"]
    await import_osv(client, records.real("PYSEC-2021-142"))
    await data(
        client,
        UPDATE,
        m=model_name,
        v=v,
        card={
            "summary": "Fraud scores",
            "intendedUse": "Online scoring",
            "limitations": "EUR only",
            "ethicalConsiderations": "May reflect historic bias",
            "evaluation": "Held-out month",
            "license": "apache-2.0",
        },
    )
    bom = (await data(client, SBOM, m=model_name, v=v))["modelVersion"]["sbom"]
    validate(bom)
    assert bom["bomFormat"] == "CycloneDX" and bom["specVersion"] == "1.6"

    model = bom["metadata"]["component"]
    assert model["type"] == "machine-learning-model" and model["name"] == model_name
    assert model["licenses"] == [{"license": {"id": "Apache-2.0"}}]
    assert model["externalReferences"][0]["type"] == "vcs"
    assert model["externalReferences"][0]["url"] == "https://github.com/example/fraud"
    card = model["modelCard"]
    assert {m["type"]: m["value"] for m in card["quantitativeAnalysis"]["performanceMetrics"]} == {
        "auc": "0.91",
        "f1": "0.8",
    }
    assert card["considerations"]["useCases"] == ["Online scoring"]
    assert card["considerations"]["technicalLimitations"] == ["EUR only"]
    assert card["modelParameters"]["task"] == "fraud"

    by_ref = {component["bom-ref"]: component for component in bom["components"]}
    dataset = by_ref[f"dataset:{made['dataset']}:1"]
    assert dataset["type"] == "data"
    assert dataset["hashes"] == [{"alg": "SHA-256", "content": made["digest"].removeprefix("sha256:")}]
    assert dataset["data"][0]["type"] == "dataset"
    assert card["modelParameters"]["datasets"] == [{"ref": dataset["bom-ref"]}]
    base = by_ref[f"model:{model_name}-base:{made['base']}"]
    assert base["type"] == "machine-learning-model"
    pyyaml = by_ref["pkg:pypi/pyyaml@5.3.1"]
    assert pyyaml["type"] == "library" and pyyaml["purl"] == "pkg:pypi/pyyaml@5.3.1"
    assert f"pkg:pypi/lib-{unique}@1.0" in by_ref

    (subject,) = [d for d in bom["dependencies"] if d["ref"] == model["bom-ref"]]
    assert set(subject["dependsOn"]) == {
        dataset["bom-ref"],
        base["bom-ref"],
        pyyaml["bom-ref"],
        f"pkg:pypi/lib-{unique}@1.0",
    }

    vulnerabilities = {vuln["id"]: vuln for vuln in bom["vulnerabilities"]}
    pysec = vulnerabilities["PYSEC-2021-142"]
    assert pysec["affects"] == [{"ref": "pkg:pypi/pyyaml@5.3.1"}]
    assert pysec["ratings"][0]["severity"] == "unknown"  # the record gives no severity
    assert {ref["id"] for ref in pysec["references"]} == {"CVE-2020-14343", "GHSA-8q59-q68h-6hv4"}


async def test_sbom_of_a_bare_version_validates(client: httpx.AsyncClient, model_name: str) -> None:
    created = await data(
        client, "mutation($m: String!) { createModelVersion(input: {model: $m}) { version } }", m=model_name
    )
    bom = (await data(client, SBOM, m=model_name, v=created["createModelVersion"]["version"]))["modelVersion"]["sbom"]
    validate(bom)
    assert bom["metadata"]["component"]["modelCard"] == {"bom-ref": f"model:{model_name}:1:card"}
    assert "vulnerabilities" not in bom or bom["vulnerabilities"] == []
