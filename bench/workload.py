"""The benchmark's registry, generated from a seed: the same one is loaded into both systems.

A scale `MxV` means M models of V versions each, and M/2 datasets of V versions.
Datasets form derivation chains of CHAIN datasets: the first of a chain is raw
data, each next one is derived from the previous (version k from version k), so
the multi-hop questions have chains to walk. Each model version was trained by
one run that used two dataset versions (training, validation) and ran one
commit. Every model has a `champion` and a `challenger` alias, a task in its
name and a team tag (on the model and on its versions), for the name + tag
listing. Everything here is pure: the same seed and scale give the same
workload, and the expected answers are computed from it, to check both systems.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

TASKS = ("fraud", "churn", "ranking", "forecast", "vision")
TEAMS = 2
CHAIN = 7
ALIASES = ("champion", "challenger")
LISTING_TASK = "fraud"
LISTING_TAG = ("team", "team-1")
LISTING_PAGE = 100
EXPERIMENT_OF_TASK = "train-{task}"
REGISTER_MODELS = 16

_SCALE = re.compile(r"(?P<models>\d+)x(?P<versions>\d+)")

DatasetKey = tuple[str, int]
VersionKey = tuple[str, int]


@dataclass(frozen=True, slots=True)
class Scale:
    models: int
    versions: int

    @classmethod
    def parse(cls, text: str) -> Scale:
        match = _SCALE.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"scale must look like 100x10, not {text!r}")
        scale = cls(int(match["models"]), int(match["versions"]))
        if scale.models < 2 or scale.versions < 2:
            raise ValueError("a scale needs at least 2 models of 2 versions")
        return scale

    @property
    def datasets(self) -> int:
        return max(1, self.models // 2)

    def __str__(self) -> str:
        return f"{self.models}x{self.versions}"

    @property
    def neo4j_port(self) -> int:
        """The bench Neo4j's Bolt port for this scale (7743 for 100x.., 7744 for 1000x..): scales coexist.

        Not 7711-7719: the engineers' test servers use those.
        """
        return 7740 + len(str(self.models))


@dataclass(frozen=True, slots=True)
class DatasetVersionSpec:
    dataset: str
    version: int
    digest: str
    uri: str
    row_count: int
    derived_from: DatasetKey | None

    @property
    def key(self) -> DatasetKey:
        return (self.dataset, self.version)


@dataclass(frozen=True, slots=True)
class CommitSpec:
    repo: str
    sha: str
    branch: str
    author: str


@dataclass(frozen=True, slots=True)
class InputSpec:
    dataset: str
    version: int
    role: str

    @property
    def key(self) -> DatasetKey:
        return (self.dataset, self.version)


@dataclass(frozen=True, slots=True)
class ModelSpec:
    name: str
    task: str
    team: str
    aliases: tuple[tuple[str, int], ...]

    @property
    def experiment(self) -> str:
        return EXPERIMENT_OF_TASK.format(task=self.task)


@dataclass(frozen=True, slots=True)
class ModelVersionSpec:
    """A version to register. `version` is what the registry must allocate (None for new ones)."""

    model: str
    version: int | None
    team: str
    experiment: str
    inputs: tuple[InputSpec, ...]
    commit: CommitSpec
    accuracy: float

    @property
    def request_id(self) -> str:
        return f"bench-{self.model}-{self.version}"


def _rng(seed: int) -> random.Random:
    # Reproducible test data, not secrets: a seeded generator is the point.
    return random.Random(seed)  # noqa: S311


def _digest(seed: int, dataset: str, version: int) -> str:
    return "sha256:" + hashlib.sha256(f"{seed}/{dataset}/{version}".encode()).hexdigest()


def _commit(rng: random.Random, repo: str) -> CommitSpec:
    return CommitSpec(
        repo=repo,
        sha=f"{rng.getrandbits(160):040x}",
        branch=rng.choice(("main", "develop", "feature/retrain")),
        author=rng.choice(("ana", "bo", "chen", "dara")),
    )


def _inputs(rng: random.Random, keys: list[DatasetKey]) -> tuple[InputSpec, ...]:
    training, validation = rng.sample(keys, 2)
    return (InputSpec(*training, role="training"), InputSpec(*validation, role="validation"))


@dataclass(frozen=True)
class Workload:
    seed: int
    scale: Scale
    dataset_versions: tuple[DatasetVersionSpec, ...]
    models: tuple[ModelSpec, ...]
    model_versions: tuple[ModelVersionSpec, ...]
    _children: dict[DatasetKey, list[DatasetKey]] = field(repr=False, compare=False)

    @classmethod
    def generate(cls, scale: Scale, seed: int = 7) -> Workload:
        rng = _rng(seed)
        datasets = [f"ds-{index:05d}" for index in range(scale.datasets)]
        dataset_versions = []
        children: dict[DatasetKey, list[DatasetKey]] = defaultdict(list)
        # Chain position first, so every parent comes before the versions derived from it.
        for position in range(CHAIN):
            for index, name in enumerate(datasets):
                if index % CHAIN != position:
                    continue
                for version in range(1, scale.versions + 1):
                    parent = (datasets[index - 1], version) if position else None
                    if parent is not None:
                        children[parent].append((name, version))
                    dataset_versions.append(
                        DatasetVersionSpec(
                            dataset=name,
                            version=version,
                            digest=_digest(seed, name, version),
                            uri=f"s3://bench-data/{name}/v{version}.parquet",
                            row_count=rng.randrange(1_000, 10_000_000),
                            derived_from=parent,
                        )
                    )
        keys = [spec.key for spec in dataset_versions]
        models = []
        model_versions = []
        for index in range(scale.models):
            task = TASKS[index % len(TASKS)]
            team = f"team-{(index // len(TASKS)) % TEAMS}"
            name = f"{task}-{index:05d}"
            champion, challenger = rng.sample(range(1, scale.versions + 1), 2)
            model = ModelSpec(
                name=name, task=task, team=team, aliases=(("champion", champion), ("challenger", challenger))
            )
            models.append(model)
            for version in range(1, scale.versions + 1):
                model_versions.append(
                    ModelVersionSpec(
                        model=name,
                        version=version,
                        team=team,
                        experiment=model.experiment,
                        inputs=_inputs(rng, keys),
                        commit=_commit(rng, f"github.com/acme/{name}"),
                        accuracy=round(rng.uniform(0.5, 0.99), 4),
                    )
                )
        return cls(
            seed=seed,
            scale=scale,
            dataset_versions=tuple(dataset_versions),
            models=tuple(models),
            model_versions=tuple(model_versions),
            _children=dict(children),
        )

    @property
    def datasets(self) -> list[str]:
        return sorted({spec.dataset for spec in self.dataset_versions})

    @property
    def experiments(self) -> list[str]:
        return sorted({model.experiment for model in self.models})

    @cached_property
    def _dataset_index(self) -> dict[DatasetKey, DatasetVersionSpec]:
        return {spec.key: spec for spec in self.dataset_versions}

    @cached_property
    def _version_index(self) -> dict[VersionKey, ModelVersionSpec]:
        return {(spec.model, spec.version): spec for spec in self.model_versions if spec.version is not None}

    @cached_property
    def _users(self) -> dict[DatasetKey, list[VersionKey]]:
        users: dict[DatasetKey, list[VersionKey]] = defaultdict(list)
        for spec in self.model_versions:
            for used in spec.inputs:
                users[used.key].append((spec.model, spec.version or 0))
        return dict(users)

    def dataset_version(self, key: DatasetKey) -> DatasetVersionSpec:
        return self._dataset_index[key]

    def model_version(self, key: VersionKey) -> ModelVersionSpec:
        return self._version_index[key]

    def alias_target(self, model: str, alias: str = "champion") -> int:
        for spec in self.models:
            if spec.name == model:
                return dict(spec.aliases)[alias]
        raise KeyError(model)

    def derived(self, key: DatasetKey, hops: int | None) -> list[DatasetKey]:
        """`key` and the dataset versions derived from it within `hops` derivations (None: any number)."""
        reached = [key]
        frontier = [key]
        depth = 0
        while frontier and (hops is None or depth < hops):
            frontier = [child for parent in frontier for child in self._children.get(parent, [])]
            reached.extend(frontier)
            depth += 1
        return reached

    def impacted(self, key: DatasetKey, hops: int | None, alias: str = "champion") -> set[VersionKey]:
        """The alias holders trained on `key` or on data derived from it within `hops` derivations."""
        holders = {(model.name, dict(model.aliases)[alias]) for model in self.models}
        found: set[VersionKey] = set()
        for data in self.derived(key, hops):
            found.update(user for user in self._users.get(data, []) if user in holders)
        return found

    def listing_matches(self) -> int:
        """How many model versions the name + tag listing matches in all (its first page shows 100)."""
        return sum(1 for spec in self.model_versions if LISTING_TASK in spec.model and (spec.team == LISTING_TAG[1]))

    def alias_targets(self, count: int = 50) -> list[str]:
        """Models the alias questions rotate through, in a seeded order."""
        names = [model.name for model in self.models]
        _rng(self.seed + 1).shuffle(names)
        return names[:count]

    def impact_targets(self, count: int = 50) -> list[DatasetKey]:
        """Raw dataset versions (heads of derivation chains) the impact questions rotate through."""
        heads = [spec.key for spec in self.dataset_versions if spec.derived_from is None]
        _rng(self.seed + 2).shuffle(heads)
        return heads[:count]

    def new_versions(self, count: int) -> list[ModelVersionSpec]:
        """Versions for the register question, on their own models so the workload stays as loaded."""
        rng = _rng(self.seed + 3)
        keys = [spec.key for spec in self.dataset_versions]
        specs = []
        for index in range(count):
            name = f"register-{index % REGISTER_MODELS:03d}"
            specs.append(
                ModelVersionSpec(
                    model=name,
                    version=None,
                    team="team-0",
                    experiment=EXPERIMENT_OF_TASK.format(task="register"),
                    inputs=_inputs(rng, keys),
                    commit=_commit(rng, f"github.com/acme/{name}"),
                    accuracy=round(rng.uniform(0.5, 0.99), 4),
                )
            )
        return specs
