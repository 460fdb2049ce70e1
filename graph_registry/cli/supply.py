"""`graph-registry advisories import`, `vulns`, `card`, `sbom`, `search`: supply chain and discovery."""

from __future__ import annotations

import html
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from graph_registry.cli import osv_files, output
from graph_registry.cli.client_options import Json, Token, Url, connected, stderr
from graph_registry.cli.models import VersionRef

advisories_app = typer.Typer(help="Vulnerability advisories (OSV records).", no_args_is_help=True)
# Records per importAdvisories request.
CHUNK = 200

IMPORT = """
mutation($osv: JSON!) {
  importAdvisories(osv: $osv) { imported updated skipped newlyAffected { version stage model { name } } }
}
"""
VULNERABLE = """
query($stage: Stage, $alias: String, $min: Severity) {
  vulnerableModels(stage: $stage, alias: $alias, minSeverity: $min) {
    modelVersion { version stage model { name } }
    vulnerabilities { package { name version } advisory { osvId aliases severity summary
                      affected { package fixedIn } } }
  }
}
"""


class StageChoice(StrEnum):
    NONE = "none"
    STAGING = "staging"
    PRODUCTION = "production"
    ARCHIVED = "archived"


class SeverityChoice(StrEnum):
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    CRITICAL = "critical"


@advisories_app.command("import")
def import_advisories(
    paths: Annotated[list[Path], typer.Argument(help="OSV .json files, folders of them, or .zip archives.")],
    url: Url = None,
    token: Token = None,
    json: Json = False,
) -> None:
    """Import OSV records (PyPI ones are kept), e.g. the PyPI export of the OSV database as a zip."""
    totals: dict[str, Any] = {"imported": 0, "updated": 0, "skipped": 0, "newlyAffected": []}
    with connected(url, token) as registry:
        files = osv_files.sources(paths)
        pending: list[Any] = []

        def send() -> None:
            result = registry.execute(IMPORT, {"osv": pending})["importAdvisories"]
            for key in ("imported", "updated", "skipped"):
                totals[key] += result[key]
            totals["newlyAffected"] += result["newlyAffected"]
            pending.clear()

        columns = (TextColumn("advisories"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, console=stderr, disable=json or not stderr.is_terminal) as progress:
            task = progress.add_task("import", total=osv_files.count(files))
            for records in osv_files.read(files):
                pending += records
                if len(pending) >= CHUNK:
                    send()
                progress.advance(task)
            if pending:
                send()
    if json:
        output.print_json(totals)
        return
    output.stdout.print(
        f"imported {totals['imported']}, updated {totals['updated']}, skipped {totals['skipped']}; "
        f"{len(totals['newlyAffected'])} model version(s) newly affected"
    )
    for hit in totals["newlyAffected"]:
        output.stdout.print(f"  {escape(hit['model']['name'])}:{hit['version']} ({hit['stage']})")


def vulns(
    stage: Annotated[
        StageChoice | None, typer.Option(case_sensitive=False, help="Only versions in this stage.")
    ] = None,
    alias: Annotated[str | None, typer.Option(help="Only versions holding this alias.")] = None,
    min_severity: Annotated[
        SeverityChoice | None, typer.Option(case_sensitive=False, help="Only advisories at or above it.")
    ] = None,
    url: Url = None,
    token: Token = None,
    json: Json = False,
) -> None:
    """Model versions whose declared packages have known vulnerabilities, e.g. `vulns --stage production`."""
    variables = {
        "stage": stage.value.upper() if stage else None,
        "alias": alias,
        "min": min_severity.value.upper() if min_severity else None,
    }
    with connected(url, token) as registry:
        found = registry.execute(VULNERABLE, variables)["vulnerableModels"]
    if json:
        output.print_json(found)
        return
    table = Table("model", "version", "stage", "package", "advisory", "severity", "fixed in", "summary")
    for hit in found:
        version = hit["modelVersion"]
        for vulnerability in hit["vulnerabilities"]:
            advisory, package = vulnerability["advisory"], vulnerability["package"]
            fixed = sorted(
                {v for entry in advisory["affected"] if entry["package"] == package["name"] for v in entry["fixedIn"]}
            )
            table.add_row(
                escape(version["model"]["name"]),
                str(version["version"]),
                output.stage_text(version["stage"]),
                escape(f"{package['name']}=={package['version']}"),
                escape(advisory["osvId"]),
                advisory["severity"] or "-",
                escape(", ".join(fixed)) or "-",
                escape((advisory["summary"] or "")[:80]),
            )
    output.stdout.print(table if found else "no known vulnerabilities")


CARD = """
query($m: String!, $v: Int!) {
  modelVersion(model: $m, version: $v) {
    card { summary intendedUse limitations ethicalConsiderations evaluation license updatedBy updatedAt markdown }
  }
}
"""


def card(
    ref: VersionRef,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the card as Markdown (Hugging Face layout).")
    ] = False,
    url: Url = None,
    token: Token = None,
    json: Json = False,
) -> None:
    """A version's model card, e.g. `card fraud:3 --markdown > README.md`."""
    with connected(url, token) as registry:
        version = registry.version(ref)
        found = registry.execute(CARD, {"m": version.model, "v": version.version})["modelVersion"]["card"]
    if markdown:
        print(found["markdown"], end="")
        return
    if json:
        output.print_json(found)
        return
    table = Table("section", "text", title=f"{escape(version.model)} v{version.version}")
    for key in ("summary", "intendedUse", "limitations", "ethicalConsiderations", "evaluation", "license"):
        table.add_row(key, escape(found[key] or "-"))
    table.add_row("updated", escape(f"{found['updatedBy'] or '-'} {found['updatedAt'] or ''}"))
    output.stdout.print(table)


SBOM = "query($m: String!, $v: Int!) { modelVersion(model: $m, version: $v) { sbom } }"


def sbom(
    ref: VersionRef,
    out: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the document here (default: stdout).")
    ] = None,
    url: Url = None,
    token: Token = None,
) -> None:
    """A version's CycloneDX 1.6 ML-BOM (JSON), e.g. `sbom fraud@production -o fraud.cdx.json`."""
    with connected(url, token) as registry:
        version = registry.version(ref)
        document = registry.execute(SBOM, {"m": version.model, "v": version.version})["modelVersion"]["sbom"]
    text = orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n"
    if out is None:
        print(text, end="")
    else:
        out.write_text(text, encoding="utf-8")
        stderr.print(f"wrote {escape(str(out))} (CycloneDX {document['specVersion']})")


SEARCH = """
query($q: String!, $kinds: [NodeKind!], $first: Int) {
  search(query: $q, kinds: $kinds, first: $first) {
    kind score highlight
    node { ... on Model { name } ... on ModelVersion { version stage model { name } } ... on Dataset { name } }
  }
}
"""


class KindChoice(StrEnum):
    MODEL = "model"
    MODEL_VERSION = "model_version"
    DATASET = "dataset"


def search(
    text: Annotated[str, typer.Argument(help="Words to find (a typo of one letter still finds a name).")],
    kinds: Annotated[
        list[KindChoice] | None, typer.Option("--kind", case_sensitive=False, help="Only these kinds (repeat).")
    ] = None,
    first: Annotated[int, typer.Option(min=1, max=100, help="At most this many hits.")] = 20,
    url: Url = None,
    token: Token = None,
    json: Json = False,
) -> None:
    """Full-text search over models, versions and datasets, e.g. `search fraud --kind model`."""
    variables = {"q": text, "kinds": [kind.value.upper() for kind in kinds] if kinds else None, "first": first}
    with connected(url, token) as registry:
        hits = registry.execute(SEARCH, variables)["search"]
    if json:
        output.print_json(hits)
        return
    table = Table("kind", "name", "score", "match")
    for hit in hits:
        node = hit["node"]
        name = node.get("name") or f"{node['model']['name']}:{node['version']}"
        fragment = (hit["highlight"] or "").replace("<em>", "[bold]").replace("</em>", "[/bold]")
        table.add_row(hit["kind"].lower(), escape(name), f"{hit['score']:.2f}", _unescaped(fragment))
    output.stdout.print(table if hits else "no matches")


def _unescaped(fragment: str) -> str:
    """The HTML-escaped fragment as rich markup: entities back to text, brackets escaped, marks kept bold."""
    text = html.unescape(fragment)
    return escape(text).replace("\\[bold]", "[bold]").replace("\\[/bold]", "[/bold]")
