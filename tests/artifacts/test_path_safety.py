"""Model names and URL tokens never lead the local store outside its folder."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from graph_registry.errors import InvalidInput
from graph_registry.storage.local_store import LocalStore
from tests.artifacts.flow import declare, put, upload_target
from tests.graphql import error_code
from tests.live_server import LiveServer

TRAVERSALS = ["../../etc", "..", "./x", "a/../../b", "/etc/passwd", "x\\..\\y", "%2e%2e", ".hidden"]


@pytest.mark.parametrize("name", TRAVERSALS)
async def test_traversal_model_names_are_invalid(local_api: LiveServer, name: str) -> None:
    async with httpx.AsyncClient(base_url=local_api.url, timeout=60) as client:
        declare_query = (
            'mutation($m: String!) { createModelVersion(input: {model: $m, artifact: {sha256: "'
            + "ab" * 32
            + '", sizeBytes: 10}}) { version } }'
        )
        assert await error_code(client, declare_query, m=name) == "INVALID_INPUT"
        upload_query = "mutation($m: String!) { createArtifactUpload(model: $m, version: 1) { url } }"
        assert await error_code(client, upload_query, m=name) == "INVALID_INPUT"
        complete_query = "mutation($m: String!) { completeArtifactUpload(model: $m, version: 1) { uri } }"
        assert await error_code(client, complete_query, m=name) == "INVALID_INPUT"


async def test_tampered_or_made_up_tokens_are_refused(local_api: LiveServer, local_root: Path, model_name: str) -> None:
    payload = os.urandom(1000)
    async with httpx.AsyncClient(base_url=local_api.url, timeout=60) as client:
        version = await declare(client, model_name, payload)
        target = await upload_target(client, model_name, version)
        token = target["url"].rsplit("/", 1)[1]
        claims, _, signature = token.partition(".")
        forged = {**target, "url": target["url"].replace(claims, claims[:-4] + "AAAA")}
        assert (await put(forged, payload)).status_code == 403
        for path in ("../../../../tmp/evil", "..%2F..%2Ftmp%2Fevil", "x.y", f"{claims}.", f".{signature}"):
            response = await client.put(f"/artifacts/upload/{path}", content=payload)
            assert response.status_code in (403, 404)
            response = await client.get(f"/artifacts/download/{path}")
            assert response.status_code in (403, 404)
        # A real upload token does not download, nor the other way round.
        assert (await client.get(target["url"])).status_code in (403, 405)
    assert not escaped("evil", local_root)


def escaped(name: str, root: Path) -> list[Path]:
    """Files a traversal would have written: in /tmp itself, or anywhere under the store."""
    return [path for path in (Path("/tmp") / name, *root.rglob(name)) if path.exists()]


@pytest.mark.parametrize("key", ["../outside", "a/../../outside", "/etc/passwd", "a/./b", "", "a//b", ".staging/x"])
def test_local_store_refuses_keys_that_escape(tmp_path: Path, key: str) -> None:
    store = LocalStore(tmp_path / "root", signing_key=b"k" * 32)
    with pytest.raises(InvalidInput):
        store.uri(key)
    with pytest.raises(InvalidInput):
        store.file(key)
