"""Minimal valid calls of any root field, built from the schema: for sweeps over every mutation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import graphql

from graph_registry.api.graphql.schema import build_schema

SCHEMA = build_schema()._schema
# Values a format check would refuse if made up: the sweeps want the call itself to be valid.
WELL_FORMED: dict[str, Any] = {
    "digest": "sha256:" + "ab" * 32,
    "sha256": "ab" * 32,
    "sha": "a1" * 20,
    "requirements": ["torch==2.3.1"],
    "sizeBytes": 3.0,
    "version": 1,
}


@dataclass(frozen=True)
class Operation:
    """One root field with variables for all its required arguments (and no others)."""

    kind: str
    field: str
    document: str
    variables: dict[str, Any]
    string_paths: tuple[tuple[str, ...], ...]

    def with_value(self, path: tuple[str, ...], value: Any) -> dict[str, Any]:
        """The variables with the string at `path` replaced by `value`."""
        variables = _copy(self.variables)
        target: Any = variables
        for step in path[:-1]:
            target = target[0] if isinstance(target, list) else target
            target = target[step]
        target = target[0] if isinstance(target, list) else target
        target[path[-1]] = [value] if isinstance(target.get(path[-1]), list) else value
        return variables


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _value(
    type_: graphql.GraphQLInputType,
    name: str,
    text: Callable[[str], str],
    path: tuple[str, ...],
    strings: list[tuple[str, ...]],
) -> Any:
    """A valid value for a required input; `strings` collects the paths of every String below it."""
    nullable = graphql.get_nullable_type(type_)  # type: ignore[arg-type]
    if name in WELL_FORMED:
        return WELL_FORMED[name]
    if isinstance(nullable, graphql.GraphQLList):
        return [_value(nullable.of_type, name, text, path, strings)]
    if isinstance(nullable, graphql.GraphQLInputObjectType):
        built = {}
        for field_name, field in nullable.fields.items():
            field_path = (*path, field_name)
            if graphql.is_non_null_type(field.type):
                built[field_name] = _value(field.type, field_name, text, field_path, strings)
            elif graphql.get_named_type(field.type).name == "String" and field_name not in WELL_FORMED:
                strings.append(field_path)  # optional: absent from the baseline, swept on its own
        return built
    if isinstance(nullable, graphql.GraphQLEnumType):
        return next(iter(nullable.values))
    match nullable.name:
        case "Int":
            return 1
        case "Float":
            return 1.0
        case "Boolean":
            return False
        case "DateTime":
            return "2030-01-01T00:00:00+00:00"
    strings.append(path)
    return text(name)


def _selection(type_: graphql.GraphQLOutputType) -> str:
    named = graphql.get_named_type(type_)
    return " { __typename }" if isinstance(named, graphql.GraphQLObjectType | graphql.GraphQLInterfaceType) else ""


def operations(kind: str, text: Callable[[str], str]) -> list[Operation]:
    """A call of every root field of `kind` (query, mutation) with its required arguments only.

    Optional String arguments are declared (so a sweep can set them) but left out of the variables.
    """
    root = SCHEMA.query_type if kind == "query" else SCHEMA.mutation_type
    assert root is not None
    found = []
    for field_name, field in sorted(root.fields.items()):
        strings: list[tuple[str, ...]] = []
        variables = {}
        declared = []
        for arg_name, argument in field.args.items():
            if graphql.is_non_null_type(argument.type):
                variables[arg_name] = _value(argument.type, arg_name, text, (arg_name,), strings)
            elif graphql.get_named_type(argument.type).name == "String":
                strings.append((arg_name,))
            else:
                continue
            declared.append(arg_name)
        header = ", ".join(f"${name}: {field.args[name].type}" for name in declared)
        arguments = ", ".join(f"{name}: ${name}" for name in declared)
        call = f"{field_name}({arguments})" if arguments else field_name
        document = f"{kind}{f'({header})' if header else ''} {{ {call}{_selection(field.type)} }}"
        found.append(Operation(kind, field_name, document, variables, tuple(strings)))
    return found
