"""Vulnerability severities, lowest first (shared by advisories and the promotion policy).

CVSS base score bands, or the database's own word for it."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from cvss import CVSS3, CVSS4
from cvss.exceptions import CVSSError


class Severity(StrEnum):
    LOW = "LOW"
    MODERATE = "MODERATE"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def at_least(self, minimum: Severity | None) -> bool:
        return minimum is None or self.rank >= minimum.rank


_RANKS = {Severity.LOW: 1, Severity.MODERATE: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}
# database_specific.severity words (GitHub's advisories say MODERATE, others MEDIUM).
_WORDS = {
    "LOW": Severity.LOW,
    "MEDIUM": Severity.MODERATE,
    "MODERATE": Severity.MODERATE,
    "HIGH": Severity.HIGH,
    "CRITICAL": Severity.CRITICAL,
}


def meets(severity: Severity | None, minimum: Severity | None) -> bool:
    """A null severity never meets a minimum; with no minimum everything does."""
    if minimum is None:
        return True
    return severity is not None and severity.at_least(minimum)


def band(score: float) -> Severity | None:
    """CVSS qualitative rating of a base score; 0.0 (None) has no severity."""
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MODERATE
    if score > 0.0:
        return Severity.LOW
    return None


def base_score(kind: str, vector: str) -> float | None:
    """The base score of a CVSS v3.x or v4.0 vector; None for other kinds or a vector that does not parse."""
    try:
        if kind == "CVSS_V3":
            return float(CVSS3(vector).base_score)
        if kind == "CVSS_V4":
            return float(CVSS4(vector).base_score)
    except (CVSSError, ValueError, KeyError):
        return None
    return None


def severity_of_record(record: Mapping[str, Any]) -> Severity | None:
    """The highest CVSS v3/v4 band of the record's `severity`, else its database_specific severity."""
    scores = [
        score
        for entry in record.get("severity") or ()
        if isinstance(entry, Mapping) and isinstance(entry.get("score"), str)
        for score in [base_score(str(entry.get("type")), entry["score"])]
        if score is not None
    ]
    if scores:
        return band(max(scores))
    specific = record.get("database_specific")
    word = specific.get("severity") if isinstance(specific, Mapping) else None
    return _WORDS.get(word.strip().upper()) if isinstance(word, str) else None
