"""graphql-ws, the JavaScript client most frontends use, run under Node against the live server.

tests/js holds the client (its npm packages installed by `.ci/run` with `npm ci`); the script
subscribes, this test makes the change, and the script prints what it received.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import httpx
import pytest

from tests.api.test_events import create_model, create_version
from tests.live_server import LiveServer

JS = Path(__file__).resolve().parents[1] / "js"
# Guards against a hang, not a timing assertion.
PATIENCE = 90.0


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    if found is None:
        pytest.fail("Node.js is needed for the graphql-ws test (node on PATH)")
    if not (JS / "node_modules" / "graphql-ws").is_dir():
        pytest.fail(f"graphql-ws is not installed: run `npm ci` in {JS}")
    return found


async def test_graphql_ws_under_node_receives_the_events_of_mutations(
    node: str, api: LiveServer, client: httpx.AsyncClient, model_name: str
) -> None:
    since = await create_model(client, model_name)
    url = api.url.replace("http", "ws", 1) + "/graphql"
    process = await asyncio.create_subprocess_exec(
        node,
        str(JS / "subscribe.mjs"),
        url,
        model_name,
        since,
        "2",
        cwd=JS,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        connected = json.loads(await asyncio.wait_for(process.stdout.readline(), PATIENCE))
        assert connected == {"connected": True}
        await create_version(client, model_name)
        await create_version(client, model_name)
        stdout, stderr = await asyncio.wait_for(process.communicate(), PATIENCE)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, stderr.decode()
    received = [json.loads(line) for line in stdout.decode().splitlines()]
    assert [item["data"]["modelEvents"]["type"] for item in received] == ["VERSION_CREATED", "VERSION_CREATED"]
    assert [item["data"]["modelEvents"]["modelVersion"]["version"] for item in received] == [1, 2]
    assert all(item["data"]["modelEvents"]["modelVersion"]["model"]["name"] == model_name for item in received)
