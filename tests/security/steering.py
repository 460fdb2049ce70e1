"""Steers generated documents towards data that exists, so fuzzing reaches past input validation.

hypothesis-graphql fills String and Int arguments with arbitrary values, which nearly always fail
name checks. `Steering` rewrites most of them, chosen by a stable hash of the generated value (so
shrinking still works), to names, ids and numbers of a seeded graph; the rest stay arbitrary.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import graphql
from graphql import ArgumentNode, IntValueNode, ObjectFieldNode, StringValueNode

# How often an argument keeps its arbitrary value: one time in KEEP.
KEEP = 4
NUMBERS = {"first": 30, "depth": 8, "version": 4, "number": 4, "step": 10}


def _pick(seed: str, choices: Sequence[Any]) -> Any | None:
    digest = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:4], "big")
    slot = digest % (len(choices) * (KEEP + 1) // KEEP + 1)
    return choices[slot] if slot < len(choices) else None


class Steering(graphql.Visitor):
    def __init__(self, strings: Mapping[str, Sequence[str]]) -> None:
        super().__init__()
        self.strings = strings

    def _steer(self, node: ArgumentNode | ObjectFieldNode) -> ArgumentNode | ObjectFieldNode | None:
        name, value = node.name.value, node.value
        if isinstance(value, StringValueNode | IntValueNode) and self.strings.get(name):  # an ID may be an int
            chosen = _pick(value.value, self.strings[name])
            if chosen is not None:
                return node.__class__(name=node.name, value=StringValueNode(value=chosen))
        elif isinstance(value, IntValueNode) and name in NUMBERS:
            chosen = _pick(value.value, list(range(NUMBERS[name])))
            if chosen is not None:
                return node.__class__(name=node.name, value=IntValueNode(value=str(chosen)))
        return None

    def enter_argument(self, node: ArgumentNode, *_: Any) -> ArgumentNode | None:
        return self._steer(node)  # type: ignore[return-value]

    def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> ObjectFieldNode | None:
        return self._steer(node)  # type: ignore[return-value]


def steered(document: graphql.DocumentNode, strings: Mapping[str, Sequence[str]]) -> str:
    return graphql.print_ast(graphql.visit(document, Steering(strings)))
