"""The all-models feed's ordering rule: by time across models, by sequence within one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from graph_registry.domain.records import Stage, VersionRecord
from graph_registry.services.events import EventRecord, in_feed_order

pytestmark = pytest.mark.unit


def event(model: str, seq: int, second: int) -> EventRecord:
    at = datetime(2025, 1, 1, 0, 0, second, tzinfo=UTC)
    version = VersionRecord(
        model=model,
        version=1,
        stage=Stage.NONE,
        description=None,
        tags=(),
        metrics_json=None,
        created_at=at,
        deleted=False,
        request_id=None,
    )
    return EventRecord(
        model=model, version=1, seq=seq, type="ALIAS_SET", actor="a", at=at, detail=None, version_record=version
    )


def test_each_model_keeps_its_sequence_even_when_times_disagree() -> None:
    # b:2 started before b:1 committed (it waited for the model's lock): its time is earlier.
    events = [event("b", 2, 1), event("a", 1, 2), event("b", 1, 3), event("a", 2, 4)]
    ordered = [(e.model, e.seq) for e in in_feed_order(events)]
    assert ordered == [("b", 1), ("a", 1), ("b", 2), ("a", 2)]


def test_time_order_across_models() -> None:
    events = [event("c", 1, 9), event("a", 1, 5), event("b", 1, 7)]
    assert [e.model for e in in_feed_order(events)] == ["a", "b", "c"]
