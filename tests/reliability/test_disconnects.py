"""Clients that vanish mid-request or mid-upload leave no partial state: a write is whole or absent,
and the retry (same requestId) finishes it exactly once."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any
from urllib.parse import urlparse

import httpx
import orjson

from graph_registry.storage.database import Database
from tests.graphql import data, execute
from tests.reliability.graph import Graph
from tests.reliability.harness import CREATE, REGISTER, TRANSITION, Declared, LoadLog
from tests.reliability.invariants import check_all
from tests.reliability.servers import ApiProcess

DELAYS = (0.0, 0.001, 0.005, 0.02, 0.05, 0.1, 0.3, 0.6, 1.0)


async def _vanish(url: str, body: bytes, *, after: float, cut_body: bool = False) -> None:
    """Sends a POST /graphql (or only half of its body) and drops the connection without reading."""
    target = urlparse(url)
    _, writer = await asyncio.open_connection(target.hostname, target.port)
    head = f"POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
    writer.write(head.encode() + (body[: len(body) // 2] if cut_body else body))
    await writer.drain()
    await asyncio.sleep(after)
    writer.transport.abort()  # RST: the client is gone, not politely closing


async def test_clients_vanishing_mid_request_leave_whole_writes_or_none(
    scratch_api: ApiProcess, scratch_database: Database, unique: str, figures: dict[str, Any]
) -> None:
    prefix = f"gone-{unique}"
    model, dataset = f"{prefix}-model", f"{prefix}-data"
    digest = "sha256:" + hashlib.sha256(prefix.encode()).hexdigest()
    log = LoadLog()
    async with httpx.AsyncClient(base_url=scratch_api.url, timeout=60) as http:
        registered = await data(http, REGISTER, input={"dataset": dataset, "digest": digest})
        log.datasets[(dataset, digest)] = registered["registerDatasetVersion"]["version"]

        def create(request_id: str) -> dict[str, Any]:
            log.declared[request_id] = Declared(model, frozenset({(dataset, digest)}), "d" * 40)
            return {
                "model": model,
                "requestId": request_id,
                "trainedOn": [{"dataset": dataset, "digest": digest}],
                "commit": {"repo": "github.com/acme/gone", "sha": "d" * 40},
            }

        whole = [f"{prefix}-whole-{i}" for i in range(len(DELAYS))]
        halves = [f"{prefix}-half-{i}" for i in range(len(DELAYS))]
        await asyncio.gather(
            *(
                _vanish(scratch_api.url, orjson.dumps({"query": CREATE, "variables": {"input": create(rid)}}), after=d)
                for rid, d in zip(whole, DELAYS, strict=True)
            ),
            *(
                _vanish(
                    scratch_api.url,
                    orjson.dumps({"query": CREATE, "variables": {"input": create(rid)}}),
                    after=d,
                    cut_body=True,
                )
                for rid, d in zip(halves, DELAYS, strict=True)
            ),
        )
        await asyncio.sleep(2)  # what the server still does for the vanished clients, it does now
        graph = await Graph.settled(scratch_database)
        stored = {v.get("requestId") for v in graph.labelled("ModelVersion") if v["model"] == model}
        assert not stored & set(halves), "a request whose body never fully arrived was executed"
        assert not check_all(graph, log, prefix)

        # A version that exists must then have a transition cut off mid-flight: whole or nothing too.
        first = await data(http, CREATE, input=create(f"{prefix}-base"))
        version = first["createModelVersion"]["version"]
        await asyncio.gather(
            *(
                _vanish(
                    scratch_api.url,
                    orjson.dumps({"query": TRANSITION, "variables": {"m": model, "v": version, "s": s, "a": True}}),
                    after=d,
                )
                for s, d in zip(("STAGING", "PRODUCTION", "ARCHIVED", "PRODUCTION"), DELAYS, strict=False)
            )
        )
        # The clients retry everything with the same requestIds: exactly one version each.
        for request_id in whole + halves:
            retried = await data(http, CREATE, input=create(request_id))
            log.versions[request_id] = (model, retried["createModelVersion"]["version"])
        await asyncio.sleep(1)
        graph = await Graph.settled(scratch_database)
    problems = check_all(graph, log, prefix)
    figures["client disconnects"] = {
        "requests dropped mid-flight": len(whole) + 4,
        "requests dropped mid-body": len(halves),
        "executed anyway (whole)": len(stored & set(whole)),
        "partial writes": len(problems),
    }
    assert not problems, problems
    assert scratch_api.alive()


async def test_an_upload_cut_short_never_makes_the_artifact_ready(scratch_api: ApiProcess, unique: str) -> None:
    model = f"cut-{unique}"
    payload = bytes(range(256)) * 4096  # 1 MiB
    declared = {"sha256": hashlib.sha256(payload).hexdigest(), "sizeBytes": len(payload)}
    upload = (
        "mutation($m: String!) { createArtifactUpload(model: $m, version: 1) { url method headers { key value } } }"
    )
    complete = "mutation($m: String!) { completeArtifactUpload(model: $m, version: 1) { status } }"
    status = "query($m: String!) { modelVersion(model: $m, version: 1) { artifact { status } } }"
    async with httpx.AsyncClient(base_url=scratch_api.url, timeout=60) as http:
        await data(http, CREATE, input={"model": model, "artifact": declared})
        target = (await data(http, upload, m=model))["createArtifactUpload"]
        url = urlparse(target["url"])
        _, writer = await asyncio.open_connection(url.hostname, url.port)
        headers = "".join(f"{h['key']}: {h['value']}\r\n" for h in target["headers"])
        writer.write(
            f"{target['method']} {url.path}?{url.query} HTTP/1.1\r\nhost: 127.0.0.1\r\n{headers}content-length: {len(payload)}\r\n\r\n".encode()
        )
        writer.write(payload[: len(payload) // 3])
        await writer.drain()
        writer.transport.abort()
        await asyncio.sleep(0.5)

        refused = await execute(http, complete, m=model)
        assert refused.get("errors"), "completing a cut-short upload must fail"
        assert (await data(http, status, m=model))["modelVersion"]["artifact"]["status"] == "PENDING"

        target = (await data(http, upload, m=model))["createArtifactUpload"]
        put = await http.request(
            target["method"], target["url"], content=payload, headers={h["key"]: h["value"] for h in target["headers"]}
        )
        assert put.status_code < 300, put.text
        assert (await data(http, complete, m=model))["completeArtifactUpload"]["status"] == "READY"
