"""The load harness: N concurrent GraphQL clients mixing registry writes and reads, bounded in time
and in requests, logging every acknowledged write (with its request id) and sampling the state
while they run.

Operations: createModelVersion with lineage (some retried with the same requestId),
registerDatasetVersion (digests drawn from a small pool, so repeats are common), transitionStage,
setAlias, and reads (model state, a version's lineage, a dataset version's impact). What each read
sees is checked as it comes back: at most one PRODUCTION version, an alias on one version, a visible
version with its whole lineage, the same digest always giving the same dataset version.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx

CREATE = """mutation($input: CreateModelVersionInput!) { createModelVersion(input: $input) { version } }"""
REGISTER = """mutation($input: RegisterDatasetVersionInput!) {
  registerDatasetVersion(input: $input) { version digest } }"""
TRANSITION = """mutation($m: String!, $v: Int!, $s: Stage!, $a: Boolean!) {
  transitionStage(model: $m, version: $v, stage: $s, archiveExisting: $a) { version stage } }"""
SET_ALIAS = (
    """mutation($m: String!, $a: String!, $v: Int!) { setAlias(model: $m, alias: $a, version: $v) { version } }"""
)
MODEL_STATE = """query($m: String!) { model(name: $m) {
  productionVersion { version }
  versions(stage: PRODUCTION, first: 10) { totalCount }
  aliases { name version { version } } } }"""
VERSION_LINEAGE = """query($m: String!, $v: Int!) { modelVersion(model: $m, version: $v) {
  trainedOn { dataset { name } digest } commit { sha }
  lineage(direction: UPSTREAM, depth: 3) { nodes { kind } edges { type } } } }"""
IMPACT = """query($d: String!, $g: String!) { impact(datasetVersion: {dataset: $d, digest: $g}, depth: 4) {
  modelVersion { version model { name } } } }"""
LATEST_LINEAGE = """query($m: String!) { model(name: $m) {
  versions(first: 20) { edges { node { version trainedOn { digest } commit { sha } } } } } }"""

STAGES = ("PRODUCTION", "STAGING", "ARCHIVED", "NONE")
ALIASES = ("champion", "challenger", "canary")
# Codes a correct server may answer to this mix: a promotion without archiving while another version
# holds PRODUCTION is a CONFLICT.
EXPECTED_REFUSALS = frozenset({"CONFLICT"})


@dataclass(frozen=True)
class LoadSize:
    clients: int
    seconds: float
    max_requests: int
    # On a slow machine the run goes on past `seconds` until this many requests were made (up to 5x).
    min_requests: int = 0
    models: int = 4
    datasets: int = 3
    digests_per_dataset: int = 6


@dataclass(frozen=True)
class Outcome:
    op: str
    request_id: str
    started: float
    ended: float
    result: str  # "ok", an extensions.code, "HTTP <status>" or "TRANSPORT <httpx error>"


@dataclass(frozen=True)
class Declared:
    """What a createModelVersion attempt asked for, acknowledged or not."""

    model: str
    datasets: frozenset[tuple[str, str]]
    commit: str


@dataclass
class LoadLog:
    """Everything the clients saw: acknowledged writes by request id, every outcome, live violations."""

    versions: dict[str, tuple[str, int]] = field(default_factory=dict)  # requestId -> (model, version)
    declared: dict[str, Declared] = field(default_factory=dict)  # requestId -> lineage asked for
    datasets: dict[tuple[str, str], int] = field(default_factory=dict)  # (dataset, digest) -> version
    transitions: list[tuple[str, int, str, str]] = field(default_factory=list)  # model, version, stage, X-Request-Id
    aliases: list[tuple[str, str, int, str]] = field(default_factory=list)  # model, alias, version, X-Request-Id
    outcomes: list[Outcome] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    samples: int = 0
    max_production_seen: int = 0

    def results(self) -> Counter[str]:
        return Counter(outcome.result for outcome in self.outcomes)

    def acknowledged(self) -> int:
        return len(self.versions) + len(self.datasets) + len(self.transitions) + len(self.aliases)

    def by_op(self) -> dict[str, dict[str, int]]:
        table: dict[str, Counter[str]] = defaultdict(Counter)
        for outcome in self.outcomes:
            table[outcome.op][outcome.result] += 1
        return {op: dict(counter) for op, counter in sorted(table.items())}


def digest_of(dataset: str, index: int) -> str:
    return "sha256:" + hashlib.sha256(f"{dataset}/{index}".encode()).hexdigest()


class LoadRun:
    """One bounded run of `size.clients` clients against the API at `url`, on names starting with `prefix`."""

    def __init__(self, url: str, prefix: str, size: LoadSize, *, seed: int = 0) -> None:
        self.url = url
        self.prefix = prefix
        self.size = size
        self.seed = seed
        self.models = [f"{prefix}-model-{i}" for i in range(size.models)]
        self.dataset_names = [f"{prefix}-data-{i}" for i in range(size.datasets)]
        self.shas = [hashlib.sha1(f"{prefix}/{i}".encode()).hexdigest() for i in range(5)]
        self.repo = f"github.com/reliability/{prefix}"
        self.log = LoadLog()
        self._ids = itertools.count(1)
        self._budget = size.max_requests
        self._deadline = self._hard_deadline = 0.0
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    def _running(self) -> bool:
        now = time.monotonic()
        short = self.size.max_requests - self._budget < self.size.min_requests
        return (
            not self._stop.is_set()
            and self._budget > 0
            and (now < self._deadline or (short and now < self._hard_deadline))
        )

    async def run(self, *, seconds: float | None = None) -> LoadLog:
        limits = httpx.Limits(max_connections=self.size.clients + 4, max_keepalive_connections=self.size.clients + 4)
        # Generous: during a database outage an answer may take a minute (driver retries).
        async with httpx.AsyncClient(base_url=self.url, timeout=180, limits=limits) as http:
            await self._seed(http)
            seconds = seconds if seconds is not None else self.size.seconds
            self._deadline = time.monotonic() + seconds
            self._hard_deadline = time.monotonic() + 5 * seconds
            workers = [self._worker(http, random.Random(self.seed * 1000 + i)) for i in range(self.size.clients)]
            await asyncio.gather(*workers, self._sampler(http))
        return self.log

    async def _seed(self, http: httpx.AsyncClient) -> None:
        """One dataset version per dataset before the clients start, so every model version has lineage."""
        for dataset in self.dataset_names:
            for _ in range(20):
                if await self._register(http, dataset, digest_of(dataset, 0)):
                    break
                await asyncio.sleep(0.5)

    async def _call(self, http: httpx.AsyncClient, op: str, query: str, **variables: Any) -> tuple[Any, str]:
        request_id = f"{self.prefix}-{next(self._ids)}"
        started = time.monotonic()
        try:
            response = await http.post(
                "/graphql", json={"query": query, "variables": variables}, headers={"x-request-id": request_id}
            )
        except httpx.TransportError as error:
            result, data = f"TRANSPORT {type(error).__name__}", None
        else:
            body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
            if response.status_code != 200:
                result, data = f"HTTP {response.status_code}", None
            elif body.get("errors"):
                result, data = body["errors"][0].get("extensions", {}).get("code", "UNKNOWN"), None
            else:
                result, data = "ok", body["data"]
        self.log.outcomes.append(Outcome(op, request_id, started, time.monotonic(), result))
        return data, request_id

    async def _worker(self, http: httpx.AsyncClient, rng: random.Random) -> None:
        ops = [self._create, self._register_random, self._transition, self._alias, self._read]
        weights = [30, 15, 25, 15, 15]
        while self._running():
            self._budget -= 1
            await rng.choices(ops, weights)[0](http, rng)

    async def _register(self, http: httpx.AsyncClient, dataset: str, digest: str) -> bool:
        data, _ = await self._call(
            http, "registerDatasetVersion", REGISTER, input={"dataset": dataset, "digest": digest}
        )
        if data is None:
            return False
        version = data["registerDatasetVersion"]["version"]
        known = self.log.datasets.setdefault((dataset, digest), version)
        if known != version:
            self.log.violations.append(f"{dataset} {digest[:16]} answered v{version}, earlier v{known}")
        return True

    async def _register_random(self, http: httpx.AsyncClient, rng: random.Random) -> None:
        dataset = rng.choice(self.dataset_names)
        await self._register(http, dataset, digest_of(dataset, rng.randrange(self.size.digests_per_dataset)))

    async def _create(self, http: httpx.AsyncClient, rng: random.Random) -> None:
        model = rng.choice(self.models)
        request_id = f"{self.prefix}-v{next(self._ids)}"
        inputs = rng.sample(sorted(self.log.datasets), k=min(len(self.log.datasets), rng.choice((1, 2))))
        sha = rng.choice(self.shas)
        self.log.declared[request_id] = Declared(model, frozenset(inputs), sha)
        variables = {
            "model": model,
            "requestId": request_id,
            "trainedOn": [{"dataset": dataset, "digest": digest} for dataset, digest in inputs],
            "commit": {"repo": self.repo, "sha": sha},
            "metrics": [{"key": "auc", "value": rng.random()}],
        }
        # Some clients retry an acknowledged create, as after a lost answer: it must give the same version.
        for _ in range(2 if rng.random() < 0.15 else 1):
            data, _ = await self._call(http, "createModelVersion", CREATE, input=variables)
            if data is None:
                continue
            version = data["createModelVersion"]["version"]
            known = self.log.versions.setdefault(request_id, (model, version))
            if known != (model, version):
                self.log.violations.append(f"requestId {request_id} answered v{version}, earlier v{known[1]}")

    def _acked_version(self, rng: random.Random) -> tuple[str, int] | None:
        if not self.log.versions:
            return None
        return rng.choice(list(self.log.versions.values()))

    async def _transition(self, http: httpx.AsyncClient, rng: random.Random) -> None:
        target = self._acked_version(rng)
        if target is None:
            return await self._create(http, rng)
        stage = rng.choices(STAGES, (4, 3, 2, 1))[0]
        archive = rng.random() < 0.85
        data, request_id = await self._call(
            http, "transitionStage", TRANSITION, m=target[0], v=target[1], s=stage, a=archive
        )
        if data is not None:
            self.log.transitions.append((target[0], target[1], stage, request_id))
            if data["transitionStage"]["stage"] != stage:
                self.log.violations.append(f"transition of {target} to {stage} answered {data['transitionStage']}")
        return None

    async def _alias(self, http: httpx.AsyncClient, rng: random.Random) -> None:
        target = self._acked_version(rng)
        if target is None:
            return await self._create(http, rng)
        alias = rng.choice(ALIASES)
        data, request_id = await self._call(http, "setAlias", SET_ALIAS, m=target[0], a=alias, v=target[1])
        if data is not None:
            self.log.aliases.append((target[0], alias, target[1], request_id))
        return None

    async def _read(self, http: httpx.AsyncClient, rng: random.Random) -> None:
        choice = rng.random()
        if choice < 0.4:
            await self._read_model(http, rng.choice(self.models))
        elif choice < 0.7:
            await self._read_lineage(http, rng)
        else:
            await self._read_impact(http, rng)

    async def _read_model(self, http: httpx.AsyncClient, model: str) -> None:
        data, _ = await self._call(http, "model", MODEL_STATE, m=model)
        if data is None or data["model"] is None:
            return
        self.log.samples += 1
        held = data["model"]["versions"]["totalCount"]
        self.log.max_production_seen = max(self.log.max_production_seen, held)
        if held > 1:
            self.log.violations.append(f"{model}: {held} versions in PRODUCTION at once")
        names = [alias["name"] for alias in data["model"]["aliases"]]
        if len(names) != len(set(names)):
            self.log.violations.append(f"{model}: an alias on two versions: {data['model']['aliases']}")

    async def _read_lineage(self, http: httpx.AsyncClient, rng: random.Random) -> None:
        if not self.log.versions:
            return
        request_id, (model, version) = rng.choice(list(self.log.versions.items()))
        data, _ = await self._call(http, "lineage", VERSION_LINEAGE, m=model, v=version)
        if data is None:
            return
        found = data["modelVersion"]
        declared = self.log.declared[request_id]
        seen = {(item["dataset"]["name"], item["digest"]) for item in found["trainedOn"]}
        if seen != declared.datasets or (found["commit"] or {}).get("sha") != declared.commit:
            self.log.violations.append(f"{model} v{version} visible with lineage {seen}, declared {declared}")

    async def _read_impact(self, http: httpx.AsyncClient, rng: random.Random) -> None:
        if not self.log.datasets:
            return
        dataset, digest = rng.choice(sorted(self.log.datasets))
        # Acknowledged before the question: these must all be in the answer.
        expected = {
            self.log.versions[request_id]
            for request_id, declared in self.log.declared.items()
            if request_id in self.log.versions and (dataset, digest) in declared.datasets
        }
        data, _ = await self._call(http, "impact", IMPACT, d=dataset, g=digest)
        if data is None:
            return
        answered = {(hit["modelVersion"]["model"]["name"], hit["modelVersion"]["version"]) for hit in data["impact"]}
        if missing := expected - answered:
            self.log.violations.append(f"impact of {dataset} {digest[:16]} misses acknowledged {sorted(missing)}")

    async def _sampler(self, http: httpx.AsyncClient) -> None:
        """Watches every model while the clients run: PRODUCTION holders, aliases, visible lineage."""
        while self._running():
            for model in self.models:
                await self._read_model(http, model)
                data, _ = await self._call(http, "versions", LATEST_LINEAGE, m=model)
                if data is None or data["model"] is None:
                    continue
                for edge in data["model"]["versions"]["edges"]:
                    node = edge["node"]
                    if not node["trainedOn"] or node["commit"] is None:
                        self.log.violations.append(f"{model} v{node['version']} visible without its lineage")
            await asyncio.sleep(0.05)
