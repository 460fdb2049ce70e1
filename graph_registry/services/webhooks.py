"""Webhooks: pushes of registry events to URLs, signed, retried, delivered from the committed graph.

The outbox is the graph itself: every committed `Event` a webhook wants becomes one
`WebhookDelivery` (enqueued idempotently by any worker), which one worker at a time claims for a
lease, attempts, and records. So no event is delivered that did not commit, none is lost when the
API restarts (the next pass finds what is still pending), and with several workers each attempt is
made by one of them. Delivery is at least once: a retry carries the same deliveryId.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from graph_registry import metrics
from graph_registry.domain import validation
from graph_registry.domain import webhook_deliveries as wire
from graph_registry.domain.webhook_targets import Resolver, check_target, pinned, system_resolver
from graph_registry.errors import InvalidInput, NotFound, RegistryError
from graph_registry.services.audit import AuditEntry, write_one_audited
from graph_registry.services.tokens import Role
from graph_registry.storage.database import Database

log = logging.getLogger("graph_registry.webhooks")
_ENQUEUE_BATCH = 500
# Seconds a write transaction may run between its Event's time and its commit and still be enqueued.
_SCAN_LOOKBACK = 120.0


@dataclass(frozen=True, slots=True)
class WebhookRecord:
    id: str
    url: str
    events: tuple[str, ...]
    model: str | None
    team: str | None
    active: bool
    created_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> WebhookRecord:
        return cls(
            id=row["id"],
            url=row["url"],
            events=tuple(row["events"]),
            model=row["model"],
            team=row["team"],
            active=row["active"],
            created_at=row["createdAt"],
        )


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    delivery_id: str
    event_type: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    delivered: bool
    created_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> DeliveryRecord:
        return cls(
            delivery_id=row["deliveryId"],
            event_type=row["eventType"],
            attempts=row["attempts"],
            last_status_code=row.get("lastStatusCode"),
            last_error=row.get("lastError"),
            delivered=row["delivered"],
            created_at=row["createdAt"],
        )


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    allow_private: bool = False
    timeout: float = 5.0
    retry_window: float = 24 * 3600.0
    retry_base: float = 5.0
    retry_cap: float = 3600.0
    poll_interval: float = 1.0
    lease: float = 60.0
    batch: int = 20


class WebhookService:
    def __init__(
        self,
        database: Database,
        policy: DeliveryPolicy,
        *,
        resolve: Resolver = system_resolver,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._db = database
        self.policy = policy
        self._resolve = resolve
        self.worker = uuid.uuid4().hex
        # No redirects followed (a redirect could lead anywhere), no proxies from the environment, and
        # no connection kept between attempts: each dials the address its own check vetted (a kept
        # connection would carry one name's TLS session to another name on the same address).
        self._http = httpx.AsyncClient(
            timeout=policy.timeout,
            follow_redirects=False,
            trust_env=False,
            limits=httpx.Limits(max_keepalive_connections=0),
            transport=transport,
        )

    async def close(self) -> None:
        await self._http.aclose()

    async def _check(self, url: str) -> list[str]:
        return await asyncio.to_thread(
            check_target, url, allow_private=self.policy.allow_private, resolve=self._resolve
        )

    async def _post(self, url: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
        """POST to an address the check of `url` vetted, never to what the name resolves to later (DNS
        rebinding); the next vetted address when one cannot be connected to."""
        addresses = await self._check(url)
        failure: httpx.TransportError | None = None
        for address in addresses:
            target = pinned(url, address)
            extensions = {} if target.server_name is None else {"sni_hostname": target.server_name}
            try:
                return await self._http.post(
                    target.url, content=body, headers={**headers, "Host": target.host}, extensions=extensions
                )
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                failure = error
        assert failure is not None  # check_target returns at least one address
        raise failure

    async def create(
        self,
        *,
        url: str,
        events: Sequence[str] | None,
        model: str | None,
        team: str | None,
        actor: str,
        audit: AuditEntry | None = None,
    ) -> tuple[WebhookRecord, str]:
        """A new webhook and its signing secret (returned this once), in one write transaction with the
        attempt's entry (`audit`)."""
        unknown = sorted(set(events or ()) - wire.EVENT_TYPES)
        if unknown:
            raise InvalidInput(f"unknown event types: {', '.join(unknown)}", field="events")
        if model is not None:
            validation.name(model)
        if team is not None:
            validation.name(team, what="team")
        await self._check(url)
        secret = "whsec_" + secrets.token_urlsafe(32)
        rows = await write_one_audited(
            self._db,
            "create_webhook",
            audit=audit,
            id=uuid.uuid4().hex,
            url=url,
            events=sorted(set(events or ())),
            model=model,
            team=team,
            secret=secret,
            actor=actor,
        )
        if not rows:
            raise NotFound(f"no team named {team!r}", field="team")
        return WebhookRecord.from_row(rows[0]["webhook"]), secret

    async def all(self, *, team: str | None = None) -> list[WebhookRecord]:
        rows = await self._db.read("list_webhooks", team=team)
        return [WebhookRecord.from_row(row["webhook"]) for row in rows]

    async def of_maintainer(self, actor: str, *, every_team: bool) -> list[WebhookRecord]:
        """The webhooks of the teams `actor` maintains (of every team when `every_team`: a registry-wide
        maintainer); never the registry-wide ones, which are admins'."""
        rows = await self._db.read("list_team_webhooks", actor=actor, everyTeam=every_team, role=Role.MAINTAINER.value)
        return [WebhookRecord.from_row(row["webhook"]) for row in rows]

    async def team_of(self, webhook_id: str) -> tuple[bool, str | None]:
        """Whether the webhook exists, and the team it belongs to (None: registry-wide)."""
        rows = await self._db.read("get_webhook_team", id=webhook_id)
        return (True, rows[0]["team"]) if rows else (False, None)

    async def delete(self, webhook_id: str, *, audit: AuditEntry | None = None) -> bool:
        """Deletes a webhook and its deliveries, in one write transaction with the attempt's entry (`audit`)."""
        rows = await write_one_audited(self._db, "delete_webhook", audit=audit, id=webhook_id)
        return bool(rows and rows[0]["deleted"])

    async def deliveries(self, webhook_id: str, *, first: int) -> list[DeliveryRecord]:
        rows = await self._db.read("list_webhook_deliveries", id=webhook_id, first=max(0, min(first, 100)))
        return [DeliveryRecord.from_row(row["delivery"]) for row in rows]

    async def test(self, webhook_id: str, *, actor: str, audit: AuditEntry | None = None) -> DeliveryRecord:
        """Deliver a TEST event now (one attempt; retried later like any other if it fails). The delivery
        is enqueued in one write transaction with the attempt's entry (`audit`); the attempt records itself."""
        rows = await write_one_audited(
            self._db,
            "create_test_delivery",
            audit=audit,
            id=webhook_id,
            deliveryId=str(uuid.uuid4()),
            actor=actor,
            worker=self.worker,
            lease=self.policy.lease,
        )
        if not rows:
            raise NotFound("no such webhook", field="id")
        return await self._attempt(rows[0]["delivery"])

    async def dispatch_once(self) -> int:
        """Enqueue what committed since, claim what is due, attempt it; the attempts made."""
        enqueued = (await self._db.write("enqueue_webhook_deliveries", limit=_ENQUEUE_BATCH))[0]["enqueued"]
        if enqueued < _ENQUEUE_BATCH:
            await self._db.write("advance_webhook_scans", lookback=_SCAN_LOOKBACK)
        rows = await self._db.write(
            "claim_webhook_deliveries", worker=self.worker, lease=self.policy.lease, limit=self.policy.batch
        )
        await asyncio.gather(*(self._attempt(row["delivery"]) for row in rows))
        return len(rows)

    async def run(self) -> None:
        """Deliver until cancelled (one loop per API worker, started in the lifespan)."""
        while True:
            try:
                made = await self.dispatch_once()
            except RegistryError as error:
                log.warning("webhook deliveries paused: %s", error.message)
                made = 0
            except Exception:
                log.exception("webhook delivery pass failed")
                made = 0
            if made < self.policy.batch:
                await asyncio.sleep(self.policy.poll_interval)

    async def _attempt(self, delivery: dict[str, Any]) -> DeliveryRecord:
        rows = await self._db.read("get_webhook", id=delivery["webhookId"])
        status: int | None = None
        error: str | None = None
        if not rows:
            error = "the webhook was deleted"
        else:
            webhook = rows[0]["webhook"]
            body = wire.payload(delivery)
            try:
                response = await self._post(webhook["url"], body, wire.headers(delivery, webhook["secret"], body))
                status = response.status_code
                if not 200 <= status < 300:
                    error = f"HTTP {status}" + (" (redirects are not followed)" if response.is_redirect else "")
            except InvalidInput as refused:
                error = refused.message
            except httpx.HTTPError as failed:
                error = f"{type(failed).__name__}: {failed}"[:300]
        delivered = error is None
        now = datetime.now(UTC)
        window_over = delivery["createdAt"] + timedelta(seconds=self.policy.retry_window) < now
        pending = not delivered and not window_over and bool(rows)
        wait = wire.next_attempt(delivery["attempts"], base=self.policy.retry_base, cap=self.policy.retry_cap)
        metrics.WEBHOOK_DELIVERIES.labels("delivered" if delivered else "failed").inc()
        if not delivered:
            log.info("webhook delivery %s attempt failed: %s", delivery["deliveryId"], error)
        recorded = await self._db.write(
            "record_webhook_attempt",
            deliveryId=delivery["deliveryId"],
            worker=self.worker,
            statusCode=status,
            error=error,
            delivered=delivered,
            pending=pending,
            nextAttemptAt=now + wait,
        )
        return DeliveryRecord.from_row(recorded[0]["delivery"] if recorded else delivery)


@contextlib.asynccontextmanager
async def delivering(
    service: WebhookService, *, enabled: bool = True, after: asyncio.Event | None = None
) -> AsyncIterator[WebhookService]:
    """Run the delivery loop (when `enabled`; once `after` is set, e.g. the migrations applied) for as
    long as the block lasts."""

    async def run() -> None:
        if after is not None:
            await after.wait()
        await service.run()

    task = asyncio.create_task(run(), name="webhook-deliveries") if enabled else None
    try:
        yield service
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await service.close()
