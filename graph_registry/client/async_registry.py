"""`AsyncRegistry`: the asking and lifecycle half of `Registry` for asyncio code, plus live events.

Recording (datasets, runs, artifacts) hashes and moves files: use `Registry`
for it, in a thread (`asyncio.to_thread`) if the caller is async.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar

from graph_registry.client import calls
from graph_registry.client.calls import Call
from graph_registry.client.events import Limits, follow_async
from graph_registry.client.refs import dataset_ref, selector
from graph_registry.client.registry import DatasetTarget, VersionTarget, _stage
from graph_registry.client.transport import AsyncTransport
from graph_registry.client.types import (
    Dataset,
    DatasetVersion,
    ImpactHit,
    LineageGraph,
    Model,
    ModelEvent,
    ModelVersion,
    ProvenanceDiff,
    Run,
    Stage,
    VersionKey,
)

T = TypeVar("T")


class AsyncRegistry:
    def __init__(self, url: str | None = None, token: str | None = None, *, timeout: float = 60.0, retries: int = 3):
        self._token = token
        self._transport = AsyncTransport(url, token, timeout=timeout, retries=retries)
        self.url = self._transport.url

    async def close(self) -> None:
        await self._transport.close()

    async def __aenter__(self) -> AsyncRegistry:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.close()

    async def _call(self, call: Call[T]) -> T:
        return call.read(await self._transport.execute(call.document, call.variables, idempotent=call.idempotent))

    async def model(self, name: str) -> Model:
        return await self._call(calls.model(name))

    async def version(
        self,
        target: VersionTarget,
        *,
        version: int | None = None,
        alias: str | None = None,
        stage: Stage | str | None = None,
        at: datetime | None = None,
    ) -> ModelVersion:
        chosen = selector(target, version=version, alias=alias, stage=stage)
        return await self._call(calls.model_version(chosen, at=at))

    async def trained_on(self, target: VersionTarget, **which: Any) -> list[DatasetVersion]:
        return await self._call(calls.trained_on(selector(target, **which)))

    async def lineage(
        self,
        target: VersionTarget | DatasetVersion | Run,
        *,
        direction: str = "upstream",
        depth: int = 5,
        kinds: Sequence[str] | None = None,
        **which: Any,
    ) -> LineageGraph:
        if isinstance(target, DatasetVersion | Run):
            return await self._call(calls.node_lineage(target.id, direction=direction, depth=depth, kinds=kinds))
        chosen = selector(target, **which)
        return await self._call(calls.version_lineage(chosen, direction=direction, depth=depth, kinds=kinds))

    async def impact(
        self,
        dataset_version: DatasetTarget,
        *,
        stage: Stage | str | None = None,
        alias: str | None = None,
        depth: int = 10,
    ) -> list[ImpactHit]:
        return await self._call(
            calls.impact(dataset_ref(dataset_version), stage=_stage(stage), alias=alias, depth=depth)
        )

    async def dataset_by_source(self, namespace: str, name: str) -> Dataset:
        return await self._call(calls.dataset_by_source(namespace, name))

    async def diff(self, a: VersionTarget, b: VersionTarget) -> ProvenanceDiff:
        return await self._call(calls.provenance_diff(selector(a), selector(b)))

    async def _number(self, target: VersionTarget, version: int | None) -> VersionKey:
        chosen = selector(target, version=version)
        if chosen.version is not None:
            return VersionKey(chosen.model, chosen.version)
        return (await self.version(chosen)).key

    async def promote(
        self,
        target: VersionTarget,
        stage: Stage | str = Stage.PRODUCTION,
        *,
        version: int | None = None,
        archive_existing: bool = True,
        comment: str | None = None,
    ) -> ModelVersion:
        key = await self._number(target, version)
        chosen = _stage(stage)
        assert chosen is not None
        return await self._call(
            calls.transition_stage(key.model, key.version, chosen, archive_existing=archive_existing, comment=comment)
        )

    async def set_alias(self, target: VersionTarget, alias: str, *, version: int | None = None) -> ModelVersion:
        key = await self._number(target, version)
        return await self._call(calls.set_alias(key.model, alias, key.version))

    async def delete_alias(self, model: str, alias: str) -> bool:
        return await self._call(calls.delete_alias(model, alias))

    def events(
        self,
        model: str | None = None,
        *,
        since: datetime | None = None,
        reconnect: bool = True,
        timeout: float | None = None,
        stop_after: int | None = None,
    ) -> AsyncIterator[ModelEvent]:
        return follow_async(
            self.url,
            self._token,
            model=model,
            since=since,
            reconnect=reconnect,
            limits=Limits.of(timeout=timeout, stop_after=stop_after),
        )
