"""`updateModelCard` (merged into the Mutation root in schema.py)."""

from __future__ import annotations

import strawberry

from graph_registry.api.graphql.context import Info
from graph_registry.api.graphql.types.cards import ModelCard, ModelCardInput
from graph_registry.errors import NotFound


@strawberry.type
class CardMutations:
    @strawberry.mutation(description="Writer of the model's team. Every update is recorded in the audit log.")
    async def update_model_card(self, info: Info, model: str, version: int, card: ModelCardInput) -> ModelCard:
        sections = await info.context.services.cards.update_card(
            model=model, version=version, card=card.values(), actor=info.context.actor, audit=info.context.audit
        )
        record = await info.context.loaders.version.load((model, version))
        if record is None:
            raise NotFound(f"model {model!r} has no version {version}", model=model, version=version)
        return ModelCard.of(record, sections)
