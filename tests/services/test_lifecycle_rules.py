"""The stage-transition rules, as pure functions (no database needed)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from graph_registry.domain.records import Stage, VersionRecord
from graph_registry.errors import Conflict, PreconditionFailed
from graph_registry.services.lifecycle import StageChange, plan_transition

pytestmark = pytest.mark.unit


def version(number: int, stage: Stage = Stage.NONE, *, deleted: bool = False) -> VersionRecord:
    return VersionRecord(
        model="fraud",
        version=number,
        stage=stage,
        description=None,
        tags=(),
        metrics_json=None,
        created_at=datetime(2026, 3, 3, tzinfo=UTC),
        deleted=deleted,
        request_id=None,
    )


def test_promotion_archives_the_previous_holder_first() -> None:
    changes = plan_transition(
        target=version(3), stage=Stage.PRODUCTION, holders=[2], archive_existing=True, comment="go"
    )
    assert changes == [
        StageChange(2, Stage.PRODUCTION, Stage.ARCHIVED, "archived: v3 moved to PRODUCTION"),
        StageChange(3, Stage.NONE, Stage.PRODUCTION, "go"),
    ]


def test_promotion_without_archiving_is_refused_while_another_holds_production() -> None:
    with pytest.raises(Conflict, match="archiveExisting"):
        plan_transition(target=version(3), stage=Stage.PRODUCTION, holders=[2], archive_existing=False, comment=None)


def test_staging_may_be_shared_when_not_archiving() -> None:
    changes = plan_transition(target=version(3), stage=Stage.STAGING, holders=[2], archive_existing=False, comment=None)
    assert changes == [StageChange(3, Stage.NONE, Stage.STAGING, None)]


def test_moving_to_the_current_stage_changes_nothing() -> None:
    target = version(3, Stage.PRODUCTION)
    assert plan_transition(target=target, stage=Stage.PRODUCTION, holders=[], archive_existing=True, comment=None) == []


def test_archived_holders_do_not_multiply() -> None:
    changes = plan_transition(
        target=version(4), stage=Stage.ARCHIVED, holders=[1, 2], archive_existing=True, comment=None
    )
    assert changes == [StageChange(4, Stage.NONE, Stage.ARCHIVED, None)]


def test_a_deleted_version_cannot_move() -> None:
    with pytest.raises(PreconditionFailed, match="deleted"):
        plan_transition(
            target=version(3, deleted=True), stage=Stage.STAGING, holders=[], archive_existing=True, comment=None
        )
