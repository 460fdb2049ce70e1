"""Does an SDL honour a contract? (the rule of ../shared/tools/check_contract.py, kept in the repository)

Every type, field, argument, enum value, input field, interface and union member of the contract
must exist in the actual schema with the same type; the actual schema may add anything, except a
required argument without a default on a field of the contract (it would break the contract's clients).
"""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLUnionType,
    build_schema,
)
from graphql.pyutils import Undefined


def differences(actual_sdl: str, contract_sdl: str) -> list[str]:
    actual = build_schema(actual_sdl)
    contract = build_schema(contract_sdl)
    out: list[str] = []
    for name, want in contract.type_map.items():
        if name.startswith("__"):
            continue
        have = actual.type_map.get(name)
        if have is None:
            out.append(f"missing type {name}")
        elif type(have) is not type(want):
            out.append(f"{name}: is {type(have).__name__}, contract says {type(want).__name__}")
        elif isinstance(want, GraphQLEnumType) and isinstance(have, GraphQLEnumType):
            out += [f"enum {name}: missing value {value}" for value in want.values if value not in have.values]
        elif isinstance(want, GraphQLObjectType | GraphQLInterfaceType) and isinstance(
            have, GraphQLObjectType | GraphQLInterfaceType
        ):
            out += _field_differences(name, want, have)
        elif isinstance(want, GraphQLInputObjectType) and isinstance(have, GraphQLInputObjectType):
            for field_name, wanted in want.fields.items():
                found = have.fields.get(field_name)
                if found is None:
                    out.append(f"input {name}.{field_name}: missing")
                elif str(found.type) != str(wanted.type):
                    out.append(f"input {name}.{field_name}: type {found.type}, contract says {wanted.type}")
        elif isinstance(want, GraphQLUnionType) and isinstance(have, GraphQLUnionType):
            members = {member.name for member in have.types}
            out += [f"union {name}: missing member {m.name}" for m in want.types if m.name not in members]
    return out


def _field_differences(
    name: str,
    want: GraphQLObjectType | GraphQLInterfaceType,
    have: GraphQLObjectType | GraphQLInterfaceType,
) -> list[str]:
    out: list[str] = []
    interfaces = {interface.name for interface in have.interfaces}
    out += [f"{name}: does not implement {i.name}" for i in want.interfaces if i.name not in interfaces]
    for field_name, wanted in want.fields.items():
        found = have.fields.get(field_name)
        if found is None:
            out.append(f"{name}.{field_name}: missing")
            continue
        if str(found.type) != str(wanted.type):
            out.append(f"{name}.{field_name}: type {found.type}, contract says {wanted.type}")
        for arg_name, wanted_arg in wanted.args.items():
            found_arg = found.args.get(arg_name)
            if found_arg is None:
                out.append(f"{name}.{field_name}({arg_name}): missing argument")
            elif str(found_arg.type) != str(wanted_arg.type):
                out.append(f"{name}.{field_name}({arg_name}): type {found_arg.type}, contract says {wanted_arg.type}")
        for arg_name, found_arg in found.args.items():
            required = str(found_arg.type).endswith("!") and found_arg.default_value is Undefined
            if arg_name not in wanted.args and required:
                out.append(f"{name}.{field_name}({arg_name}): extra required argument breaks clients")
    return out
