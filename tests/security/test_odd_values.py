"""Out-of-range numbers and times are INVALID_INPUT naming the field, never INTERNAL (issue #21, finding 8).

The attack: `sizeBytes: 1e400` overflowed `int()`, `1.7` was stored as 1, and
UTC offsets Python accepts but Neo4j cannot store (beyond +/-18:00) failed
deep in the driver.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.security.client import Caller

SHA = "ab" * 32


def _error(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("data") in (None, {}) or all(value is None for value in body["data"].values()), body
    error: dict[str, Any] = body["errors"][0]
    return error


@pytest.mark.parametrize("size", ["1e400", "1.7", "-1", "1e19"])
async def test_sizes_that_are_no_byte_count_are_refused(writer: Caller, size: str, unique: str) -> None:
    model = f"m-{unique}"
    literal = (
        f'mutation {{ createModelVersion(input: {{model: "{model}", artifact: {{sha256: "{SHA}", sizeBytes: {size}}}}}) '
        "{ version } }"
    )
    error = _error(await writer.execute(literal))
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert "sizeBytes" in error["message"] or error["extensions"].get("field") == "sizeBytes", error
    found = await writer.data("query($m: String!) { model(name: $m) { name } }", m=model)
    assert found["model"] is None


@pytest.mark.parametrize("size", [1.7, -1, 1e19])
async def test_sizes_through_variables_are_refused(writer: Caller, size: float, unique: str) -> None:
    query = (
        "mutation($m: String!, $s: Float!) { createModelVersion(input: {model: $m, artifact: "
        f'{{sha256: "{SHA}", sizeBytes: $s}}}}) {{ version }} }}'
    )
    error = _error(await writer.execute(query, m=f"m-{unique}", s=size))
    assert error["extensions"] == {"code": "INVALID_INPUT", "field": "sizeBytes"}


async def test_an_overflowing_size_in_json_is_refused(writer: Caller, unique: str) -> None:
    query = (
        "mutation($m: String!, $s: Float!) { createModelVersion(input: {model: $m, artifact: "
        f'{{sha256: "{SHA}", sizeBytes: $s}}}}) {{ version }} }}'
    )
    body = '{"query": ' + json.dumps(query) + ', "variables": {"m": "m-' + unique + '", "s": 1e400}}'
    response = await writer.http.post("/graphql", content=body.encode(), headers={"Content-Type": "application/json"})
    assert response.status_code == 400 or response.json()["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


@pytest.mark.parametrize("offset", ["+18:30", "-19:00", "+23:59"])
async def test_utc_offsets_beyond_18_hours_are_refused(
    writer: Caller, admin: Caller, reader: Caller, offset: str, unique: str
) -> None:
    moment = f"2026-01-01T00:00:00{offset}"
    commit = 'mutation($t: DateTime!) { recordCommit(input: {repo: "r", sha: "%s", committedAt: $t}) { sha } }'
    error = _error(await writer.execute(commit % ("c" * 40), t=moment))
    assert error["extensions"] == {"code": "INVALID_INPUT", "field": "committedAt"}, error

    token = "mutation($n: String!, $t: DateTime!) { createApiToken(name: $n, role: READER, expiresAt: $t) { token } }"
    error = _error(await admin.execute(token, n=f"t-{unique}", t=moment.replace("2026", "2099")))
    assert error["extensions"] == {"code": "INVALID_INPUT", "field": "expiresAt"}, error

    at = "query($m: String!, $t: DateTime!) { modelVersion(model: $m, at: $t) { version } }"
    error = _error(await reader.execute(at, m=f"m-{unique}", t=moment))
    assert error["extensions"] == {"code": "INVALID_INPUT", "field": "at"}, error


async def test_offsets_within_18_hours_are_kept(writer: Caller, unique: str) -> None:
    commit = 'mutation($t: DateTime!) { recordCommit(input: {repo: "r", sha: "%s", committedAt: $t}) { committedAt } }'
    sha = unique.ljust(40, "d")
    result = await writer.data(commit % sha, t="2026-01-01T00:00:00+14:00")
    assert result["recordCommit"]["committedAt"].endswith("+14:00")
