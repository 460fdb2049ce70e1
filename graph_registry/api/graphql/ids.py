"""Opaque global IDs (Relay `Node.id`), minted by the API from the kinds and keys services return.

A global ID is the URL-safe base64 of a JSON array `[kind, *key]`: stable for
the object's lifetime, since keys never change.
"""

from __future__ import annotations

from typing import Any

from graph_registry.domain.ids import decode, encode
from graph_registry.errors import InvalidInput, RegistryError


def global_id(kind: str, *key: str | int) -> str:
    return encode([kind, *key])


def parse_global_id(token: str) -> tuple[str, list[Any]]:
    value = decode(token, "id")
    if not (isinstance(value, list) and value and isinstance(value[0], str)):
        raise InvalidInput("malformed id", field="id")
    return value[0], value[1:]


def stored_key(token: object, kind: str) -> str | None:
    """The stored id inside a global id of `kind` keyed by one string (None when `token` is not one)."""
    if not isinstance(token, str):
        return None
    try:
        found, key = parse_global_id(token)
    except RegistryError:
        return None
    return key[0] if found == kind and len(key) == 1 and isinstance(key[0], str) else None
