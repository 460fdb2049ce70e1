"""What createModelVersion accepts as an artifact declaration."""

from __future__ import annotations

import httpx
import pytest

from tests.graphql import error_code

DECLARE = """
mutation($model: String!, $sha256: String!, $size: Float!) {
  createModelVersion(input: {model: $model, artifact: {sha256: $sha256, sizeBytes: $size}}) { version }
}
"""
GOOD_SHA = "ab" * 32


@pytest.mark.parametrize(
    ("sha256", "size"),
    [
        ("AB" * 32, 10),  # uppercase
        ("ab" * 31, 10),  # too short
        ("zz" * 32, 10),  # not hex
        (GOOD_SHA, 0),
        (GOOD_SHA, -5),
        (GOOD_SHA, 6 * 1024**4),  # beyond the default 5 TiB limit
    ],
)
async def test_malformed_declarations_are_invalid(
    client: httpx.AsyncClient, model_name: str, sha256: str, size: float
) -> None:
    assert await error_code(client, DECLARE, model=model_name, sha256=sha256, size=size) == "INVALID_INPUT"
    found = await client.post(
        "/graphql", json={"query": "query($m: String!) { model(name: $m) { name } }", "variables": {"m": model_name}}
    )
    assert found.json()["data"]["model"] is None
