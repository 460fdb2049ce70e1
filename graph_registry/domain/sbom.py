"""A model version's bill of materials as a CycloneDX 1.6 ML-BOM, built with cyclonedx-python-lib.

The library models the document (components, purls, hashes, external references, the
dependency graph, vulnerabilities and their ratings) and serialises it; what it lacks
today, the `modelCard` of a machine-learning-model component and the `data` of a data
component, is added to its JSON output here. Tests validate the result against the 1.6
JSON schema the library ships.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from cyclonedx.model import ExternalReference, ExternalReferenceType, HashAlgorithm, HashType, Property, XsUri
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.license import DisjunctiveLicense
from cyclonedx.model.vulnerability import (
    BomTarget,
    Vulnerability,
    VulnerabilityRating,
    VulnerabilityReference,
    VulnerabilitySeverity,
    VulnerabilitySource,
)
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.spdx import fixup_id
from packageurl import PackageURL

from graph_registry.domain.advisories import Advisory
from graph_registry.domain.cards import CardFacts, CardSections
from graph_registry.domain.records import DatasetVersionRecord, PackageRecord
from graph_registry.domain.severity import Severity

_HASHES = {"sha256": HashAlgorithm.SHA_256, "sha512": HashAlgorithm.SHA_512}
_RATINGS = {
    Severity.LOW: VulnerabilitySeverity.LOW,
    Severity.MODERATE: VulnerabilitySeverity.MEDIUM,
    Severity.HIGH: VulnerabilitySeverity.HIGH,
    Severity.CRITICAL: VulnerabilitySeverity.CRITICAL,
}
_OSV = VulnerabilitySource(name="OSV", url=XsUri("https://osv.dev"))


def model_ref(model: str, version: int) -> str:
    return f"model:{model}:{version}"


def dataset_ref(record: DatasetVersionRecord) -> str:
    return f"dataset:{record.dataset}:{record.version}"


def package_ref(record: PackageRecord) -> str:
    return f"pkg:pypi/{record.name}@{record.version}"


def _hashes(digest: str | None) -> list[HashType]:
    algorithm, _, content = (digest or "").partition(":")
    found = _HASHES.get(algorithm.lower())
    return [HashType(alg=found, content=content.lower())] if found and content else []


def _uri(text: str | None) -> XsUri | None:
    try:
        return XsUri(text) if text else None
    except ValueError:
        return None


def _license(text: str) -> DisjunctiveLicense:
    spdx = fixup_id(text)
    return DisjunctiveLicense(id=spdx) if spdx else DisjunctiveLicense(name=text)


def _model_component(facts: CardFacts, sections: CardSections) -> Component:
    version = facts.version
    references = []
    if facts.commit is not None:
        url = _uri(facts.commit.repo)
        if url is not None:
            references.append(
                ExternalReference(type=ExternalReferenceType.VCS, url=url, comment=f"commit {facts.commit.sha}")
            )
    artifact = version.artifact
    license_text = sections.get("license")
    return Component(
        type=ComponentType.MACHINE_LEARNING_MODEL,
        name=version.model,
        version=str(version.version),
        bom_ref=model_ref(version.model, version.version),
        description=sections.get("summary") or version.description,
        hashes=_hashes(f"sha256:{artifact.sha256}" if artifact else None),
        external_references=references,
        licenses=[_license(license_text)] if license_text else [],
        properties=[Property(name=f"graph-registry:tag:{key}", value=value) for key, value in version.tags]
        + [Property(name="graph-registry:stage", value=version.stage.value)]
        + [Property(name="graph-registry:alias", value=alias) for alias in facts.aliases],
    )


def _dataset_component(record: DatasetVersionRecord) -> Component:
    return Component(
        type=ComponentType.DATA,
        name=record.dataset,
        version=str(record.version),
        bom_ref=dataset_ref(record),
        hashes=_hashes(record.digest),
        properties=[Property(name="graph-registry:digest", value=record.digest)],
    )


def _vulnerabilities(
    vulnerabilities: Sequence[tuple[PackageRecord, Advisory]], refs: dict[str, Component]
) -> list[Vulnerability]:
    by_advisory: dict[str, tuple[Advisory, list[str]]] = {}
    for package, advisory in vulnerabilities:
        by_advisory.setdefault(advisory.osv_id, (advisory, []))[1].append(package_ref(package))
    found = []
    for osv_id, (advisory, targets) in sorted(by_advisory.items()):
        severity = _RATINGS.get(advisory.severity) if advisory.severity else VulnerabilitySeverity.UNKNOWN
        found.append(
            Vulnerability(
                bom_ref=f"vulnerability:{osv_id}",
                id=osv_id,
                source=VulnerabilitySource(name="OSV", url=XsUri(f"https://osv.dev/vulnerability/{osv_id}")),
                description=advisory.summary,
                ratings=[VulnerabilityRating(source=_OSV, severity=severity)],
                references=[VulnerabilityReference(id=alias, source=_OSV) for alias in advisory.aliases],
                affects=[BomTarget(ref=ref) for ref in sorted(set(targets)) if ref in refs],
            )
        )
    return found


def _model_card(facts: CardFacts, sections: CardSections) -> dict[str, Any]:
    card: dict[str, Any] = {"bom-ref": f"{model_ref(facts.version.model, facts.version.version)}:card"}
    parameters: dict[str, Any] = {}
    task = dict(facts.version.tags).get("task")
    if task:
        parameters["task"] = task
    if facts.datasets:
        parameters["datasets"] = [{"ref": dataset_ref(record)} for record in facts.datasets]
    if parameters:
        card["modelParameters"] = parameters
    if facts.version.metrics:
        card["quantitativeAnalysis"] = {
            "performanceMetrics": [{"type": m.key, "value": f"{m.value:g}"} for m in facts.version.metrics]
        }
    considerations: dict[str, Any] = {}
    if sections.get("intendedUse"):
        considerations["useCases"] = [sections.get("intendedUse")]
    if sections.get("limitations"):
        considerations["technicalLimitations"] = [sections.get("limitations")]
    if sections.get("ethicalConsiderations"):
        considerations["ethicalConsiderations"] = [{"name": sections.get("ethicalConsiderations")}]
    if considerations:
        card["considerations"] = considerations
    if sections.get("evaluation"):
        card["properties"] = [{"name": "graph-registry:card:evaluation", "value": sections.get("evaluation")}]
    return card


def _dataset_data(record: DatasetVersionRecord) -> list[dict[str, Any]]:
    data: dict[str, Any] = {"type": "dataset", "name": f"{record.dataset} v{record.version}"}
    if record.uri:
        data["contents"] = {"url": record.uri}
    return [data]


def document(
    facts: CardFacts, sections: CardSections, vulnerabilities: Sequence[tuple[PackageRecord, Advisory]]
) -> dict[str, Any]:
    """The CycloneDX 1.6 JSON document (as a dict) of one model version."""
    subject = _model_component(facts, sections)
    bom = Bom()
    bom.metadata.component = subject
    datasets = {dataset_ref(record): record for record in facts.datasets}
    dependencies: list[Component] = []
    for record in datasets.values():
        component = _dataset_component(record)
        bom.components.add(component)
        dependencies.append(component)
    if facts.base_model is not None:
        base = Component(
            type=ComponentType.MACHINE_LEARNING_MODEL,
            name=facts.base_model.model,
            version=str(facts.base_model.version),
            bom_ref=model_ref(facts.base_model.model, facts.base_model.version),
            description="base model (fine-tuned from)",
        )
        bom.components.add(base)
        dependencies.append(base)
    libraries: dict[str, Component] = {}
    for package in facts.packages:
        library = Component(
            type=ComponentType.LIBRARY,
            name=package.name,
            version=package.version,
            bom_ref=package_ref(package),
            purl=PackageURL(type="pypi", name=package.name, version=package.version),
        )
        bom.components.add(library)
        libraries[package_ref(package)] = library
        dependencies.append(library)
    bom.register_dependency(subject, dependencies)
    for vulnerability in _vulnerabilities(vulnerabilities, libraries):
        bom.vulnerabilities.add(vulnerability)
    output: dict[str, Any] = orjson.loads(JsonV1Dot6(bom).output_as_string())
    output["metadata"]["component"]["modelCard"] = _model_card(facts, sections)
    for component in output.get("components", []):
        found = datasets.get(component.get("bom-ref", ""))
        if found is not None:
            component["data"] = _dataset_data(found)
    return output
