"""The event-following core without I/O: the steps it asks for, and what it makes of their outcomes.

The live feeds (sync and async, through a cut connection) are tests/client/test_events.py; here the
core alone is driven with scripted answers: reconnects with backoff, the resume cursor, the limits,
and the failures retrying cannot fix.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.frames import Close

from graph_registry.client.errors import ForbiddenError, NotFoundError, TransportError
from graph_registry.client.events import (
    PONG,
    RESUME_MARGIN,
    Core,
    Deliver,
    Feed,
    Limits,
    Open,
    Receive,
    Send,
    Sleep,
    Step,
)

pytestmark = pytest.mark.unit

SINCE = datetime(2026, 1, 1, tzinfo=UTC)
ACK = json.dumps({"type": "connection_ack"})


def _event(seq: int, *, minutes: int = 0) -> str:
    at = SINCE + timedelta(hours=1, minutes=minutes)
    node = {
        "type": "VERSION_CREATED",
        "seq": seq,
        "actor": "ci",
        "at": at.isoformat(),
        "detail": None,
        "modelVersion": {"model": {"name": "churn"}, "version": seq, "stage": "NONE"},
    }
    return json.dumps({"id": "1", "type": "next", "payload": {"data": {"modelEvents": node}}})


def _core(*, limits: Limits | None = None, reconnect: bool = True) -> Core:
    feed = Feed("churn", SINCE, token=None)
    return Core(feed, limits or Limits(), reconnect=reconnect, where="ws://127.0.0.1:1/graphql")


def _closed(code: int, reason: str = "") -> ConnectionClosed:
    return ConnectionClosed(Close(code, reason), None)


def _until_receive(core: Core, first: Step | None = None) -> list[Step]:
    """The steps up to (and with) the next Receive, each I/O step answered with success."""
    seen: list[Step] = []
    step = first if first is not None else core.step()
    while step is not None:
        seen.append(step)
        if isinstance(step, Receive):
            return seen
        step = core.step()
    return seen


def _answer(core: Core, raw: str) -> Step | None:
    core.answer(raw)
    return core.step()


def _fail(core: Core, error: Exception) -> Step | None:
    core.fail(error)
    return core.step()


def _variables(step: Step) -> dict[str, Any]:
    assert isinstance(step, Send)
    variables: dict[str, Any] = json.loads(step.text)["payload"]["variables"]
    return variables


def test_it_subscribes_delivers_and_answers_pings() -> None:
    core = _core()
    opening = _until_receive(core)
    assert [type(step) for step in opening] == [Open, Send, Send, Receive]
    assert _variables(opening[2]) == {"model": "churn", "since": SINCE.isoformat()}
    assert _answer(core, ACK) == Receive(None)
    assert _answer(core, json.dumps({"type": "ping"})) == Send(PONG)
    assert core.step() == Receive(None)
    delivered = _answer(core, _event(1))
    assert isinstance(delivered, Deliver) and delivered.event.seq == 1
    assert core.step() == Receive(None)
    assert _answer(core, json.dumps({"id": "1", "type": "complete"})) is None


def test_a_reconnect_backs_off_resumes_before_the_last_event_and_skips_replays() -> None:
    core = _core()
    _until_receive(core)
    assert isinstance(_answer(core, _event(1, minutes=30)), Deliver)
    core.step()
    assert _fail(core, _closed(1006)) == Sleep(0.5)
    assert core.step() == Open()
    assert _fail(core, OSError("refused")) == Sleep(1.0)  # doubled while nothing gets through
    resumed = _until_receive(core)
    assert _variables(resumed[2])["since"] == (SINCE + timedelta(minutes=90) - RESUME_MARGIN).isoformat()
    assert _answer(core, _event(1, minutes=30)) == Receive(None)  # replayed: skipped
    assert isinstance(_answer(core, _event(2, minutes=31)), Deliver)
    core.step()
    assert _fail(core, _closed(1006)) == Sleep(0.5)  # an event got through: the backoff starts over


def test_refusals_retrying_cannot_fix_end_the_feed() -> None:
    core = _core()
    _until_receive(core)
    with pytest.raises(ForbiddenError):
        _fail(core, _closed(4403, "no"))
    core = _core()
    _until_receive(core)
    error = {"message": "no such model", "extensions": {"code": "NOT_FOUND"}}
    with pytest.raises(NotFoundError):
        _answer(core, json.dumps({"id": "1", "type": "error", "payload": [error]}))


def test_without_reconnect_a_dropped_connection_is_an_error() -> None:
    core = _core(reconnect=False)
    _until_receive(core)
    with pytest.raises(TransportError):
        _fail(core, _closed(1006))
    core = _core(reconnect=False)
    assert core.step() == Open()
    with pytest.raises(TransportError, match="could not subscribe"):
        _fail(core, OSError("refused"))


def test_limits_end_the_feed_after_n_events_or_at_the_deadline() -> None:
    core = _core(limits=Limits.of(stop_after=1))
    _until_receive(core)
    assert isinstance(_answer(core, _event(1)), Deliver)
    assert core.step() is None
    core = _core(limits=Limits.of(timeout=3600))
    receive = _until_receive(core)[-1]
    assert isinstance(receive, Receive) and receive.timeout is not None and 0 < receive.timeout <= 3600
    assert _fail(core, TimeoutError()) is None  # nothing came before the deadline
    assert _core(limits=Limits.of(timeout=0)).step() is None
