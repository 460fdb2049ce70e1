"""graph-registry under test: its own Neo4j and `graph-registry serve`, the workload through GraphQL.

The Neo4j server lives under its own state folder and port (never the test
suite's 7697); the benchmark starts it, so restarting the API (workers=1, then
workers=2) keeps the data. Every question is one GraphQL request.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import neo4j
from neo4j import AsyncDriver

from bench.http_client import Http
from bench.processes import free_port, send_with_retries, stop_group, wait_http
from bench.workload import (
    CHAIN,
    LISTING_PAGE,
    LISTING_TAG,
    LISTING_TASK,
    DatasetKey,
    DatasetVersionSpec,
    ModelVersionSpec,
    Workload,
)
from graph_registry.services.backup import BackupService, inspect_backup
from graph_registry.storage import migrations
from graph_registry.storage.database import Database
from graph_registry.storage.local_neo4j import LocalNeo4j
from graph_registry.storage.queries import query

ROOT = Path(__file__).resolve().parents[1]
# Hops from a dataset version to a model version trained on it: (Run)-[:USED]->, then <-[:PRODUCED_BY]-.
TRAINED_HOPS = 2
MAX_DEPTH = 25

REGISTER_DATASET_VERSION = """
mutation($input: RegisterDatasetVersionInput!) { registerDatasetVersion(input: $input) { version } }
"""
CREATE_MODEL = """
mutation($name: String!, $tags: [TagInput!]) { createModel(name: $name, tags: $tags) { name } }
"""
CREATE_MODEL_VERSION = """
mutation($input: CreateModelVersionInput!) { createModelVersion(input: $input) { version } }
"""
SET_ALIAS = """
mutation($model: String!, $alias: String!, $version: Int!) {
  setAlias(model: $model, alias: $alias, version: $version) { version }
}
"""
ALIAS = """
query($model: String!) { modelVersion(model: $model, alias: "champion") { version } }
"""
CHAMPION_LINEAGE = """
query($model: String!) {
  modelVersion(model: $model, alias: "champion") {
    version
    trainedOn { dataset { name } version digest }
    commit { repo sha }
  }
}
"""
IMPACT = """
query($dataset: String!, $version: Int!, $depth: Int!) {
  datasetVersion(dataset: $dataset, version: $version) {
    impactedModels(alias: "champion", depth: $depth) { version model { name } }
  }
}
"""
LISTING = """
query($name: String!, $key: String!, $value: String!, $models: Int!, $versions: Int!) {
  models(first: $models, nameContains: $name, tag: {key: $key, value: $value}) {
    edges { node { name versions(first: $versions) { edges { node { version tags { key value } } } } } }
  }
}
"""


class GraphQLError(RuntimeError):
    pass


@dataclass
class RegistryServer:
    """The bench's own Neo4j (kept across API restarts) and `graph-registry serve --workers N`."""

    home: Path
    neo4j: LocalNeo4j
    api: subprocess.Popen[bytes] | None = None
    url: str = ""

    @classmethod
    def prepare(cls, home: Path, *, neo4j_port: int, heap: str = "1g", pagecache_mb: int = 512) -> RegistryServer:
        local = LocalNeo4j(home.absolute() / "neo4j", port=neo4j_port, heap=heap, pagecache_mb=pagecache_mb)
        local.start(timeout=240)
        return cls(home=home, neo4j=local)

    def env(self, *, auth: bool) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("NEO4J_", "GRAPH_REGISTRY_"))}
        env.update(
            GRAPH_REGISTRY_HOME=str(self.home),
            GRAPH_REGISTRY_EMBEDDED_NEO4J_PORT=str(self.neo4j.port),
            GRAPH_REGISTRY_LOAD_DEMO="false",
            GRAPH_REGISTRY_AUTH="true" if auth else "false",
        )
        return env

    def start_api(self, *, workers: int, auth: bool = False, timeout: float = 120.0) -> None:
        self.stop_api()
        port = free_port()
        log = self.home / f"api-{workers}.log"
        with log.open("wb") as out:
            self.api = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "graph-registry"),
                    "serve",
                    "--port",
                    str(port),
                    "--workers",
                    str(workers),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.env(auth=auth),
                cwd=ROOT,
                start_new_session=True,
            )
        self.url = f"http://127.0.0.1:{port}"
        wait_http(f"{self.url}/readyz", self.api, timeout=timeout, log=log)

    def stop_api(self) -> None:
        if self.api is not None:
            stop_group(self.api)
            self.api = None

    def stop(self) -> None:
        self.stop_api()
        self.neo4j.stop()

    def driver(self) -> AsyncDriver:
        return neo4j.AsyncGraphDatabase.driver(
            self.neo4j.uri, auth=(self.neo4j.user, self.neo4j.password()), notifications_min_severity="OFF"
        )


def _database(local: LocalNeo4j) -> Database:
    return Database.connect(uri=local.uri, user=local.user, password=local.password(), database="neo4j")


async def bulk_ingest(source: LocalNeo4j, home: Path, *, port: int) -> dict[str, Any]:
    """Nodes + edges per second through `graph-registry import` (BackupService.restore) into an empty Neo4j.

    `home` is an absolute folder (the bench state folder of the scale).

    The loaded registry is exported first (not timed); the restore alone is timed, in-process, so
    the figure is the ingest path itself, without the CLI's start-up.
    """
    backup_path = home / "backup.jsonl"
    exported = _database(source)
    try:
        with backup_path.open("wb") as sink:
            counts = await BackupService(exported).export(sink)
    finally:
        await exported.close()
    target = LocalNeo4j(home / "import-neo4j", port=port)
    target.stop()
    if target.home.exists():
        shutil.rmtree(target.home)
    target.start(timeout=240)
    database = _database(target)
    try:
        await migrations.apply(database)
        backup = inspect_backup(backup_path)
        service = BackupService(database)
        start = time.monotonic()
        done = await service.prepare_restore(backup)
        await service.restore(backup, done=done)
        seconds = time.monotonic() - start
    finally:
        await database.close()
        target.stop()
    total = counts["nodes"] + counts["relationships"]
    return {
        "path": "graph-registry import (BackupService.restore), in-process, into an empty Neo4j",
        "nodes": counts["nodes"],
        "edges": counts["relationships"],
        "seconds": round(seconds, 2),
        "nodes_edges_per_second": round(total / seconds, 1),
    }


def _ref(key: DatasetKey) -> dict[str, Any]:
    return {"dataset": key[0], "version": key[1]}


def _version_input(spec: ModelVersionSpec, *, request_id: bool) -> dict[str, Any]:
    value: dict[str, Any] = {
        "model": spec.model,
        "tags": [{"key": "team", "value": spec.team}],
        "metrics": [{"key": "accuracy", "value": spec.accuracy}],
        "trainedOn": [_ref(used.key) for used in spec.inputs],
        "commit": {
            "repo": spec.commit.repo,
            "sha": spec.commit.sha,
            "branch": spec.commit.branch,
            "author": spec.commit.author,
        },
    }
    if request_id:
        value["requestId"] = spec.request_id
    return value


class RegistrySide:
    """The workload and the questions through graph-registry's GraphQL API: one request per question."""

    name = "graph-registry"

    def __init__(self, http: Http, workload: Workload) -> None:
        self._http = http
        self.workload = workload
        self.calls = 0
        self._new = workload.new_versions(10_000)

    async def graphql(self, document: str, **variables: Any) -> dict[str, Any]:
        self.calls += 1
        payload = {"query": document, "variables": variables}
        response = await send_with_retries(lambda: self._http.post("/graphql", json=payload))
        body = response.json()
        if body.get("errors") or response.status_code != 200:
            raise GraphQLError(f"{response.status_code}: {body.get('errors')}")
        data: dict[str, Any] = body["data"]
        return data

    # Loading -------------------------------------------------------------------------------

    async def load(self, *, concurrency: int = 8) -> None:
        w = self.workload
        gate = asyncio.Semaphore(concurrency)

        async def bounded(work: Awaitable[None]) -> None:
            async with gate:
                await work

        by_dataset: dict[str, list[DatasetVersionSpec]] = {}
        for dataset_spec in w.dataset_versions:
            by_dataset.setdefault(dataset_spec.dataset, []).append(dataset_spec)
        # A chain position at a time: parents exist before anything is derived from them.
        for position in range(CHAIN):
            names = [name for index, name in enumerate(w.datasets) if index % CHAIN == position]
            await asyncio.gather(*(bounded(self._dataset(by_dataset[name])) for name in names))
        await asyncio.gather(*(bounded(self._model(model.name, model.team)) for model in w.models))
        by_model: dict[str, list[ModelVersionSpec]] = {}
        for spec in w.model_versions:
            by_model.setdefault(spec.model, []).append(spec)
        aliases = {model.name: model.aliases for model in w.models}

        async def versions_of(name: str) -> None:
            for spec in by_model[name]:
                created = await self.graphql(CREATE_MODEL_VERSION, input=_version_input(spec, request_id=True))
                if created["createModelVersion"]["version"] != spec.version:
                    raise GraphQLError(f"{name}: got version {created['createModelVersion']['version']}")
            for alias, number in aliases[name]:
                await self.graphql(SET_ALIAS, model=name, alias=alias, version=number)

        await asyncio.gather(*(bounded(versions_of(name)) for name in by_model))

    async def _dataset(self, specs: list[DatasetVersionSpec]) -> None:
        for spec in specs:
            value: dict[str, Any] = {
                "dataset": spec.dataset,
                "digest": spec.digest,
                "uri": spec.uri,
                "rowCount": float(spec.row_count),
            }
            if spec.derived_from is not None:
                value["derivedFrom"] = [_ref(spec.derived_from)]
            created = await self.graphql(REGISTER_DATASET_VERSION, input=value)
            if created["registerDatasetVersion"]["version"] != spec.version:
                raise GraphQLError(f"{spec.dataset}: got version {created['registerDatasetVersion']['version']}")

    async def _model(self, name: str, team: str) -> None:
        try:
            await self.graphql(CREATE_MODEL, name=name, tags=[{"key": "team", "value": team}])
        except GraphQLError as error:
            # A retried createModel whose first attempt went through (send_with_retries).
            if "CONFLICT" not in str(error):
                raise

    # Questions -----------------------------------------------------------------------------

    async def prepare_register(self) -> None:
        self.calls = 0

    async def register(self, index: int) -> int:
        created = await self.graphql(CREATE_MODEL_VERSION, input=_version_input(self._new[index], request_id=False))
        version: int = created["createModelVersion"]["version"]
        return version

    async def alias(self, model: str) -> int:
        version: int = (await self.graphql(ALIAS, model=model))["modelVersion"]["version"]
        return version

    async def champion_lineage(self, model: str) -> tuple[frozenset[DatasetKey], str]:
        found = (await self.graphql(CHAMPION_LINEAGE, model=model))["modelVersion"]
        data = frozenset((item["dataset"]["name"], item["version"]) for item in found["trainedOn"])
        return data, found["commit"]["sha"]

    async def impact(self, key: DatasetKey, hops: int | None) -> frozenset[tuple[str, int]]:
        depth = MAX_DEPTH if hops is None else hops + TRAINED_HOPS
        found = await self.graphql(IMPACT, dataset=key[0], version=key[1], depth=depth)
        hits = found["datasetVersion"]["impactedModels"]
        return frozenset((hit["model"]["name"], hit["version"]) for hit in hits)

    async def listing(self) -> list[tuple[str, int]]:
        per_model = self.workload.scale.versions
        found = await self.graphql(
            LISTING,
            name=LISTING_TASK,
            key=LISTING_TAG[0],
            value=LISTING_TAG[1],
            models=max(1, LISTING_PAGE // per_model),
            versions=per_model,
        )
        return [
            (edge["node"]["name"], version["node"]["version"])
            for edge in found["models"]["edges"]
            for version in edge["node"]["versions"]["edges"]
        ]

    def questions(self) -> dict[str, Callable[[int], Awaitable[object]]]:
        aliases = self.workload.alias_targets()
        targets = self.workload.impact_targets()
        return {
            "register": self.register,
            "alias": lambda i: self.alias(aliases[i % len(aliases)]),
            "champion_lineage": lambda i: self.champion_lineage(aliases[i % len(aliases)]),
            "impact_direct": lambda i: self.impact(targets[i % len(targets)], 0),
            "impact_3_hops": lambda i: self.impact(targets[i % len(targets)], 3),
            "impact_any": lambda i: self.impact(targets[i % len(targets)], None),
            "listing": lambda i: self.listing(),
        }


class RawCypher:
    """The same questions as the named queries that answer them, sent straight over Bolt: the floor."""

    def __init__(self, driver: AsyncDriver, workload: Workload) -> None:
        self._driver = driver
        self.workload = workload

    async def run(self, name: str, **params: Any) -> list[neo4j.Record]:
        records, _, _ = await self._driver.execute_query(
            query(name), params, database_="neo4j", routing_=neo4j.RoutingControl.READ
        )
        return records

    async def champion_lineage(self, model: str) -> None:
        found = await self.run("find_version_by_alias", model=model, alias="champion")
        version = found[0]["version"]
        await self.run("get_version_provenance", keys=[[version["model"], version["version"]]])

    async def impact(self, key: DatasetKey, hops: int | None) -> None:
        depth = MAX_DEPTH if hops is None else hops + TRAINED_HOPS
        await self.run(
            "find_impacted_versions", keys=[list(key)], stage=None, alias="champion", depth=depth, withPaths=False
        )

    def questions(self) -> dict[str, Callable[[int], Awaitable[object]]]:
        aliases = self.workload.alias_targets()
        targets = self.workload.impact_targets()
        return {
            "alias": lambda i: self.run("find_version_by_alias", model=aliases[i % len(aliases)], alias="champion"),
            "champion_lineage": lambda i: self.champion_lineage(aliases[i % len(aliases)]),
            "impact_direct": lambda i: self.impact(targets[i % len(targets)], 0),
            "impact_3_hops": lambda i: self.impact(targets[i % len(targets)], 3),
            "impact_any": lambda i: self.impact(targets[i % len(targets)], None),
        }
