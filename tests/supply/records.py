"""OSV records for the tests: the shipped real ones (data/osv, see its README) and small synthetic
ones for the cases the real records lack (last_affected, database_specific severity, several
affected packages, CVSS v4). Synthetic records carry SYNTH- ids and made-up package names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data" / "osv"


def real(osv_id: str) -> dict[str, Any]:
    record: dict[str, Any] = json.loads((DATA / f"{osv_id}.json").read_text(encoding="utf-8"))
    return record


def all_real() -> list[dict[str, Any]]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(DATA.glob("*.json"))]


def synthetic(
    osv_id: str,
    *,
    affected: list[dict[str, Any]],
    modified: str = "2025-01-01T00:00:00Z",
    severity: list[dict[str, str]] | None = None,
    database_severity: str | None = None,
    aliases: list[str] | None = None,
    withdrawn: str | None = None,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "schema_version": "1.6.0",
        "id": osv_id,
        "summary": f"synthetic record {osv_id} for the tests",
        "modified": modified,
        "published": "2024-06-01T00:00:00Z",
        "aliases": aliases or [],
        "affected": affected,
        "references": [{"type": "WEB", "url": f"https://example.invalid/{osv_id}"}],
    }
    if severity is not None:
        record["severity"] = severity
    if database_severity is not None:
        record["database_specific"] = {"severity": database_severity}
    if withdrawn is not None:
        record["withdrawn"] = withdrawn
    return record


def pypi(name: str, *events: dict[str, str], versions: list[str] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"package": {"ecosystem": "PyPI", "name": name}}
    if events:
        entry["ranges"] = [{"type": "ECOSYSTEM", "events": list(events)}]
    if versions is not None:
        entry["versions"] = versions
    return entry


CVSS_V3_CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"  # 9.8
CVSS_V3_HIGH = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"  # 7.5
CVSS_V3_LOW = "CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"  # 2.0
CVSS_V3_NONE = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N"  # 0.0
CVSS_V4_CRITICAL = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"  # 9.3
