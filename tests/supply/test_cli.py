"""`graph-registry advisories import` (files, folders, zip) and `vulns`, in-process against the real server."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from graph_registry.client import Registry
from tests.cli.test_client_commands import Cli, as_json, cli
from tests.client.conftest import registry
from tests.supply import records
from tests.supply.records import DATA, pypi, synthetic

__all__ = ["cli", "registry"]


def test_import_files_folders_and_zips_then_vulns(cli: Cli, registry: Registry, tmp_path: Path, unique: str) -> None:
    model = f"cli-{unique}"
    registry.register_model(model, requirements=[f"clip-{unique}==1.5"], commit=None)
    record = synthetic(
        f"SYNTH-{unique}",
        affected=[pypi(f"clip-{unique}", {"introduced": "0"}, {"fixed": "2"})],
        database_severity="HIGH",
    )
    single = tmp_path / "one.json"
    single.write_text(json.dumps(record))
    archive = tmp_path / "osv.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(DATA.glob("*.json"))[:10]:
            zipped.write(path, f"PyPI/{path.name}")
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "list.json").write_text(json.dumps([records.real("PYSEC-2021-142")]))

    result = as_json(cli("advisories", "import", str(single), str(archive), str(folder), "--json"))
    assert result["imported"] + result["updated"] + result["skipped"] == 12

    again = cli("advisories", "import", str(single))
    assert "imported 0, updated 0, skipped 1" in again.stdout

    found = as_json(cli("vulns", "--min-severity", "high", "--json"))
    mine = [hit for hit in found if hit["modelVersion"]["model"]["name"] == model]
    assert [v["advisory"]["osvId"] for v in mine[0]["vulnerabilities"]] == [f"SYNTH-{unique}"]
    table = cli("vulns", "--min-severity", "high").stdout
    assert f"SYNTH-{unique}" in table and f"clip-{unique}==1.5" in table
    assert model not in as_json(cli("vulns", "--min-severity", "critical", "--json")).__repr__()
    missing = cli("advisories", "import", str(tmp_path / "nope.json"), code=2)
    assert "no such file" in missing.stderr


def test_card_command(cli: Cli, registry: Registry, unique: str) -> None:
    model = f"cardcli-{unique}"
    version = registry.register_model(model, requirements=[], commit=None, metrics={"auc": 0.9})
    registry.execute(
        'mutation($m: String!, $v: Int!) { updateModelCard(model: $m, version: $v, card: {summary: "Fraud scores", '
        'license: "mit"}) { summary } }',
        {"m": model, "v": version.version},
    )
    table = cli("card", f"{model}:{version.version}").stdout
    assert "Fraud scores" in table and "mit" in table
    markdown = cli("card", f"{model}:{version.version}", "--markdown").stdout
    assert markdown.startswith("---\nlicense: mit\n")
    assert "## Summary" in markdown


def test_sbom_command(cli: Cli, registry: Registry, tmp_path: Path, unique: str) -> None:
    model = f"sbomcli-{unique}"
    version = registry.register_model(model, requirements=["numpy==1.26.4"], commit=None)
    printed = json.loads(cli("sbom", f"{model}:{version.version}").stdout)
    assert printed["specVersion"] == "1.6"
    assert printed["metadata"]["component"]["name"] == model
    target = tmp_path / "bom.json"
    cli("sbom", f"{model}:{version.version}", "-o", str(target))
    written = json.loads(target.read_text())
    assert [c["purl"] for c in written["components"]] == ["pkg:pypi/numpy@1.26.4"]
    cli("sbom", f"{model}:99", code=3)


def test_search_command(cli: Cli, registry: Registry, unique: str) -> None:
    term = "qzx" + unique.translate(str.maketrans("0123456789", "ghijklmnop"))
    registry.execute(
        'mutation($n: String!) { createModel(name: $n, description: "a [red] model") { name } }', {"n": f"{term}-cli"}
    )
    table = cli("search", term[:3] + term[3:-1] + ("a" if term[-1] != "a" else "b")).stdout
    assert f"{term}-cli" in table
    found = as_json(cli("search", term, "--kind", "model", "--json"))
    assert [hit["node"]["name"] for hit in found] == [f"{term}-cli"]
    assert "no matches" in cli("search", term, "--kind", "dataset").stdout
