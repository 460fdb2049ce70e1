"""Registry events as subscribers receive them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph_registry.api.graphql.types.models import ModelVersion
from graph_registry.services.events import EventRecord


@strawberry.type
class ModelEvent:
    record: strawberry.Private[EventRecord]
    type: str = strawberry.field(
        description="VERSION_CREATED, STAGE_CHANGED, ALIAS_SET, ALIAS_DELETED, VERSION_DELETED."
    )
    actor: str
    at: datetime
    detail: str | None = strawberry.field(
        description="The alias of ALIAS_SET and ALIAS_DELETED; 'FROM -> TO' stages of STAGE_CHANGED."
    )
    seq: int = strawberry.field(
        description="Position in the model's own event sequence (1, 2, 3...): resume or de-duplicate with it."
    )

    @classmethod
    def from_record(cls, record: EventRecord) -> ModelEvent:
        return cls(
            record=record,
            type=record.type,
            actor=record.actor,
            at=record.at,
            detail=record.detail,
            seq=record.seq,
        )

    @strawberry.field(description="The version as it is now; a hard-deleted one shows as deleted.")
    def model_version(self) -> ModelVersion:
        return ModelVersion.from_record(self.record.version_record)
