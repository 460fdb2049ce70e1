"""Opaque tokens: URL-safe base64 of JSON. Page cursors here; the API's global IDs (Relay `Node.id`)
are made of the same (api/graphql/ids.py): services hand out kinds and keys, never global IDs."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from graph_registry.errors import InvalidInput


def encode(value: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(value)).decode().rstrip("=")


def decode(token: str, what: str) -> Any:
    try:
        return orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, orjson.JSONDecodeError) as error:
        raise InvalidInput(f"malformed {what}", field=what) from error


def cursor(position: str | int) -> str:
    return encode({"after": position})


def parse_cursor(token: str | None) -> Any:
    if token is None:
        return None
    value = decode(token, "cursor")
    if not (isinstance(value, dict) and "after" in value):
        raise InvalidInput("malformed cursor", field="after")
    return value["after"]
