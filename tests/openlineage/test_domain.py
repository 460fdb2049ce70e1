"""The pure rules of the adapter: registry names, digests, event kinds (no database)."""

from __future__ import annotations

import hashlib
import uuid

import orjson
import pytest

from graph_registry.domain.openlineage import (
    DatasetEvent,
    DatasetSource,
    JobEvent,
    RunEvent,
    parse_event,
    registry_name,
    schema_fields,
)
from graph_registry.domain.validation import NAME
from graph_registry.errors import InvalidInput


@pytest.mark.parametrize(
    "text",
    ["airflow-prod", "s3://bucket/raw/orders", "postgres://db:5432/public.orders", "/abs/path", "x" * 300, "é/ü"],
)
def test_registry_names_are_valid_and_deterministic(text: str) -> None:
    name = registry_name(text)
    assert NAME.fullmatch(name)
    assert registry_name(text) == name
    if not NAME.fullmatch(text):
        assert name.endswith("-" + hashlib.sha256(text.encode()).hexdigest()[:8])
    else:
        assert name == text
    assert (
        registry_name("s3://lake", "raw/orders")
        == "s3-lake-raw-orders-" + hashlib.sha256(b"s3://lake\nraw/orders").hexdigest()[:8]
    )


def test_sources_that_clean_to_the_same_text_get_different_names() -> None:
    assert DatasetSource("s3://a", "b/c").registry_name != DatasetSource("s3://a/b", "c").registry_name


def test_event_kinds() -> None:
    base = {"eventTime": "2026-11-30T00:00:00Z", "producer": "p"}
    run = {**base, "run": {"runId": "0192f7a0-5b1c-7d2e-9f30-4a5b6c7d8e9f"}, "job": {"namespace": "n", "name": "j"}}
    assert isinstance(parse_event(orjson.dumps(run)), RunEvent)
    dataset = {**base, "dataset": {"namespace": "n", "name": "d"}}
    assert isinstance(parse_event(orjson.dumps(dataset)), DatasetEvent)
    job = {**base, "job": {"namespace": "n", "name": "j"}}
    assert isinstance(parse_event(orjson.dumps(job)), JobEvent)
    with pytest.raises(InvalidInput):
        parse_event(orjson.dumps(base))


def test_upper_case_run_ids_are_read_in_canonical_form() -> None:
    event = {
        "eventTime": "2026-11-30T00:00:00Z",
        "run": {"runId": "0192F7A0-5B1C-7D2E-9F30-4A5B6C7D8E9F"},
        "job": {"namespace": "n", "name": "j"},
    }
    parsed = parse_event(orjson.dumps(event))
    assert isinstance(parsed, RunEvent)
    assert parsed.run_id == "0192f7a0-5b1c-7d2e-9f30-4a5b6c7d8e9f"


def test_schema_fields_ignore_what_is_not_a_field() -> None:
    facets = {"schema": {"fields": [{"name": "a", "type": "INT"}, {"type": "no name"}, "x", {"name": "b"}]}}
    assert schema_fields(orjson.dumps(facets).decode()) == [("a", "INT", None), ("b", None, None)]
    assert schema_fields(orjson.dumps({"schema": {"fields": "none"}}).decode()) == []
    assert schema_fields(None) == []


@pytest.mark.parametrize(
    ("given", "read"),
    [
        ("2026-11-30T10:53:52.427343Z", "2026-11-30T10:53:52.427343+00:00"),
        ("2026-11-30T10:53:52.123456789Z", "2026-11-30T10:53:52.123456+00:00"),
        ("2026-11-30T12:53:52+02:00", "2026-11-30T10:53:52+00:00"),
        ("2026-11-30T10:53:52.5Z[UTC]", "2026-11-30T10:53:52.500000+00:00"),
        ("2026-11-30T10:53:52", "2026-11-30T10:53:52+00:00"),
    ],
)
def test_event_times_producers_write_are_read_in_utc(given: str, read: str) -> None:
    event = {"eventTime": given, "run": {"runId": str(uuid.uuid4())}, "job": {"namespace": "n", "name": "j"}}
    parsed = parse_event(orjson.dumps(event))
    assert parsed.event_time.isoformat() == read


def test_nested_schema_fields_follow_their_parent_with_dotted_names() -> None:
    nested = {"name": "b", "type": "STRUCT", "fields": [{"name": "c", "fields": [{"name": "d", "type": "INT"}]}, "x"]}
    facets = {"schema": {"fields": [{"name": "a"}, nested, {"name": "e", "fields": "not a list"}]}}
    assert schema_fields(orjson.dumps(facets).decode()) == [
        ("a", None, None),
        ("b", "STRUCT", None),
        ("b.c", None, None),
        ("b.c.d", "INT", None),
        ("e", None, None),
    ]


def test_schema_nesting_is_listed_to_a_bounded_depth() -> None:
    field: dict[str, object] = {"name": "leaf"}
    for _ in range(100):
        field = {"name": "n", "fields": [field]}
    listed = schema_fields(orjson.dumps({"schema": {"fields": [field]}}).decode())
    assert len(listed) == 32 and listed[-1][0] == ".".join(["n"] * 32)
