"""Limits on what one GraphQL operation may ask, checked before it runs (api/graphql/schema.py wires them).

`OperationLimits`, one extension for both limits below. The cost: each selected field costs 1, plus its children times the rows it
asks for: page sizes (`first`) and walk lengths (`depth`), at the value the
resolver will use: as given literally or through a variable, and at the
field's default when null, omitted or an unset variable (a null costs what
the default it stands for costs). Page sizes and depths beyond the server's
caps are refused outright, for every connection and walk, whoever added it.
The string cap: no string argument over the cap reaches a resolver.
Both answer INVALID_INPUT without executing anything.
`ExpensiveGate` (used by the cost check): a caller runs at most so many operations costing at least the
expensive threshold at once in one worker; one more is refused UNAVAILABLE (retry when one ends),
so one token's parallel walks cannot take the Neo4j pool from everyone else (bench/RESULTS.md).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
    Visitor,
    get_named_type,
    value_from_ast_untyped,
    visit,
)
from strawberry.extensions import SchemaExtension


def _invalid(message: str, **extensions: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "INVALID_INPUT", **extensions})


@dataclass(frozen=True, slots=True)
class _CostWalk:
    """Cost of a selection: each field 1, plus its children times the rows it asks for."""

    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: Mapping[str, Any]
    max_page_size: int
    max_depth: int
    lineage_weight: int = 1

    def selections(self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None, seen: frozenset[str]) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, seen)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                narrowed = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selections(selection.selection_set, narrowed, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:
                    narrowed = self.schema.get_type(fragment.type_condition.name.value)
                    total += self.selections(fragment.selection_set, narrowed, seen | {name})
        return total

    def field(self, node: FieldNode, parent: GraphQLNamedType | None, seen: frozenset[str]) -> int:
        if node.name.value == "__typename":
            return 0
        fields = parent.fields if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else {}
        definition = fields.get(node.name.value)
        factor = 1
        for argument, limit in (("first", self.max_page_size), ("depth", self.max_depth)):
            value = self.integer(node, definition, argument)
            if value is None:
                continue
            if not 0 <= value <= limit:
                raise _invalid(f"{argument} must be between 0 and {limit}, got {value}", field=argument)
            # A walk reaches more than one node per hop: each hop costs the weight (bench/cost_stall.py).
            factor *= max(value, 1) * (self.lineage_weight if argument == "depth" else 1)
        if node.selection_set is None:
            return 1
        child = get_named_type(definition.type) if definition is not None else None
        return 1 + factor * self.selections(node.selection_set, child, seen)

    def integer(self, node: FieldNode, definition: Any, name: str) -> int | None:
        """The value the resolver will use: as given, else (null, unset variable, omitted) its default.

        Resolvers read `null` as "the default" (validation.page_size; lineage depth 5, impact 10), so
        a null or missing value costs what the default costs; with no default, the server's cap.
        """
        if definition is None or name not in definition.args:
            return None
        given = next((argument.value for argument in node.arguments or () if argument.name.value == name), None)
        value: Any = None
        if isinstance(given, IntValueNode):
            value = int(given.value)
        elif isinstance(given, VariableNode):
            value = self.variables.get(given.name.value)
        if value is None:
            default = definition.args[name].default_value
            value = default if isinstance(default, int) else self.cap(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else self.cap(name)

    def cap(self, name: str) -> int:
        return self.max_page_size if name == "first" else self.max_depth


def operation_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    *,
    max_page_size: int,
    max_depth: int,
    lineage_weight: int = 1,
) -> int:
    root = schema.get_root_type(operation.operation)
    defaults = {
        definition.variable.name.value: value_from_ast_untyped(definition.default_value)
        for definition in operation.variable_definitions or ()
        if definition.default_value is not None
    }
    walk = _CostWalk(schema, fragments, {**defaults, **variables}, max_page_size, max_depth, lineage_weight)
    return walk.selections(operation.selection_set, root, frozenset())


class ExpensiveGate:
    """How many expensive operations each caller (by actor) has running in this worker."""

    def __init__(self, *, threshold: int, per_caller: int) -> None:
        self.threshold = threshold
        self.per_caller = per_caller  # 0: no cap
        self.running: dict[str, int] = {}

    def enter(self, actor: str, cost: int) -> bool:
        """Whether an operation of `cost` may start now (and, if expensive, counts it as running)."""
        if self.per_caller <= 0 or cost < self.threshold:
            return True
        held = self.running.get(actor, 0)
        if held >= self.per_caller:
            return False
        self.running[actor] = held + 1
        return True

    def leave(self, actor: str) -> None:
        held = self.running.get(actor, 0) - 1
        if held > 0:
            self.running[actor] = held
        else:
            self.running.pop(actor, None)


class OperationLimits(SchemaExtension):
    """Refuses, before execution, operations whose cost exceeds the cap (INVALID_INPUT), expensive
    ones beyond the caller's share of the `gate` (UNAVAILABLE), and string arguments over
    `max_length` (INVALID_INPUT)."""

    def __init__(
        self,
        *,
        max_cost: int,
        max_page_size: int,
        max_depth: int,
        max_length: int,
        lineage_weight: int = 1,
        gate: ExpensiveGate | None = None,
    ) -> None:
        self.max_cost = max_cost
        self.max_page_size = max_page_size
        self.max_depth = max_depth
        self.max_length = max_length
        self.lineage_weight = lineage_weight
        self.gate = gate

    def on_execute(self) -> Iterator[None]:
        admitted = self._admit()
        self._check_strings()
        try:
            yield
        finally:
            if admitted is not None and self.gate is not None:
                self.gate.leave(admitted)

    def _admit(self) -> str | None:
        """Refuses what costs too much; the actor counted as running an expensive operation, if any."""
        execution = self.execution_context
        document = execution.graphql_document
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)] if document else []
        operation = next(
            (o for o in operations if execution.operation_name in (None, o.name.value if o.name else None)), None
        )
        if document is not None and operation is not None and not execution.result:
            fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
            try:
                cost = operation_cost(
                    execution.schema._schema,  # the graphql-core schema Strawberry executes
                    operation,
                    fragments,
                    execution.variables or {},
                    max_page_size=self.max_page_size,
                    max_depth=self.max_depth,
                    lineage_weight=self.lineage_weight,
                )
            except GraphQLError as refused:
                execution.result = ExecutionResult(data=None, errors=[refused])
            else:
                if cost > self.max_cost:
                    execution.result = ExecutionResult(
                        data=None,
                        errors=[
                            _invalid(
                                f"the query would cost {cost}, above the limit of {self.max_cost}: "
                                "ask for smaller pages, shallower walks or fewer nested lists",
                                cost=cost,
                                maxCost=self.max_cost,
                            )
                        ],
                    )
                else:
                    return self._enter(cost)
        return None

    def _enter(self, cost: int) -> str | None:
        principal = getattr(self.execution_context.context, "principal", None)
        if self.gate is None or principal is None or cost < self.gate.threshold:
            return None
        if self.gate.enter(principal.actor, cost):
            return str(principal.actor) if self.gate.per_caller > 0 else None
        self.execution_context.result = ExecutionResult(
            data=None,
            errors=[
                GraphQLError(
                    f"{principal.actor!r} already runs {self.gate.per_caller} operation(s) costing "
                    f"{self.gate.threshold} or more (this one costs {cost}): retry when one has ended",
                    extensions={
                        "code": "UNAVAILABLE",
                        "cost": cost,
                        "expensiveCost": self.gate.threshold,
                        "maxConcurrent": self.gate.per_caller,
                    },
                )
            ],
        )
        return None

    def _check_strings(self) -> None:
        """No string argument (literal or variable) over the cap, whatever field it feeds.

        Services cap the fields they know (names, descriptions, ...); this is the backstop for a field
        someone forgot, so no unbounded string reaches a resolver, the graph or an error message. A
        literal is never longer than the document's text, so a document within the cap is not walked.
        """
        execution = self.execution_context
        document = execution.graphql_document
        literals = [0]
        if document is not None and (execution.query is None or len(execution.query) > self.max_length):
            visit(document, _StringLengths(literals))
        longest = max(_longest(execution.variables or {}), *literals)
        if longest > self.max_length and not execution.result:
            execution.result = ExecutionResult(
                data=None,
                errors=[_invalid(f"a string argument of {longest} characters is over the limit of {self.max_length}")],
            )


def _longest(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, Mapping):
        return max((_longest(item) for item in value.values()), default=0)
    if isinstance(value, list):
        return max((_longest(item) for item in value), default=0)
    return 0


class _StringLengths(Visitor):
    def __init__(self, found: list[int]) -> None:
        super().__init__()
        self.found = found

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        self.found.append(len(node.value))
