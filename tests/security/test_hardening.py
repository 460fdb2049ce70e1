"""GraphQL and HTTP limits: depth, tokens, aliases, cost, batching, GET, content type, body size."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import strawberry.schema.schema as strawberry_schema

from graph_registry.api.graphql.extensions import parse_cache
from graph_registry.services.tokens import Role
from graph_registry.settings import Environment, Settings
from tests.live_server import LiveServer
from tests.security.client import Caller

ONE_MIB = 1024 * 1024


def _code(body: dict[str, object]) -> str:
    return body["errors"][0]["extensions"]["code"]  # type: ignore[index,no-any-return]


async def test_deep_queries_are_refused(reader: Caller) -> None:
    nested = "model { name }"
    for _ in range(8):
        nested = f"model {{ latestVersion {{ {nested} }} }}"
    body = await reader.execute(f'{{ modelVersion(model: "m") {{ {nested} }} }}')
    assert _code(body) == "INVALID_INPUT"
    assert "depth" in body["errors"][0]["message"]  # type: ignore[index]


async def test_circular_fragments_are_refused_not_followed(reader: Caller) -> None:
    query = "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }"
    assert _code(await reader.execute(query)) == "INVALID_INPUT"


@pytest.mark.parametrize("through_fragment", [False, True])
async def test_alias_floods_are_refused(reader: Caller, through_fragment: bool) -> None:
    aliases = " ".join(f'a{i}: model(name: "m{i}") {{ name }}' for i in range(60))
    query = f"query {{ ...F }} fragment F on Query {{ {aliases} }}" if through_fragment else f"{{ {aliases} }}"
    body = await reader.execute(query)
    assert _code(body) == "INVALID_INPUT"
    assert "aliases" in body["errors"][0]["message"]  # type: ignore[index]


async def test_huge_documents_are_refused(reader: Caller) -> None:
    query = "{ " + " ".join("__typename" for _ in range(6000)) + " }"
    assert _code(await reader.execute(query)) == "INVALID_INPUT"


async def test_documents_are_parsed_once(reader: Caller, monkeypatch: pytest.MonkeyPatch, unique: str) -> None:
    """A document already seen is not parsed again; one that fails is parsed once, not twice; a long
    one is parsed in the parse thread, off the event loop.

    Parsing is the costliest work a caller can ask for without a valid document: a flood of
    oversized documents parsed twice each held the event loop twice as long, and parsed on the
    loop it held up every other request of the process.
    """
    parsed: list[tuple[str, str]] = []

    def counting(original: Any) -> Any:
        def parse(query: str, **options: object) -> object:
            parsed.append((query, threading.current_thread().name))
            return original(query, **options)

        return parse

    monkeypatch.setattr(strawberry_schema, "parse", counting(strawberry_schema.parse))
    monkeypatch.setattr(parse_cache, "parse", counting(parse_cache.parse))
    fine = f"{{ x{unique}: __typename }}"
    for _ in range(3):
        assert await reader.execute(fine) == {"data": {f"x{unique}": "Query"}}
    huge = f"{{ x{unique}: __typename " + " ".join("__typename" for _ in range(3000)) + " }"
    assert len(huge) >= parse_cache.OFF_LOOP_CHARACTERS
    for _ in range(2):
        assert _code(await reader.execute(huge)) == "INVALID_INPUT"
    on_the_loop = [thread for query, thread in parsed if query == fine]
    assert len(on_the_loop) == 1 and not on_the_loop[0].startswith("graphql-parse")
    assert [thread.split("_")[0] for query, thread in parsed if query == huge] == ["graphql-parse"] * 2


async def test_long_documents_that_fail_to_parse_report_their_error_and_never_run(
    writer: Caller, reader: Caller, unique: str
) -> None:
    """A long document is parsed off the loop; when that fails, the client gets the same syntax error
    as for a short one, with or without an operation name, and nothing of the document runs."""
    padding = "# " + "x" * parse_cache.OFF_LOOP_CHARACTERS + "\n"
    mutation = f'mutation Make {{ createModel(name: "long-{unique}") {{ name }} }}'
    short = (await writer.execute(mutation + " ("))["errors"][0]
    for operation_name in (None, "Make", "Make"):
        response = await writer.http.post(
            "/graphql", json={"query": padding + mutation + " (", "operationName": operation_name}
        )
        body = response.json()
        assert response.status_code == 200 and body["data"] is None, body
        [error] = body["errors"]
        assert error["message"] == short["message"] == "Syntax Error: Unexpected '('."
        assert error["extensions"] == {"code": "INVALID_INPUT"}
        assert error["locations"] == [{"line": 2, "column": short["locations"][0]["column"]}]
    assert (await reader.data("query($n: String!) { model(name: $n) { name } }", n=f"long-{unique}")) == {"model": None}
    assert (await writer.data(padding + mutation))["createModel"] == {"name": f"long-{unique}"}


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("{ models(first: 101) { totalCount } }", {}),
        ("query($n: Int!) { models(first: $n) { totalCount } }", {"n": 1000}),
        ('{ modelVersion(model: "m") { lineage(depth: 26) { truncated } } }', {}),
        ("{ models(first: -1) { totalCount } }", {}),
        (
            "{ models(first: 100) { edges { node { versions(first: 100) { edges { node { version stage } } } } } } }",
            {},
        ),
        (
            "query($n: Int = 50) { models(first: $n) { edges { node { versions(first: $n) "
            "{ edges { node { lineage(depth: 25) { nodes { label } } } } } } } } }",
            {},
        ),
    ],
    ids=["first-literal", "first-variable", "depth", "negative", "nested-pages", "pages-times-walks"],
)
async def test_costly_queries_are_refused_before_they_run(
    reader: Caller, query: str, variables: dict[str, object]
) -> None:
    assert _code(await reader.execute(query, **variables)) == "INVALID_INPUT"


async def test_ordinary_queries_fit_the_caps(reader: Caller) -> None:
    query = (
        "{ models(first: 20) { edges { node { name latestVersion { version stage aliases "
        "lineage(depth: 5) { nodes { label } } } versions(first: 20) { edges { node { version } } } } } } }"
    )
    assert await reader.code(query) is None


async def test_long_strings_are_refused_whatever_the_field(reader: Caller) -> None:
    body = await reader.execute("query($n: String!) { model(name: $n) { name } }", n="a" * 100_000)
    assert _code(body) == "INVALID_INPUT"
    assert len(body["errors"][0]["message"]) < 200  # type: ignore[index]
    assert _code(await reader.execute('{ model(name: "' + "a" * 100_000 + '") { name } }')) == "INVALID_INPUT"


async def test_batching_is_off(reader: Caller) -> None:
    batch = [{"query": "{ __typename }"}, {"query": "{ __typename }"}]
    response = await reader.http.post("/graphql", json=batch)
    assert response.status_code == 400


async def test_mutations_over_get_are_refused(writer: Caller, reader: Caller, unique: str) -> None:
    mutation = f'mutation {{ createModel(name: "get-{unique}") {{ name }} }}'
    response = await writer.http.get("/graphql", params={"query": mutation})
    assert response.status_code in (400, 405)
    assert (await reader.data(f'{{ model(name: "get-{unique}") {{ name }} }}'))["model"] is None
    # Queries over GET still work (and still need a token).
    assert (await reader.http.get("/graphql", params={"query": "{ __typename }"})).json()["data"] == {
        "__typename": "Query"
    }


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonx"],
)
async def test_posts_must_be_json(writer: Caller, content_type: str | None, unique: str) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    body = f'{{"query": "mutation {{ createModel(name: \\"ct-{unique}\\") {{ name }} }}"}}'
    response = await writer.http.post("/graphql", content=body.encode(), headers=headers)
    assert response.status_code == 415
    assert (await writer.data(f'{{ model(name: "ct-{unique}") {{ name }} }}'))["model"] is None


async def test_json_with_a_charset_is_json(reader: Caller) -> None:
    response = await reader.http.post(
        "/graphql", content=b'{"query": "{ __typename }"}', headers={"Content-Type": "application/json; charset=utf-8"}
    )
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_oversized_bodies_are_refused(reader: Caller) -> None:
    padding = "x" * (ONE_MIB + 1)
    declared = await reader.http.post("/graphql", json={"query": "{ __typename }", "variables": {"p": padding}})
    assert declared.status_code == 413

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ __typename }", "variables": {"p": "'
        for _ in range(ONE_MIB // 65536 + 1):
            yield b"x" * 65536
        yield b'"}}'

    streamed = await reader.http.post("/graphql", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413


async def test_artifact_routes_keep_their_own_rules(reader: Caller) -> None:
    response = await reader.http.put(
        "/artifacts/upload/not-a-token",
        content=b"x" * (2 * ONE_MIB),
        headers={"Content-Type": "application/octet-stream"},
    )
    # Not the GraphQL body limit (413) nor its content-type rule (415): the route's own answer to a bad token.
    assert response.status_code == 403
    assert response.json()["code"] == "FORBIDDEN"


async def test_every_response_names_its_request(reader: Caller) -> None:
    # The server allocates every id (#21 finding 6): a caller's X-Request-Id is not taken over.
    given = await reader.http.post("/graphql", json={"query": "{ __typename }"}, headers={"X-Request-Id": "trace-42"})
    assert given.headers["x-request-id"] != "trace-42" and len(given.headers["x-request-id"]) == 32
    forged = await reader.http.post("/graphql", json={"query": "{ __typename }"}, headers={"X-Request-Id": "a b" * 40})
    assert forged.headers["x-request-id"] != "a b" * 40 and len(forged.headers["x-request-id"]) == 32


@pytest.fixture(scope="module")
def production_api(secure_settings: Settings) -> Iterator[LiveServer]:
    with LiveServer.serving(secure_settings.model_copy(update={"env": Environment.PRODUCTION})) as server:
        yield server


async def test_production_hides_the_schema(
    production_api: LiveServer, role_tokens: dict[Role, tuple[str, str]]
) -> None:
    headers = {"Authorization": f"Bearer {role_tokens[Role.READER][1]}"}
    async with httpx.AsyncClient(base_url=production_api.url, headers=headers) as http:
        caller = Caller(http, name=None)
        assert _code(await caller.execute("{ __schema { types { name } } }")) == "INVALID_INPUT"
        assert _code(await caller.execute('{ __type(name: "Model") { name } }')) == "INVALID_INPUT"
        assert await caller.data("{ __typename }") == {"__typename": "Query"}


async def test_dev_shows_the_schema(reader: Caller) -> None:
    assert await reader.code("{ __schema { types { name } } }") is None
