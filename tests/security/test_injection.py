"""Hostile strings in every string argument of every mutation and root query: stored literally,
answered or refused, nothing else changes.

The sweep is built from the schema (tests/security/operations.py), so fields added later are swept too.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest

from tests.security.client import Caller
from tests.security.operations import Operation, operations
from tests.support.probes import Probes

PAYLOADS = {
    "quotes": "O'Brien \"the\" quote\\'s",
    "backticks": "`Model` `x`) DETACH DELETE n //",
    "cypher": "}) DETACH DELETE n //",
    "cypher-union": "' OR 1=1 WITH 1 AS x MATCH (n) DETACH DELETE n RETURN '",
    "parameter": "$name ${model} {{x}}",
    "bidi": "abc\u202egpj.exe",
    "zero-width": "cham\u200bpion",
    "homoglyph": "\u0441hampion",
    "nul": "a\x00b",
    "emoji": "\U0001f680\u00e9\u0301",
    "newline": "line1\nline2\r\n\t",
    "traversal": "../../../../etc/passwd",
    "windows-traversal": "..\\..\\Windows\\system32",
    "url": "file:///etc/passwd",
    "one-megabyte": "A" * 1_000_000,
}
# Codes an invalid value may earn; INTERNAL (or anything else) is a bug.
REFUSALS = {"INVALID_INPUT", "NOT_FOUND", "CONFLICT", "PRECONDITION_FAILED"}
MUTATIONS = operations("mutation", lambda name: name)
QUERIES = [operation for operation in operations("query", lambda name: name) if operation.string_paths]
# Mutations that create what their argument names: each attempt needs a fresh name.
CREATES = {"createModel": "name", "createApiToken": "name"}
# Mutations with free-text fields (descriptions, comments, commit messages) that must take any text.
TAKES_FREE_TEXT = {"createModel", "updateModel", "createModelVersion", "transitionStage", "recordCommit", "startRun"}


def _names(unique: str) -> dict[str, str]:
    """What the required strings of a call name: the test's own model, dataset, experiment..."""
    return {
        "model": f"inj-{unique}",
        "name": f"inj-{unique}",
        "dataset": f"inj-{unique}",
        "experiment": f"inj-{unique}",
        "alias": "challenger",
        "repo": "github.com/acme/inj",
    }


def _baseline(operation: Operation, names: dict[str, str]) -> Operation:
    """The call with its required strings pointing at the test's own model, dataset and experiment.

    Optional strings stay unset: each is swept on its own.
    """
    for path in operation.string_paths:
        if _present(operation.variables, path):
            value = names.get(path[-1], f"text{names['model']}")
            operation = replace(operation, variables=operation.with_value(path, value))
    return operation


def _present(variables: dict[str, Any], path: tuple[str, ...]) -> bool:
    target: Any = variables
    for step in path:
        target = target[0] if isinstance(target, list) else target
        if not isinstance(target, dict) or step not in target:
            return False
        target = target[step]
    return True


def _refusal_problems(errors: list[dict[str, Any]], where: str) -> list[str]:
    """What is wrong with the errors of a refused call: a code outside the contract's refusals, or a
    message that echoes the payload back at length."""
    problems = []
    for error in errors:
        if error["extensions"].get("code") not in REFUSALS:
            problems.append(f"{where}: {error['extensions']} {error['message'][:200]}")
        if len(error["message"]) > 2000:
            problems.append(f"{where}: the error echoes {len(error['message'])} characters")
    return problems


def _held_literally(rows: list[dict[str, Any]], marker: str, sent: str) -> list[str]:
    """Where the marker is stored other than as exactly what was sent (empty: all literal)."""
    problems = []
    for row in rows:
        for key, value in zip(row["properties"], row["values"], strict=True):
            items = value if isinstance(value, list) else [value]
            for item in items:
                if isinstance(item, str) and marker in item and sent not in item:
                    problems.append(f"{row['labels']}.{key} holds {item[:120]!r}")
                if isinstance(value, str) and value != sent and marker in value and not isinstance(value, list):
                    problems.append(f"{row['labels']}.{key} = {value[:120]!r} (sent {sent[:120]!r})")
    return problems


@pytest.mark.parametrize("operation", MUTATIONS, ids=[operation.field for operation in MUTATIONS])
async def test_hostile_strings_are_stored_literally_or_refused(
    operation: Operation, admin: Caller, probes: Probes, unique: str
) -> None:
    names = _names(unique)
    sentinel = f"sentinel-{unique}"
    await admin.data(
        'mutation($m: String!) { createModelVersion(input: {model: $m, description: "keep"}) { version } }',
        m=sentinel,
    )
    await admin.data(
        'mutation($m: String!) { setAlias(model: $m, alias: "champion", version: 1) { version } }', m=sentinel
    )
    await admin.data("mutation($m: String!) { createModelVersion(input: {model: $m}) { version } }", m=names["model"])
    baseline = _baseline(operation, names)
    gate = asyncio.Semaphore(6)
    problems: list[str] = []
    accepted: list[str] = []

    async def attempt(index: int, path: tuple[str, ...], label: str, payload: str) -> None:
        marker = f"x{unique}n{index}"
        sent = marker + payload
        async with gate:
            call = baseline
            if operation.field in CREATES and path != (CREATES[operation.field],):
                call = replace(call, variables=call.with_value((CREATES[operation.field],), f"new{marker}"))
            body = await admin.execute(operation.document, **call.with_value(path, sent))
            if body.get("errors"):
                problems.extend(_refusal_problems(body["errors"][:1], f"{'.'.join(path)} <- {label}"))
                return
            accepted.append(label)
            stored = await probes.nodes_holding(marker)
        problems.extend(f"{'.'.join(path)} <- {label}: {problem}" for problem in _held_literally(stored, marker, sent))

    cases = [(path, label, payload) for path in operation.string_paths for label, payload in PAYLOADS.items()]
    await asyncio.gather(*(attempt(index, *case) for index, case in enumerate(cases)))
    assert not problems, "\n".join(problems)
    if operation.field in TAKES_FREE_TEXT:
        assert accepted, "nothing was accepted, so nothing was shown to be stored literally"

    kept = await admin.data(
        "query($m: String!) { model(name: $m) { aliases { name version { version } } versions { totalCount } "
        "version(number: 1) { description stage deleted } } }",
        m=sentinel,
    )
    assert kept["model"] == {
        "aliases": [{"name": "champion", "version": {"version": 1}}],
        "versions": {"totalCount": 1},
        "version": {"description": "keep", "stage": "NONE", "deleted": False},
    }


@pytest.mark.parametrize("operation", QUERIES, ids=[operation.field for operation in QUERIES])
async def test_hostile_strings_in_queries_are_answered_or_refused(
    operation: Operation, admin: Caller, probes: Probes, unique: str
) -> None:
    """Every string argument of every root query (names, filters, package specs, actors...) takes
    every payload: an answer or a contract refusal, a short error, and nothing written."""
    names = _names(unique)
    await admin.data("mutation($m: String!) { createModelVersion(input: {model: $m}) { version } }", m=names["model"])
    baseline = _baseline(operation, names)
    gate = asyncio.Semaphore(6)
    problems: list[str] = []

    marker = f"x{unique}q"

    async def attempt(path: tuple[str, ...], label: str, payload: str) -> None:
        async with gate:
            body = await admin.execute(operation.document, **baseline.with_value(path, marker + payload))
        problems.extend(_refusal_problems(body.get("errors") or [], f"{'.'.join(path)} <- {label}"))

    cases = [(path, label, payload) for path in operation.string_paths for label, payload in PAYLOADS.items()]
    await asyncio.gather(*(attempt(*case) for case in cases))
    assert not problems, "\n".join(problems)
    assert await probes.nodes_holding(marker) == [], "a query wrote what it was sent"


async def test_free_text_round_trips_exactly(writer: Caller, unique: str) -> None:
    model = f"m-{unique}"
    texts = {label: payload for label, payload in PAYLOADS.items() if len(payload) < 1000}
    for label, payload in texts.items():
        result = await writer.data(
            "mutation($m: String!, $d: String!, $v: String!) { createModelVersion(input: "
            '{model: $m, description: $d, tags: [{key: "k", value: $v}]}) { description tags { value } } }',
            m=model,
            d=payload,
            v=payload,
        )
        assert result["createModelVersion"] == {"description": payload, "tags": [{"value": payload}]}, label
