"""The cost cap counts every list and walk at the size the resolver really uses (issue #21, finding 2).

The attack: `first: null`, `depth: null` or an unset `$first: Int` cost x1
while the resolvers use their defaults (20 rows, 5 or 10 hops), so a nested
query the cap refuses with literals ran when written with nulls.
"""

from __future__ import annotations

import pytest
from graphql import OperationDefinitionNode, parse

from graph_registry.api.query_limits import operation_cost
from graph_registry.api.schema import build_schema
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
