"""Model cards: the sections people write, and the card rendered in the Hugging Face layout.

A card's written sections live with the version; everything else (metrics, training data,
base model, packages, commit, stage, aliases) comes from the lineage graph when the card is
read. `render_markdown` writes the Hugging Face model card layout: YAML front matter
(`license`, `datasets`, `base_model`, `tags`, `model-index` with the metrics), then the
Markdown sections (https://huggingface.co/docs/hub/model-cards).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import yaml

from graph_registry.domain.records import CommitRecord, DatasetVersionRecord, PackageRecord, VersionRecord
from graph_registry.errors import InvalidInput

# GraphQL field name -> stored property, in the order the card shows them.
SECTIONS = {
    "summary": "cardSummary",
    "intendedUse": "cardIntendedUse",
    "limitations": "cardLimitations",
    "ethicalConsiderations": "cardEthicalConsiderations",
    "evaluation": "cardEvaluation",
    "license": "cardLicense",
}
TITLES = {
    "summary": "Summary",
    "intendedUse": "Intended use",
    "limitations": "Limitations",
    "ethicalConsiderations": "Ethical considerations",
    "evaluation": "Evaluation",
}
MAX_SECTION = 20_000
_LICENSE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$")


@dataclass(frozen=True, slots=True)
class CardSections:
    """The written part of a card; None: not written."""

    values: Mapping[str, str] = field(default_factory=dict)
    updated_by: str | None = None
    updated_at: datetime | None = None

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> CardSections:
        values = {name: row[prop] for name, prop in SECTIONS.items() if row.get(prop)}
        return cls(values=values, updated_by=row.get("cardUpdatedBy"), updated_at=row.get("cardUpdatedAt"))

    def missing(self, required: Sequence[str]) -> list[str]:
        """The required sections (by field name) that are empty."""
        return [name for name in required if not (self.values.get(name) or "").strip()]


def changes(card: Mapping[str, str | None]) -> dict[str, str | None]:
    """Stored properties to set from a ModelCardInput: None leaves a section, "" clears it (None stored)."""
    found: dict[str, str | None] = {}
    for name, value in card.items():
        if name not in SECTIONS:
            raise InvalidInput(f"unknown model card field {name!r}", field=name)
        if value is None:
            continue
        if len(value) > MAX_SECTION:
            raise InvalidInput(f"{name} is longer than {MAX_SECTION} characters", field=name)
        if name == "license" and value and not _LICENSE.fullmatch(value):
            raise InvalidInput(f"license {value[:80]!r} is not an SPDX id such as apache-2.0", field="license")
        found[SECTIONS[name]] = value or None
    if not found:
        raise InvalidInput("the card input changes nothing: give at least one section", field="card")
    return found


def validated_fields(names: Sequence[str]) -> list[str]:
    unknown = [name for name in names if name not in SECTIONS]
    if unknown:
        raise InvalidInput(f"unknown model card field(s): {', '.join(unknown)}", field="requiredCardFields")
    return list(names)


@dataclass(frozen=True, slots=True)
class CardFacts:
    """What the lineage graph knows of a version, for its card."""

    version: VersionRecord
    aliases: Sequence[str] = ()
    datasets: Sequence[DatasetVersionRecord] = ()
    base_model: VersionRecord | None = None
    packages: Sequence[PackageRecord] = ()
    commit: CommitRecord | None = None


def front_matter(sections: CardSections, facts: CardFacts) -> dict[str, Any]:
    version = facts.version
    meta: dict[str, Any] = {}
    if sections.get("license"):
        meta["license"] = sections.get("license")
    if facts.datasets:
        meta["datasets"] = sorted({dataset.dataset for dataset in facts.datasets})
    if facts.base_model is not None:
        meta["base_model"] = f"{facts.base_model.model}:{facts.base_model.version}"
    tags = [f"{key}:{value}" if value else key for key, value in version.tags]
    meta["tags"] = [*tags, f"stage:{version.stage.value.lower()}", *(f"alias:{alias}" for alias in facts.aliases)]
    if version.metrics:
        result: dict[str, Any] = {
            "task": {"type": "other", "name": version.model},
            "metrics": [{"type": m.key, "name": m.key, "value": m.value} for m in version.metrics],
        }
        if facts.datasets:
            first = facts.datasets[0]
            result["dataset"] = {"type": first.dataset, "name": first.dataset, "revision": str(first.version)}
        meta["model-index"] = [{"name": f"{version.model}:{version.version}", "results": [result]}]
    return meta


def render_markdown(sections: CardSections, facts: CardFacts) -> str:
    """The card as Markdown with YAML front matter in the Hugging Face model card layout."""
    version = facts.version
    header = yaml.safe_dump(front_matter(sections, facts), sort_keys=False, allow_unicode=True)
    lines = [f"---\n{header}---", "", f"# {version.model} v{version.version}", ""]
    for name, title in TITLES.items():
        text = sections.get(name)
        if text:
            lines += [f"## {title}", "", text.strip(), ""]
    lines += ["## Lineage", ""]
    lines.append(
        f"- Stage: {version.stage.value}" + (f"; aliases: {', '.join(facts.aliases)}" if facts.aliases else "")
    )
    for dataset in facts.datasets:
        lines.append(f"- Trained on: {dataset.dataset} v{dataset.version} (`{dataset.digest}`)")
    if facts.base_model is not None:
        lines.append(f"- Base model: {facts.base_model.model} v{facts.base_model.version}")
    if facts.commit is not None:
        lines.append(f"- Commit: {facts.commit.repo} @ `{facts.commit.sha}`")
    if facts.packages:
        lines.append("- Packages: " + ", ".join(f"`{p.name}=={p.version}`" for p in facts.packages))
    if version.metrics:
        lines += ["", "## Metrics", "", "| metric | value |", "| --- | --- |"]
        lines += [f"| {m.key} | {m.value:g} |" for m in version.metrics]
    return "\n".join(lines).rstrip() + "\n"
