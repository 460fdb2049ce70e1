"""What a webhook delivery sends and when it tries again: payload, signature, backoff with jitter."""

from __future__ import annotations

import hashlib
import hmac
import random
from datetime import datetime, timedelta
from typing import Any

import orjson

EVENT_HEADER = "X-Registry-Event"
DELIVERY_HEADER = "X-Registry-Delivery"
SIGNATURE_HEADER = "X-Registry-Signature"
TEST_EVENT = "TEST"
EVENT_TYPES = frozenset(
    {
        "VERSION_CREATED",
        "STAGE_CHANGED",
        "ALIAS_SET",
        "ALIAS_DELETED",
        "VERSION_DELETED",
        "TRANSITION_REQUESTED",
        "TRANSITION_APPROVED",
        "TRANSITION_REJECTED",
        "TRANSITION_CANCELLED",
        "TRANSITION_EXPIRED",
        "VULNERABILITY_FOUND",
        "CARD_UPDATED",
    }
)


def payload(delivery: dict[str, Any]) -> bytes:
    """The JSON body: delivery id, event type, model, version, actor, time and detail."""
    at = delivery.get("at")
    return orjson.dumps(
        {
            "deliveryId": delivery["deliveryId"],
            "eventType": delivery["eventType"],
            "model": delivery.get("model"),
            "version": delivery.get("version"),
            "actor": delivery.get("actor"),
            "at": at.isoformat() if isinstance(at, datetime) else at,
            "detail": delivery.get("detail"),
        }
    )


def signature(secret: str, body: bytes) -> str:
    """sha256=<hex HMAC-SHA256 of the raw body>, as sent in X-Registry-Signature."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def headers(delivery: dict[str, Any], secret: str, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "graph-registry-webhooks",
        EVENT_HEADER: str(delivery["eventType"]),
        DELIVERY_HEADER: str(delivery["deliveryId"]),
        SIGNATURE_HEADER: signature(secret, body),
    }


def next_attempt(attempts: int, *, base: float, cap: float, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**attempts)] seconds,
    never under a tenth of `base`."""
    ceiling = min(cap, base * 2**attempts)
    return timedelta(seconds=max(base / 10, (rng or random.SystemRandom()).uniform(0, ceiling)))
