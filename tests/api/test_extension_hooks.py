"""extensions/hooks.py runs the hooks Strawberry's own runner runs, in its order, with its results.

One schema served two ways, RegistrySchema's runner (hooks found once per class) and Strawberry's,
with extensions of every kind of hook: sync and async generators, coroutine and plain functions,
`get_results`, and one extension that overrides nothing. No database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import strawberry
from strawberry.extensions import SchemaExtension

from graph_registry.api.graphql.extensions.hooks import class_hooks
from graph_registry.api.graphql.schema import RegistrySchema


def _recorder(log: list[str]) -> tuple[type[SchemaExtension], ...]:
    class Generators(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            log.append("operation in")
            yield
            log.append("operation out")

        async def on_parse(self) -> AsyncIterator[None]:
            log.append("parse in")
            yield
            log.append("parse out")

        def get_results(self) -> dict[str, Any]:
            return {"generators": len(log)}

    class Functions(SchemaExtension):
        async def on_validate(self) -> None:
            log.append("validate (coroutine)")

        def on_execute(self) -> None:
            log.append("execute (function)")

        async def get_results(self) -> dict[str, Any]:
            return {"functions": True}

    class Nothing(SchemaExtension):
        pass

    class Failing(SchemaExtension):
        def on_execute(self) -> Iterator[None]:
            log.append("failing in")
            yield
            raise ValueError("an extension failed")

    return Generators, Functions, Nothing, Failing


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"


async def _run(schema_class: type[strawberry.Schema], *, failing: bool) -> tuple[list[str], Any, Any, list[str]]:
    log: list[str] = []
    generators, functions, nothing, failing_extension = _recorder(log)
    extensions = [generators, functions, nothing, *([failing_extension] if failing else [])]
    schema = schema_class(query=Query, extensions=extensions)
    result = await schema.execute("{ hello }")
    return log, result.data, result.extensions, [error.message for error in result.errors or []]


async def test_the_hooks_run_as_strawberrys_runner_runs_them() -> None:
    for failing in (False, True):
        ours = await _run(RegistrySchema, failing=failing)
        strawberrys = await _run(strawberry.Schema, failing=failing)
        assert ours == strawberrys
    assert ours[0][:2] == ["operation in", "parse in"]
    assert ours[3] == ["an extension failed"]


def test_a_class_that_overrides_nothing_has_no_hooks() -> None:
    generators, functions, nothing, _ = _recorder([])
    assert class_hooks(nothing).stages == {}
    assert not class_hooks(nothing).has_results
    assert sorted(class_hooks(generators).stages) == ["on_operation", "on_parse"]
    assert sorted(class_hooks(functions).stages) == ["on_execute", "on_validate"]
    assert class_hooks(functions).has_results
