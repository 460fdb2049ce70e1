"""Property test: queries and mutations generated from the exported schema, sent to the real server.

Whatever hypothesis-graphql builds (valid documents with arbitrary argument values, most of them
steered to a seeded graph so they reach the resolvers), the server answers without a 5xx and
without an internal error, masked or not.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import graphql
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import mutations, queries

from graph_registry.api.graphql.schema import sdl
from graph_registry.services.tokens import Role
from tests.live_server import LiveServer
from tests.security.steering import steered

SCHEMA = graphql.build_schema(sdl())


def _json_literals() -> st.SearchStrategy[graphql.ValueNode]:
    """JSON arguments (importAdvisories(osv:)): nested objects and lists, with OSV-like keys now and then."""
    leaves = st.one_of(
        st.text(max_size=20).map(lambda text: graphql.StringValueNode(value=text)),
        st.integers(-10, 10).map(lambda number: graphql.IntValueNode(value=str(number))),
        st.booleans().map(lambda flag: graphql.BooleanValueNode(value=flag)),
        st.just(graphql.NullValueNode()),
    )
    keys = st.one_of(
        st.sampled_from(["id", "modified", "affected", "package", "name", "ecosystem", "versions"]),
        st.text("abcxyz", min_size=1, max_size=6),
    )

    def containers(children: st.SearchStrategy[graphql.ValueNode]) -> st.SearchStrategy[graphql.ValueNode]:
        return st.one_of(
            st.lists(children, max_size=3).map(lambda items: graphql.ListValueNode(values=tuple(items))),
            st.dictionaries(keys, children, max_size=4).map(
                lambda fields: graphql.ObjectValueNode(
                    fields=tuple(
                        graphql.ObjectFieldNode(name=graphql.NameNode(value=key), value=value)
                        for key, value in fields.items()
                    )
                )
            ),
        )

    return st.recursive(leaves, containers, max_leaves=8)


SCALARS = {
    "DateTime": st.datetimes(
        min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
    ).map(lambda moment: graphql.StringValueNode(value=moment.isoformat())),
    "JSON": _json_literals(),
}
# Bounded so the suite stays fast; GRAPH_REGISTRY_FUZZ_EXAMPLES=2000 fuzzes longer by hand.
BOUNDED = settings(
    max_examples=int(os.environ.get("GRAPH_REGISTRY_FUZZ_EXAMPLES", "60")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# What a client may legitimately be told; anything else (INTERNAL above all) is a bug to fix.
CODES = {"UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "CONFLICT", "INVALID_INPUT", "PRECONDITION_FAILED", "UNAVAILABLE"}
LEAKS = ("Traceback", "neo4j.", "Neo.ClientError", 'File "', "strawberry", "graphql_core")


# Names and ids of the seeded graph, by argument name; filled by the `fuzz_http` fixture.
TARGETS: dict[str, list[str]] = {}
SEED = f"fuzz-{uuid.uuid4().hex[:8]}"
SEED_MUTATIONS = [
    ("registerDatasetVersion(input: {dataset: $n, digest: $d}) { id dataset { id } }", {"d": "sha256:" + "cd" * 32}),
    ("recordCommit(input: {repo: $n, sha: $s}) { id }", {"s": "ab" * 20}),
    ("startRun(input: {experiment: $n, commit: {repo: $n, sha: $s}}) { id runId experiment { id } }", {"s": "ab" * 20}),
    ('createModelVersion(input: {model: $n, requirements: ["torch==2.3.1"]}) { id model { id } }', {}),
    ("createModelVersion(input: {model: $n}) { id }", {}),
    ('setAlias(model: $n, alias: "champion", version: 1) { id }', {}),
]


def _collect(value: object) -> None:
    """Every id and runId in a seeding answer becomes a target."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("id", "runId") and isinstance(item, str):
                TARGETS.setdefault(key, []).append(item)
            _collect(item)


@pytest.fixture(scope="module")
def fuzz_http(secure_api: LiveServer, role_tokens: dict[Role, tuple[str, str]]) -> Iterator[httpx.Client]:
    _, secret = role_tokens[Role.ADMIN]
    with httpx.Client(base_url=secure_api.url, headers={"Authorization": f"Bearer {secret}"}, timeout=60) as http:
        for call, extra in SEED_MUTATIONS:
            names = ", ".join(f"${key}: String!" for key in ("n", *extra))
            answer = http.post(
                "/graphql", json={"query": f"mutation({names}) {{ {call} }}", "variables": {"n": SEED, **extra}}
            )
            _collect(answer.json().get("data"))
        for key in ("model", "name", "dataset", "experiment", "repo"):
            TARGETS[key] = [SEED]
        TARGETS.update(alias=["champion", "challenger"], sha=["ab" * 20], digest=["sha256:" + "cd" * 32], spec=["<2.2"])
        TARGETS["name"].append("torch")
        yield http


def check(http: httpx.Client, document: str) -> None:
    response = http.post("/graphql", json={"query": document})
    assert response.status_code < 500, (document, response.text[:500])
    if response.status_code != 200:  # refused by the HTTP guard (e.g. a string over the body limit)
        return
    for error in response.json().get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        assert code in CODES, (document, error)
        assert not any(leak in error["message"] for leak in LEAKS), (document, error)


@BOUNDED
@given(document=queries(SCHEMA, custom_scalars=SCALARS, print_ast=lambda document: steered(document, TARGETS)))
def test_generated_queries_never_break_the_server(fuzz_http: httpx.Client, document: str) -> None:
    check(fuzz_http, document)


@BOUNDED
@given(document=mutations(SCHEMA, custom_scalars=SCALARS, print_ast=lambda document: steered(document, TARGETS)))
def test_generated_mutations_never_break_the_server(fuzz_http: httpx.Client, document: str) -> None:
    check(fuzz_http, document)
