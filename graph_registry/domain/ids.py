"""Opaque global IDs (Relay `Node.id`) and page cursors.

A global ID is the URL-safe base64 of a JSON array `[kind, *key]`: stable for
the object's lifetime, since keys never change.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from graph_registry.errors import InvalidInput


def _encode(value: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(value)).decode().rstrip("=")


def _decode(token: str, what: str) -> Any:
    try:
        return orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, orjson.JSONDecodeError) as error:
        raise InvalidInput(f"malformed {what}", field=what) from error


def global_id(kind: str, *key: str | int) -> str:
    return _encode([kind, *key])


def parse_global_id(token: str) -> tuple[str, list[Any]]:
    value = _decode(token, "id")
    if not (isinstance(value, list) and value and isinstance(value[0], str)):
        raise InvalidInput("malformed id", field="id")
    return value[0], value[1:]


def cursor(position: str | int) -> str:
    return _encode({"after": position})


def parse_cursor(token: str | None) -> Any:
    if token is None:
        return None
    value = _decode(token, "cursor")
    if not (isinstance(value, dict) and "after" in value):
        raise InvalidInput("malformed cursor", field="after")
    return value["after"]
