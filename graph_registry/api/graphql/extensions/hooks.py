"""Strawberry's extension hooks, found once per extension class instead of on every request.

For every request and every stage (operation, parse, validation, execution) Strawberry's runner
asks each extension whether its class overrides the stage's hook (`getattr`, then
`inspect.isgeneratorfunction` / `isasyncgenfunction`), wraps the ones that do in a fresh
`contextlib.contextmanager` (which copies the function's metadata with `functools.wraps`), and
enters an exit stack even when no extension has the hook; it also awaits every extension's
`get_results`, overridden or not. Which hooks a class overrides, and what kind of function each is,
never changes: `class_hooks` works it out once per class. Per request, a stage enters only the
hooks that exist, each from a context-manager factory made once; a stage no extension hooks costs
nothing, and only overridden `get_results` are called. Behaviour is Strawberry's own: same order,
same context-manager semantics (they are contextlib's), same results.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import (
    ExecutingContextManager,
    ExtensionContextManagerBase,
    OperationContextManager,
    ParsingContextManager,
    ValidationContextManager,
    WrappedHook,
)
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext
from strawberry.utils.await_maybe import await_maybe

# A hook's context-manager factory: called with the extension, it gives the stage's context manager.
Factory = Callable[
    [SchemaExtension], contextlib.AbstractContextManager[None] | contextlib.AbstractAsyncContextManager[None]
]

STAGES = ("on_operation", "on_parse", "on_validate", "on_execute")


@dataclass(frozen=True, slots=True)
class Hook:
    factory: Factory
    is_async: bool


@dataclass(frozen=True, slots=True)
class ClassHooks:
    stages: dict[str, Hook]  # only the stages the class overrides
    has_results: bool  # overrides get_results


def _hook(name: str, function: Callable[..., Any]) -> Hook:
    """Strawberry's ExtensionContextManagerBase.get_hook, for the unbound function, once."""
    if inspect.isgeneratorfunction(function):
        return Hook(factory=contextlib.contextmanager(function), is_async=False)
    if inspect.isasyncgenfunction(function):
        return Hook(factory=contextlib.asynccontextmanager(function), is_async=True)
    if not callable(function):
        raise ValueError(f"Hook {name} must be callable, received {function!r}")
    if inspect.iscoroutinefunction(function):

        @contextlib.asynccontextmanager
        async def awaited(extension: SchemaExtension) -> AsyncIterator[None]:
            await function(extension)
            yield

        return Hook(factory=awaited, is_async=True)

    @contextlib.contextmanager
    def called(extension: SchemaExtension) -> Iterator[None]:
        function(extension)
        yield

    return Hook(factory=called, is_async=False)


# Per extension class (a handful, fixed by the schema): what it overrides never changes.
_BY_CLASS: dict[type[SchemaExtension], ClassHooks] = {}


def class_hooks(cls: type[SchemaExtension]) -> ClassHooks:
    """The hooks `cls` overrides (a fact of the class, the same for every request)."""
    found = _BY_CLASS.get(cls)
    if found is None:
        stages = {}
        for name in STAGES:
            function = getattr(cls, name)
            if function is not getattr(SchemaExtension, name):
                stages[name] = _hook(name, function)
        found = _BY_CLASS[cls] = ClassHooks(
            stages=stages, has_results=cls.get_results is not SchemaExtension.get_results
        )
    return found


class _Stage(ExtensionContextManagerBase):
    """One stage's hooks of this request's extensions, in their order."""

    __slots__ = ()

    def __init__(self, extensions: list[SchemaExtension]) -> None:
        self.hooks: list[WrappedHook] = []
        for extension in extensions:
            hook = class_hooks(type(extension)).stages.get(self.HOOK_NAME)
            if hook is not None:
                self.hooks.append(
                    WrappedHook(
                        extension=extension, hook=functools.partial(hook.factory, extension), is_async=hook.is_async
                    )
                )

    def __enter__(self) -> None:
        if self.hooks:
            super().__enter__()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc_val: BaseException | None, exc_tb: TracebackType | None
    ) -> None:
        if self.hooks:
            super().__exit__(exc_type, exc_val, exc_tb)

    async def __aenter__(self) -> None:
        if self.hooks:
            await super().__aenter__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc_val: BaseException | None, exc_tb: TracebackType | None
    ) -> None:
        if self.hooks:
            await super().__aexit__(exc_type, exc_val, exc_tb)


class _Operation(_Stage, OperationContextManager):
    __slots__ = ()


class _Parsing(_Stage, ParsingContextManager):
    __slots__ = ()


class _Validation(_Stage, ValidationContextManager):
    __slots__ = ()


class _Executing(_Stage, ExecutingContextManager):
    __slots__ = ()


class HookRunner(SchemaExtensionsRunner):
    """Strawberry's runner with the hooks looked up per class (see the module's docstring)."""

    def operation(self) -> OperationContextManager:
        return _Operation(self.extensions)

    def validation(self) -> ValidationContextManager:
        return _Validation(self.extensions)

    def parsing(self) -> ParsingContextManager:
        return _Parsing(self.extensions)

    def executing(self) -> ExecutingContextManager:
        return _Executing(self.extensions)

    def get_extensions_results_sync(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for extension in self.extensions:
            if class_hooks(type(extension)).has_results:
                if inspect.iscoroutinefunction(extension.get_results):
                    raise RuntimeError("Cannot use async extension hook during sync execution")
                data.update(extension.get_results())  # type: ignore[arg-type]
        return data

    async def get_extensions_results(self, ctx: ExecutionContext) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for extension in self.extensions:
            if class_hooks(type(extension)).has_results:
                data.update(await await_maybe(extension.get_results()))
        data.update(ctx.extensions_results)
        return data
