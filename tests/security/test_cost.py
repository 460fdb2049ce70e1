"""The cost cap counts every list and walk at the size the resolver really uses (issue #21, finding 2).

The attack: `first: null`, `depth: null` or an unset `$first: Int` cost x1
while the resolvers use their defaults (20 rows, 5 or 10 hops), so a nested
query the cap refuses with literals ran when written with nulls.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from graph_registry.api.graphql.extensions.limits import operation_cost
from graph_registry.api.graphql.schema import build_schema
from graph_registry.client import operations as client_operations
from graph_registry.settings import Settings
from tests.security.client import Caller

# Two walks per version of every model: with the defaults (20 models, 20 versions, 5 hops) well over
# the default cap of 20,000.
NESTED = (
    "{head} {{ models(first: {f}) {{ edges {{ node {{ versions(first: {f}) {{ edges {{ node {{ "
    "up: lineage(direction: UPSTREAM, depth: {d}) {{ nodes {{ label kind depth }} edges {{ __typename }} "
    "mermaid dot truncated }} "
    "down: lineage(direction: DOWNSTREAM, depth: {d}) {{ nodes {{ label kind depth }} edges {{ __typename }} "
    "mermaid dot truncated }} }} }} }} }} }} }} }}"
)
VARIABLES = "query($f: Int, $d: Int)"
OMITTED = (
    "{ models { edges { node { versions { edges { node { "
    "up: lineage(direction: UPSTREAM) { nodes { label kind depth } edges { __typename } mermaid dot truncated } "
    "down: lineage(direction: DOWNSTREAM) { nodes { label kind depth } edges { __typename } mermaid dot truncated } "
    "} } } } } } }"
)
FORMS = {
    "literal-defaults": (NESTED.format(head="query", f="20", d="5"), {}),
    "null-literals": (NESTED.format(head="query", f="null", d="null"), {}),
    "unset-variables": (NESTED.format(head=VARIABLES, f="$f", d="$d"), {}),
    "null-variables": (NESTED.format(head=VARIABLES, f="$f", d="$d"), {"f": None, "d": None}),
    "omitted": (OMITTED, {}),
}


def _cost(query: str, variables: dict[str, object]) -> int:
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    schema = build_schema()._schema
    return operation_cost(schema, operation, {}, variables, max_page_size=100, max_depth=25)


def test_null_unset_and_omitted_cost_what_their_defaults_cost() -> None:
    costs = {form: _cost(query, variables) for form, (query, variables) in FORMS.items()}
    assert len(set(costs.values())) == 1, costs
    assert costs["literal-defaults"] > 20_000


def test_an_unset_variable_costs_the_fields_default() -> None:
    cheap = _cost("{ models(first: 1) { edges { node { name } } } }", {})
    assert _cost("query($f: Int) { models(first: $f) { edges { node { name } } } }", {}) == 1 + 20 * (cheap - 1)


@pytest.mark.parametrize("form", list(FORMS))
async def test_nulls_and_omissions_do_not_slip_under_the_cap(reader: Caller, form: str) -> None:
    query, variables = FORMS[form]
    body = await reader.execute(query, **variables)
    assert body.get("data") is None, "the query ran"
    error = body["errors"][0]
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert error["extensions"]["cost"] > error["extensions"]["maxCost"]


def test_each_hop_of_a_walk_costs_the_lineage_weight() -> None:
    walk = "{ models(first: 1) { edges { node { latestVersion { lineage(depth: 4) { nodes { label } } } } } } }"
    document = parse(walk)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    schema = build_schema()._schema
    costs = [
        operation_cost(schema, operation, {}, {}, max_page_size=100, max_depth=25, lineage_weight=weight)
        for weight in (1, 10)
    ]
    # lineage = 1 + hops x weight x (nodes: 1 + label 1); the rest: models, edges, node, latestVersion.
    assert costs == [4 + 1 + 4 * 1 * 2, 4 + 1 + 4 * 10 * 2]


def test_the_bundled_client_fits_the_default_cap_at_its_largest() -> None:
    """Every operation of the Python client, at the largest pages and deepest walks allowed."""
    settings = Settings()
    schema = build_schema(settings)._schema
    checked = 0
    for text in vars(client_operations).values():
        if not isinstance(text, str) or not text.lstrip().startswith(("query", "mutation", "subscription")):
            continue
        document = parse(text)
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        for operation in (d for d in document.definitions if isinstance(d, OperationDefinitionNode)):
            largest = {"first": settings.max_page_size, "depth": settings.max_lineage_depth}
            variables = {
                v.variable.name.value: largest.get(v.variable.name.value) for v in operation.variable_definitions
            }
            cost = operation_cost(
                schema,
                operation,
                fragments,
                variables,
                max_page_size=settings.max_page_size,
                max_depth=settings.max_lineage_depth,
                lineage_weight=settings.lineage_cost_weight,
            )
            assert cost <= settings.max_query_cost, (operation.name and operation.name.value, cost)
            checked += 1
    assert checked >= 10


WEB_QUERIES = Path(__file__).resolve().parents[2] / "web" / "src" / "lineage" / "queries.ts"
WEB_URL_STATE = WEB_QUERIES.with_name("url.ts")


def web_operation(name: str) -> str:
    """An operation exactly as the web lineage view sends it (a template literal of queries.ts)."""
    found = re.search(rf"export const {name} = `(.*?)`;", WEB_QUERIES.read_text(), re.DOTALL)
    assert found is not None, f"{name} is not in {WEB_QUERIES}"
    assert "${" not in found.group(1), f"{name} interpolates: resolve it here before costing it"
    return found.group(1)


def _web_cost(query: str, variables: dict[str, object], settings: Settings) -> int:
    document = parse(query)
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    return operation_cost(
        build_schema(settings)._schema,
        operation,
        fragments,
        variables,
        max_page_size=settings.max_page_size,
        max_depth=settings.max_lineage_depth,
        lineage_weight=settings.lineage_cost_weight,
    )


def test_the_web_lineage_query_fits_the_default_cap_at_the_deepest_walk() -> None:
    """The view's LINEAGE operation, at the server's deepest walk (25; the view itself stops at its
    MAX_DEPTH) and at the view's own deepest, both directions: under the default cap."""
    settings = Settings()
    view_max = int(re.search(r"export const MAX_DEPTH = (\d+);", WEB_URL_STATE.read_text()).group(1))  # type: ignore[union-attr]
    assert view_max <= settings.max_lineage_depth == 25
    query = web_operation("LINEAGE")
    costs = {
        (direction, depth): _web_cost(query, {"id": "x", "direction": direction, "depth": depth}, settings)
        for direction in ("UPSTREAM", "DOWNSTREAM", "BOTH")
        for depth in (view_max, settings.max_lineage_depth)
    }
    assert max(costs.values()) <= settings.max_query_cost, costs


async def test_the_web_lineage_query_at_depth_25_runs_through_the_limiter(
    client: httpx.AsyncClient, model_name: str
) -> None:
    """The exact text the view sends, over HTTP, to a server with the default limits: it runs."""
    created = await client.post(
        "/graphql",
        json={
            "query": "mutation($m: String!) { createModelVersion(input: {model: $m}) { id } }",
            "variables": {"m": model_name},
        },
    )
    version_id = created.json()["data"]["createModelVersion"]["id"]
    response = await client.post(
        "/graphql",
        json={
            "query": web_operation("LINEAGE"),
            "variables": {"id": version_id, "direction": "BOTH", "depth": 25},
            "operationName": "Lineage",
        },
    )
    body = response.json()
    assert not body.get("errors"), body["errors"]
    assert body["data"]["lineage"]["root"]["id"] == version_id
