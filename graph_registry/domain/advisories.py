"""OSV advisories for PyPI: what a record says, and which package versions it affects.

Pure rules, no storage: a record (https://ossf.github.io/osv-schema/) is read into an
`Advisory`; `AffectedPackage.affects` decides a version the way OSV orders versions for
the PyPI ecosystem (PEP 440 through `packaging.version.Version`, pre-releases inside a
range included, which `SpecifierSet` would leave out). Names are PEP 503 normalised.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from graph_registry.domain.severity import Severity, severity_of_record
from graph_registry.errors import InvalidInput

ECOSYSTEM = "PyPI"
# The lowest version: OSV's `introduced: "0"`.
ZERO = "0"


@dataclass(frozen=True, slots=True)
class Event:
    """One event of an ECOSYSTEM range: exactly one of the three is set."""

    introduced: str | None = None
    fixed: str | None = None
    last_affected: str | None = None

    @property
    def at(self) -> str:
        return self.introduced or self.fixed or self.last_affected or ZERO


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _order(event: Event) -> tuple[int, Version]:
    # "0" sorts before every version; versions that do not parse cannot be placed and were dropped.
    if event.introduced == ZERO:
        return (0, Version("0"))
    parsed = _version(event.at)
    assert parsed is not None
    return (1, parsed)


@dataclass(frozen=True, slots=True)
class Range:
    """An ECOSYSTEM range: its events in version order."""

    events: tuple[Event, ...]

    def affects(self, version: Version) -> bool:
        # OSV's evaluation: walk the events in order; the last one at or below the version decides.
        affected = False
        for event in self.events:
            if event.introduced is not None:
                if event.introduced == ZERO or version >= Version(event.introduced):
                    affected = True
            elif event.fixed is not None:
                if version >= Version(event.fixed):
                    affected = False
            elif event.last_affected is not None and version > Version(event.last_affected):
                affected = False
        return affected

    def specifiers(self) -> list[str]:
        """The range as PEP 440 text, one interval each: >=0,<5.4 or >=1.0,<=1.2 or >=2.0."""
        intervals: list[str] = []
        start: str | None = None
        for event in self.events:
            if event.introduced is not None:
                if start is None:
                    start = event.introduced
            elif start is not None:
                end = f"<{event.fixed}" if event.fixed is not None else f"<={event.last_affected}"
                intervals.append(f">={start},{end}")
                start = None
        if start is not None:
            intervals.append(f">={start}")
        return intervals

    @property
    def fixed(self) -> list[str]:
        return [event.fixed for event in self.events if event.fixed is not None]


@dataclass(frozen=True, slots=True)
class AffectedPackage:
    package: str
    ranges: tuple[Range, ...]
    versions: tuple[str, ...]

    def affects(self, version: str) -> bool:
        if version in self.versions:
            return True
        parsed = _version(version)
        if parsed is None:
            return False
        if any(_version(listed) == parsed for listed in self.versions):
            return True
        return any(affected_range.affects(parsed) for affected_range in self.ranges)

    @property
    def specifiers(self) -> list[str]:
        return [text for affected_range in self.ranges for text in affected_range.specifiers()]

    @property
    def fixed_in(self) -> list[str]:
        return sorted({fixed for affected_range in self.ranges for fixed in affected_range.fixed}, key=_sort_key)

    def to_json(self) -> dict[str, Any]:
        return {
            "package": self.package,
            "ranges": [
                [{k: v for k, v in vars_of(event).items() if v is not None} for event in r.events] for r in self.ranges
            ],
            "versions": list(self.versions),
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> AffectedPackage:
        return cls(
            package=value["package"],
            ranges=tuple(Range(tuple(Event(**event) for event in events)) for events in value["ranges"]),
            versions=tuple(value["versions"]),
        )


def vars_of(event: Event) -> dict[str, str | None]:
    return {"introduced": event.introduced, "fixed": event.fixed, "last_affected": event.last_affected}


def _sort_key(text: str) -> tuple[int, Version | str]:
    parsed = _version(text)
    return (0, parsed) if parsed is not None else (1, text)


@dataclass(frozen=True, slots=True)
class Advisory:
    osv_id: str
    aliases: tuple[str, ...]
    summary: str | None
    severity: Severity | None
    affected: tuple[AffectedPackage, ...]
    published: datetime | None
    modified: datetime
    withdrawn: datetime | None
    references: tuple[str, ...]

    def affected_versions(self, package: str, versions: Iterable[str]) -> list[str]:
        """Which of `versions` of `package` (a PEP 503 name) this record affects; none when withdrawn."""
        if self.withdrawn is not None:
            return []
        entries = [entry for entry in self.affected if entry.package == package]
        return [version for version in versions if any(entry.affects(version) for entry in entries)]

    @property
    def packages(self) -> list[str]:
        return sorted({entry.package for entry in self.affected})


def _time(value: object, what: str, osv_id: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{osv_id}: {what} must be an RFC 3339 time", field=what)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise InvalidInput(f"{osv_id}: {what} {value!r} is not an RFC 3339 time", field=what) from error
    if parsed.tzinfo is None:
        raise InvalidInput(f"{osv_id}: {what} {value!r} has no time zone", field=what)
    return parsed


def _strings(value: object, what: str, osv_id: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidInput(f"{osv_id}: {what} must be a list of strings", field=what)
    return tuple(value)


def _events(raw: Sequence[Mapping[str, Any]], osv_id: str) -> tuple[Event, ...]:
    events: list[Event] = []
    for item in raw:
        if not isinstance(item, Mapping):
            raise InvalidInput(f"{osv_id}: a range event must be an object", field="affected.ranges.events")
        for key in ("introduced", "fixed", "last_affected"):
            value = item.get(key)
            if value is None:
                continue
            if not isinstance(value, str):
                raise InvalidInput(f"{osv_id}: {key} must be a string", field="affected.ranges.events")
            if (value == ZERO and key == "introduced") or _version(value) is not None:
                events.append(Event(**{key: value}))
            # A version PEP 440 cannot parse cannot be placed in the order: the event is left out.
    return tuple(sorted(events, key=_order))


def _affected(raw: object, osv_id: str) -> tuple[AffectedPackage, ...]:
    if not isinstance(raw, list):
        return ()
    found: list[AffectedPackage] = []
    for entry in raw:
        if not isinstance(entry, Mapping):
            raise InvalidInput(f"{osv_id}: affected entries must be objects", field="affected")
        package = entry.get("package") or {}
        if not isinstance(package, Mapping) or package.get("ecosystem") != ECOSYSTEM:
            continue
        name = package.get("name")
        if not isinstance(name, str) or not name:
            raise InvalidInput(f"{osv_id}: an affected PyPI package has no name", field="affected.package.name")
        ranges = []
        for item in entry.get("ranges") or ():
            if not isinstance(item, Mapping):
                raise InvalidInput(f"{osv_id}: ranges must be objects", field="affected.ranges")
            # GIT ranges name commits, not releases; the record's versions list covers them.
            if item.get("type") == "ECOSYSTEM":
                events = _events(item.get("events") or (), osv_id)
                if events:
                    ranges.append(Range(events))
        found.append(
            AffectedPackage(
                package=canonicalize_name(name),
                ranges=tuple(ranges),
                versions=_strings(entry.get("versions"), "affected.versions", osv_id),
            )
        )
    return tuple(found)


def parse_record(record: object) -> Advisory | None:
    """An OSV record read into an Advisory; None when it affects no PyPI package."""
    if not isinstance(record, Mapping):
        raise InvalidInput("an OSV record must be a JSON object", field="osv")
    osv_id = record.get("id")
    if not isinstance(osv_id, str) or not osv_id or len(osv_id) > 200:
        raise InvalidInput("an OSV record needs an id", field="id")
    affected = _affected(record.get("affected"), osv_id)
    if not affected:
        return None
    modified = _time(record.get("modified"), "modified", osv_id)
    if modified is None:
        raise InvalidInput(f"{osv_id}: modified is required", field="modified")
    summary = record.get("summary")
    references = [
        ref["url"]
        for ref in record.get("references") or ()
        if isinstance(ref, Mapping) and isinstance(ref.get("url"), str)
    ]
    return Advisory(
        osv_id=osv_id,
        aliases=_strings(record.get("aliases"), "aliases", osv_id),
        summary=summary if isinstance(summary, str) else None,
        severity=severity_of_record(record),
        affected=affected,
        published=_time(record.get("published"), "published", osv_id),
        modified=modified,
        withdrawn=_time(record.get("withdrawn"), "withdrawn", osv_id),
        references=tuple(references),
    )


__all__ = ["Advisory", "AffectedPackage", "Event", "Range", "parse_record"]
