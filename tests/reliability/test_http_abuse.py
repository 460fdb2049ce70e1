"""Bad input at the HTTP layer, against `graph-registry serve` as deployed: each gets a clear refusal,
the server stays up, and a healthy client keeps being served while the abuse goes on."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import httpx
import orjson
import pytest

from tests.reliability.servers import ApiProcess

JSON = {"content-type": "application/json"}
DEEP = '{ model(name: "x") { ' + "versions { edges { node { model { " * 12 + "name" + " } } } }" * 12 + " } }"
HEALTHY = "{ models(first: 1) { totalCount } }"


def _aliases(count: int) -> str:
    return "{ " + " ".join(f'a{i}: model(name: "x") {{ name }}' for i in range(count)) + " }"


def _nested_json(depth: int) -> bytes:
    return b'{"query": "{ __typename }", "variables": {"a": ' + b"[" * depth + b"]" * depth + b"}}"


async def _chunks() -> Any:
    yield b'{"query": "'
    for _ in range(40):
        yield b"a" * 100_000
    yield b'"}'


# (case, headers, body, statuses a correct server may answer)
CASES: list[tuple[str, dict[str, str], Any, set[int]]] = [
    ("malformed JSON", JSON, b'{"query": ', {400}),
    ("invalid UTF-8", JSON, b'{"query": "{ model(name: \\"\xff\xfe\\") { name } }"}', {400}),
    ("a JSON array (batch)", JSON, b'[{"query": "{ __typename }"}]', {400}),
    ("a JSON string", JSON, b'"{ __typename }"', {400}),
    ("query not a string", JSON, b'{"query": 5}', {400}),
    ("variables not an object", JSON, b'{"query": "{ __typename }", "variables": "x"}', {400}),
    ("JSON nested 100000 deep", JSON, _nested_json(100_000), {400}),
    ("text/plain", {"content-type": "text/plain"}, b'{"query": "{ __typename }"}', {415}),
    ("form post (CSRF shape)", {"content-type": "application/x-www-form-urlencoded"}, b"query=%7B__typename%7D", {415}),
    ("no content type", {}, b'{"query": "{ __typename }"}', {415}),
    ("5 MB body", JSON, b'{"query": "' + b"a" * 5_000_000 + b'"}', {413}),
    ("4 MB chunked body", JSON, _chunks, {413}),
    ("depth 50 query", JSON, orjson.dumps({"query": DEEP}), {200, 400}),
    ("3000 aliases", JSON, orjson.dumps({"query": _aliases(3000)}), {200, 400}),
    ("60 aliases", JSON, orjson.dumps({"query": _aliases(60)}), {200, 400}),
    ("20000 fields", JSON, orjson.dumps({"query": "{ " + "__typename " * 20_000 + "}"}), {200, 400}),
    (
        "900 KB model name",
        JSON,
        orjson.dumps({"query": "query($m: String!) { model(name: $m) { name } }", "variables": {"m": "m" * 900_000}}),
        {200, 400},
    ),
    ("NUL in a name", JSON, orjson.dumps({"query": '{ model(name: "a\\u0000b") { name } }'}), {200, 400}),
]


@pytest.mark.parametrize(("case", "headers", "body", "statuses"), CASES, ids=[case[0] for case in CASES])
async def test_bad_request_gets_a_clear_refusal(
    scratch_api: ApiProcess, case: str, headers: dict[str, str], body: Any, statuses: set[int]
) -> None:
    async with httpx.AsyncClient(base_url=scratch_api.url, timeout=30) as http:
        content = body() if callable(body) else body
        response = await http.post("/graphql", content=content, headers=headers)
        assert response.status_code in statuses, f"{case}: {response.status_code} {response.text[:300]}"
        assert "Traceback" not in response.text and "MATCH" not in response.text
        if response.status_code == 200:
            # Refused by the GraphQL layer: application/json answers carry the error in the body.
            answer = response.json()
            assert answer["data"] is None or all(value is None for value in answer["data"].values())
            assert answer["errors"][0]["extensions"]["code"] == "INVALID_INPUT", answer
        else:
            assert response.text.strip(), "a refusal says why"
        assert (await http.get("/healthz")).status_code == 200
    assert scratch_api.alive()


async def _raw(url: str, request: bytes, *, read_timeout: float = 15) -> bytes:
    target = urlparse(url)
    reader, writer = await asyncio.open_connection(target.hostname, target.port)
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.read(4096), read_timeout)
    finally:
        writer.close()


async def test_a_huge_header_block_is_refused(scratch_api: ApiProcess) -> None:
    junk = b"".join(b"x-junk-%d: %s\r\n" % (i, b"a" * 1000) for i in range(1000))
    answer = await _raw(scratch_api.url, b"GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n" + junk + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 4") or answer == b"", answer[:200]
    assert scratch_api.alive()


async def _slow_body(url: str, results: list[str], *, seconds: float) -> None:
    """Declares a 10 KB body and sends a byte every 200 ms: the server must give up on it (408)."""
    target = urlparse(url)
    reader, writer = await asyncio.open_connection(target.hostname, target.port)
    writer.write(
        b"POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 10000\r\n\r\n{"
    )
    began = time.monotonic()
    try:
        while time.monotonic() - began < seconds:
            writer.write(b" ")
            await writer.drain()
            try:
                answer = await asyncio.wait_for(reader.read(4096), 0.2)
            except TimeoutError:
                continue
            results.append(answer.split(b"\r\n")[0].decode() if answer else "closed")
            return
        results.append("still open")
    except ConnectionError:
        results.append("reset")
    finally:
        writer.close()


async def _slow_headers(url: str, stop: asyncio.Event) -> None:
    """Sends a header line a byte at a time until told to stop (uvicorn has no header timeout)."""
    target = urlparse(url)
    _, writer = await asyncio.open_connection(target.hostname, target.port)
    writer.write(b"GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: ")
    try:
        while not stop.is_set():
            writer.write(b"a")
            await writer.drain()
            await asyncio.sleep(0.5)
    except ConnectionError:
        pass
    finally:
        writer.close()


async def _repeat(http: httpx.AsyncClient, body: bytes, stop: asyncio.Event, answers: list[int]) -> None:
    while not stop.is_set():
        try:
            answers.append((await http.post("/graphql", content=body, headers=JSON)).status_code)
        except httpx.TransportError:
            answers.append(0)


async def _healthy(url: str, stop: asyncio.Event, latencies: list[float], failures: list[str]) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        while not stop.is_set():
            began = time.monotonic()
            response = await http.post("/graphql", json={"query": HEALTHY})
            latencies.append(time.monotonic() - began)
            if response.status_code != 200 or response.json().get("errors"):
                failures.append(response.text[:200])
            await asyncio.sleep(0.05)


FLOODS = {
    "3 MB bodies": b'{"query": "' + b"a" * 3_000_000 + b'"}',
    "3000 aliases": orjson.dumps({"query": _aliases(3000)}),
    "depth 50": orjson.dumps({"query": DEEP}),
    "invalid UTF-8": b'{"query": "\xff"}',
    "1 MB comment": orjson.dumps({"query": "#" + "a" * 1_000_000 + "\n{ __typename }"}),
}


async def test_abuse_leaves_other_clients_served(scratch_api: ApiProcess, figures: dict[str, Any]) -> None:
    """A healthy client's latency alone, then under each kind of abuse (three abusers each)."""
    measured: dict[str, dict[str, Any]] = {}
    failures: list[str] = []
    slow_bodies: list[str] = []

    async def under(name: str, seconds: float, attacks: Callable[[asyncio.Event, list[int]], list[Any]]) -> None:
        stop = asyncio.Event()
        latencies: list[float] = []
        answers: list[int] = []
        watcher = asyncio.create_task(_healthy(scratch_api.url, stop, latencies, failures))
        attacking = asyncio.gather(*attacks(stop, answers))
        await asyncio.sleep(seconds)
        stop.set()
        await attacking
        await watcher
        latencies.sort()
        measured[name] = {
            "answers": len(latencies),
            "p50 ms": round(latencies[len(latencies) // 2] * 1000),
            "max ms": round(latencies[-1] * 1000),
            **({"abusive requests": len(answers), "statuses": sorted(set(answers))} if answers else {}),
        }

    async with httpx.AsyncClient(base_url=scratch_api.url, timeout=60) as abuser:
        await under("alone", 1.5, lambda stop, answers: [])
        await under(
            "100 slow-header connections",
            2,
            lambda stop, answers: [_slow_headers(scratch_api.url, stop) for _ in range(100)],
        )
        await under(
            "50 slow bodies",
            4.5,
            lambda stop, answers: [_slow_body(scratch_api.url, slow_bodies, seconds=15) for _ in range(50)],
        )
        for name, body in FLOODS.items():

            def flood(stop: asyncio.Event, answers: list[int], body: bytes = body) -> list[Any]:
                return [_repeat(abuser, body, stop, answers) for _ in range(3)]

            await under(name, 2, flood)

    figures["healthy client under HTTP abuse"] = measured
    assert not failures, failures[:3]
    assert all(m["answers"] and m["max ms"] < 10_000 for m in measured.values()), measured
    assert set(slow_bodies) == {"HTTP/1.1 408 Request Timeout"}, slow_bodies
    assert all(set(m.get("statuses", [200])) <= {200, 400, 413} for m in measured.values()), measured
    assert scratch_api.alive()
