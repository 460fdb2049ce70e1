"""OpenLineage events, read and checked: what an event says, before anything is written.

`parse_event` takes a request body (one RunEvent of spec 2-0-x or 1-0-x, a DatasetEvent or a
JobEvent) and returns plain records, or raises InvalidInput naming the field that is wrong
(`run.runId`, `inputs[1].facets.schema`, ...). Only what the mapping relies on is checked; facets
are kept as the producer sent them (objects, stored as JSON text).

Names in the registry (pure functions, documented in the README):
- a dataset's registry name is `registry_name(namespace, name)`: `namespace/name` with each run of
  characters a registry name cannot hold replaced by `-` (cut to 110 characters), then `-` and the
  first 8 hex digits of the SHA-256 of `namespace + "\n" + name`;
- a run's experiment is `registry_name(job namespace)`;
- adapter digests: `openlineage:<runId>:<namespace>/<name>` for an output a run wrote without a
  `version` facet, `openlineage:version:<value>` for a version facet's value, and
  `openlineage:first-seen` for the implicit version of a dataset first met as an input.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import orjson

from graph_registry.domain.records import RunStatus
from graph_registry.domain.validation import NAME
from graph_registry.errors import InvalidInput

DIGEST_PREFIX = "openlineage:"
FIRST_SEEN = "openlineage:first-seen"
MAX_TEXT = 2048
MAX_DATASETS = 500
# Levels of nested schema fields shown (deeper ones are kept in the facet, not listed).
MAX_SCHEMA_NESTING = 32
_OTHER = re.compile(r"[^A-Za-z0-9._-]+")
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_ZONE_ID = re.compile(r"(?<=[0-9Z])\[[A-Za-z0-9/_+-]{1,64}\]$")


class EventType(StrEnum):
    START = "START"
    RUNNING = "RUNNING"
    COMPLETE = "COMPLETE"
    ABORT = "ABORT"
    FAIL = "FAIL"
    OTHER = "OTHER"


STATUS = {
    EventType.START: RunStatus.RUNNING,
    EventType.RUNNING: RunStatus.RUNNING,
    EventType.COMPLETE: RunStatus.FINISHED,
    EventType.FAIL: RunStatus.FAILED,
    EventType.ABORT: RunStatus.FAILED,
}
TERMINAL = frozenset({EventType.COMPLETE, EventType.FAIL, EventType.ABORT})

Facets = dict[str, Any]


@dataclass(frozen=True, slots=True)
class DatasetSource:
    """A dataset's OpenLineage identity: the data source (namespace) and the name inside it."""

    namespace: str
    name: str

    @property
    def registry_name(self) -> str:
        return registry_name(self.namespace, self.name)


@dataclass(frozen=True, slots=True)
class EventDataset:
    source: DatasetSource
    facets: Facets
    # inputFacets or outputFacets: what this run saw of the dataset.
    run_facets: Facets

    @property
    def version(self) -> str | None:
        """The `version` facet's datasetVersion, when the producer named the version."""
        value = self.facets.get("version", {}).get("datasetVersion")
        return str(value) if isinstance(value, str | int) and str(value) else None

    def read_digest(self) -> str | None:
        version = self.version
        return None if version is None else f"{DIGEST_PREFIX}version:{version}"

    def written_digest(self, run_id: str) -> str:
        return self.read_digest() or f"{DIGEST_PREFIX}{run_id}:{self.source.namespace}/{self.source.name}"

    def all_facets(self) -> Facets:
        return {**self.facets, **self.run_facets}


@dataclass(frozen=True, slots=True)
class EventJob:
    namespace: str
    name: str
    facets: Facets

    @property
    def experiment(self) -> str:
        return registry_name(self.namespace)


@dataclass(frozen=True, slots=True)
class ParentRun:
    run_id: str
    job: EventJob


@dataclass(frozen=True, slots=True)
class CommitRef:
    repo: str
    sha: str
    branch: str | None


@dataclass(frozen=True, slots=True)
class RunEvent:
    event_type: EventType | None
    event_time: datetime
    run_id: str
    run_facets: Facets
    job: EventJob
    inputs: tuple[EventDataset, ...]
    outputs: tuple[EventDataset, ...]

    @property
    def status(self) -> RunStatus | None:
        return None if self.event_type is None else STATUS.get(self.event_type)

    @property
    def terminal(self) -> bool:
        return self.event_type in TERMINAL

    @property
    def error_message(self) -> str | None:
        message = self.run_facets.get("errorMessage", {}).get("message")
        return message[:MAX_TEXT] if isinstance(message, str) else None

    @property
    def parent(self) -> ParentRun | None:
        facet = self.run_facets.get("parent")
        if not facet:
            return None
        run, job = facet["run"], facet["job"]
        return ParentRun(run_id=str(uuid.UUID(run["runId"])), job=EventJob(job["namespace"], job["name"], {}))

    @property
    def commit(self) -> CommitRef | None:
        """The git commit of the job's sourceCodeLocation facet, when it names a full commit id."""
        facet = self.job.facets.get("sourceCodeLocation", {})
        repo = facet.get("repoUrl") or facet.get("url")
        sha = facet.get("version")
        if not (isinstance(repo, str) and isinstance(sha, str) and 0 < len(repo) <= 512):
            return None
        if facet.get("type", "git") != "git" or not _SHA.fullmatch(sha.lower()):
            return None
        branch = facet.get("branch")
        return CommitRef(repo=repo, sha=sha.lower(), branch=branch if isinstance(branch, str) else None)


@dataclass(frozen=True, slots=True)
class DatasetEvent:
    event_time: datetime
    dataset: EventDataset


@dataclass(frozen=True, slots=True)
class JobEvent:
    event_time: datetime
    job: EventJob
    inputs: tuple[EventDataset, ...]
    outputs: tuple[EventDataset, ...]


Event = RunEvent | DatasetEvent | JobEvent


def registry_name(*parts: str) -> str:
    """A registry name (models' and datasets' rules) for any text, deterministic (see the module).

    Parts are joined with `/` for the readable name and with a newline for the hash, so that
    ("s3://a", "b/c") and ("s3://a/b", "c") are two names.
    """
    text = "/".join(parts)
    if NAME.fullmatch(text):
        return text
    cleaned = _OTHER.sub("-", text).strip("-._")[:110].rstrip("-._") or "openlineage"
    return f"{cleaned}-{hashlib.sha256(chr(10).join(parts).encode()).hexdigest()[:8]}"


def facets_json(facets: Mapping[str, Any]) -> str | None:
    """Facets as stored: JSON text with sorted keys (so equal facets compare equal), None when empty."""
    return orjson.dumps(facets, option=orjson.OPT_SORT_KEYS).decode() if facets else None


def schema_fields(facets_text: str | None) -> list[tuple[str, str | None, str | None]]:
    """(name, type, description) of each field of a schema facet, from stored facets: nested struct
    fields (`fields[].fields`, SchemaDatasetFacet 1-1-0 and later) follow their parent, named by their
    path with dots (`address.city`; Spark's array elements `_element`, map `key`/`value` likewise)."""
    if not facets_text:
        return []
    found: list[tuple[str, str | None, str | None]] = []
    _flatten(orjson.loads(facets_text).get("schema", {}).get("fields", []), "", found, MAX_SCHEMA_NESTING)
    return found


def _flatten(fields: object, prefix: str, found: list[tuple[str, str | None, str | None]], levels: int) -> None:
    if not isinstance(fields, list) or levels <= 0:
        return
    for field in fields:
        if isinstance(field, dict) and isinstance(field.get("name"), str):
            name = prefix + field["name"]
            found.append((name, _optional_text(field.get("type")), _optional_text(field.get("description"))))
            _flatten(field.get("fields"), name + ".", found, levels - 1)


def _optional_text(value: object) -> str | None:
    return None if value is None else str(value)


def parse_event(body: bytes) -> Event:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise InvalidInput("the body is not JSON", field="body") from error
    if not isinstance(document, dict):
        raise InvalidInput("an OpenLineage event is a JSON object", field="body")
    event_time = _time(document.get("eventTime"))
    if "run" in document or "eventType" in document:
        return _run_event(document, event_time)
    if "dataset" in document:
        return DatasetEvent(event_time=event_time, dataset=_dataset(document.get("dataset"), "dataset"))
    if "job" in document:
        return JobEvent(
            event_time=event_time,
            job=_job(document.get("job"), "job"),
            inputs=_datasets(document, "inputs"),
            outputs=_datasets(document, "outputs"),
        )
    raise InvalidInput("an OpenLineage event has a run (RunEvent), a dataset or a job", field="run")


def _run_event(document: dict[str, Any], event_time: datetime) -> RunEvent:
    given_type = document.get("eventType")
    if given_type is not None and given_type not in EventType.__members__:
        raise InvalidInput(f"eventType must be one of {', '.join(EventType)}", field="eventType")
    run = _object(document.get("run"), "run", required=True)
    run_facets = _facets(run.get("facets"), "run.facets")
    _parent(run_facets.get("parent"))
    return RunEvent(
        event_type=EventType(given_type) if given_type is not None else None,
        event_time=event_time,
        run_id=_uuid(run.get("runId"), "run.runId"),
        run_facets=run_facets,
        job=_job(document.get("job"), "job"),
        inputs=_datasets(document, "inputs"),
        outputs=_datasets(document, "outputs"),
    )


def _time(value: object) -> datetime:
    if not isinstance(value, str):
        raise InvalidInput("eventTime is required: an ISO 8601 date-time", field="eventTime")
    try:
        # Java's ZonedDateTime may append its zone id ("...Z[UTC]"): the offset before it says it all.
        moment = datetime.fromisoformat(_ZONE_ID.sub("", value))
    except ValueError as error:
        raise InvalidInput(f"eventTime {value[:80]!r} is not an ISO 8601 date-time", field="eventTime") from error
    # Kept in UTC: times compare as instants whatever offset a producer wrote.
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _uuid(value: object, field: str) -> str:
    try:
        return str(uuid.UUID(value)) if isinstance(value, str) else _missing(field, "a UUID")
    except ValueError as error:
        raise InvalidInput(f"{field} must be a UUID", field=field) from error


def _missing(field: str, what: str) -> str:
    raise InvalidInput(f"{field} is required: {what}", field=field)


def _text(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        _missing(field, "a non-empty string")
    assert isinstance(value, str)
    if len(value) > MAX_TEXT or not value.isprintable():
        raise InvalidInput(f"{field} must be at most {MAX_TEXT} printable characters", field=field)
    return value


def _object(value: object, field: str, *, required: bool = False) -> dict[str, Any]:
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(f"{field} must be an object", field=field)
    return value


def _facets(value: object, field: str) -> Facets:
    facets = _object(value, field)
    for name, facet in facets.items():
        if not isinstance(facet, dict):
            raise InvalidInput(f"facet {field}.{name} must be an object", field=f"{field}.{name}")
    return facets


def _job(value: object, field: str) -> EventJob:
    job = _object(value, field, required=True)
    return EventJob(
        namespace=_text(job.get("namespace"), f"{field}.namespace"),
        name=_text(job.get("name"), f"{field}.name"),
        facets=_facets(job.get("facets"), f"{field}.facets"),
    )


def _parent(facet: object) -> None:
    if facet is None:
        return
    assert isinstance(facet, dict)
    run = _object(facet.get("run"), "run.facets.parent.run", required=True)
    _uuid(run.get("runId"), "run.facets.parent.run.runId")
    _job(facet.get("job"), "run.facets.parent.job")


def _dataset(value: object, field: str, run_facets_key: str | None = None) -> EventDataset:
    dataset = _object(value, field, required=True)
    source = DatasetSource(
        namespace=_text(dataset.get("namespace"), f"{field}.namespace"),
        name=_text(dataset.get("name"), f"{field}.name"),
    )
    run_facets = _facets(dataset.get(run_facets_key), f"{field}.{run_facets_key}") if run_facets_key else {}
    return EventDataset(source=source, facets=_facets(dataset.get("facets"), f"{field}.facets"), run_facets=run_facets)


def _datasets(document: dict[str, Any], key: str) -> tuple[EventDataset, ...]:
    items = document.get(key)
    if items is None:
        return ()
    if not isinstance(items, list):
        raise InvalidInput(f"{key} must be a list", field=key)
    if len(items) > MAX_DATASETS:
        raise InvalidInput(f"at most {MAX_DATASETS} {key} are allowed", field=key)
    facets_key = "inputFacets" if key == "inputs" else "outputFacets"
    found = [_dataset(item, f"{key}[{index}]", facets_key) for index, item in enumerate(items)]
    return tuple(_unique(found))


def _unique(datasets: Sequence[EventDataset]) -> list[EventDataset]:
    """One entry per dataset (the last one given wins), in a fixed order: locks are taken in it."""
    by_source = {dataset.source: dataset for dataset in datasets}
    return sorted(by_source.values(), key=lambda d: (d.source.namespace, d.source.name))
