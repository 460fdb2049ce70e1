"""Webhooks over GraphQL: read, created, tested and deleted by admins, and by a team's maintainers for
the team's webhooks (their URLs are secrets; the rule is `_webhook_rule` in extensions/authorization.py)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph_registry.api.graphql import ids
from graph_registry.api.graphql.context import Info
from graph_registry.api.graphql.types.common import Node
from graph_registry.errors import InvalidInput
from graph_registry.services.tokens import Role
from graph_registry.services.webhooks import DeliveryRecord, WebhookRecord

KIND = "Webhook"


@strawberry.type
class WebhookDelivery:
    delivery_id: str = strawberry.field(
        description="Sent as X-Registry-Delivery; the same on every retry of one delivery (receivers de-duplicate by it)."
    )
    event_type: str = strawberry.field(description="The ModelEvent's type; TEST for testWebhook.")
    attempts: int
    last_status_code: int | None
    last_error: str | None
    delivered: bool
    created_at: datetime

    @classmethod
    def from_record(cls, record: DeliveryRecord) -> WebhookDelivery:
        return cls(
            delivery_id=record.delivery_id,
            event_type=record.event_type,
            attempts=record.attempts,
            last_status_code=record.last_status_code,
            last_error=record.last_error,
            delivered=record.delivered,
            created_at=record.created_at,
        )


@strawberry.type
class Webhook(Node):
    url: str
    events: list[str] = strawberry.field(
        description="ModelEvent types delivered (VERSION_CREATED, STAGE_CHANGED, ...); empty: all."
    )
    model: str | None = strawberry.field(
        description="Only this model's, or this team's, events; both null: every event."
    )
    team: str | None
    active: bool
    created_at: datetime
    key: strawberry.Private[str]

    @classmethod
    def from_record(cls, record: WebhookRecord) -> Webhook:
        return cls(
            id=strawberry.ID(ids.global_id(KIND, record.id)),
            url=record.url,
            events=list(record.events),
            model=record.model,
            team=record.team,
            active=record.active,
            created_at=record.created_at,
            key=record.id,
        )

    @strawberry.field(description="Newest first.")
    async def deliveries(self, info: Info, first: int | None = 20) -> list[WebhookDelivery]:
        records = await info.context.services.webhooks.deliveries(self.key, first=20 if first is None else first)
        return [WebhookDelivery.from_record(record) for record in records]


@strawberry.type
class CreatedWebhook:
    webhook: Webhook
    secret: str = strawberry.field(
        description="Shown once. Every delivery carries X-Registry-Signature: sha256=<hex HMAC-SHA256 of the raw "
        "body with this secret>."
    )


def webhook_key(token: strawberry.ID) -> str:
    kind, key = ids.parse_global_id(str(token))
    if kind != KIND or len(key) != 1 or not isinstance(key[0], str):
        raise InvalidInput("not a webhook id", field="id")
    return key[0]


@strawberry.type
class WebhookQueries:
    @strawberry.field(
        description="Every webhook (admin); for a team maintainer, the webhooks of the teams it maintains."
    )
    async def webhooks(self, info: Info) -> list[Webhook]:
        service = info.context.services.webhooks
        principal = info.context.principal
        if principal is None:  # not reached: the authorization extension refuses it first
            records = []
        elif principal.role.allows(Role.ADMIN):
            records = await service.all()
        else:
            records = await service.of_maintainer(principal.actor, every_team=principal.role.allows(Role.MAINTAINER))
        return [Webhook.from_record(record) for record in records]


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(
        description="Admin, or maintainer of the team. http(s) only; private, loopback and link-local targets "
        "are refused (INVALID_INPUT) unless the server allows them (GRAPH_REGISTRY_WEBHOOK_ALLOW_PRIVATE=true)."
    )
    async def create_webhook(
        self, info: Info, url: str, events: list[str] | None = None, model: str | None = None, team: str | None = None
    ) -> CreatedWebhook:
        record, secret = await info.context.services.webhooks.create(
            url=url, events=events, model=model, team=team, actor=info.context.actor, audit=info.context.audit
        )
        return CreatedWebhook(webhook=Webhook.from_record(record), secret=secret)

    @strawberry.mutation
    async def delete_webhook(self, info: Info, id: strawberry.ID) -> bool:
        return await info.context.services.webhooks.delete(webhook_key(id), audit=info.context.audit)

    @strawberry.mutation(description="Deliver a TEST event now and return its delivery.")
    async def test_webhook(self, info: Info, id: strawberry.ID) -> WebhookDelivery:
        record = await info.context.services.webhooks.test(
            webhook_key(id), actor=info.context.actor, audit=info.context.audit
        )
        return WebhookDelivery.from_record(record)
