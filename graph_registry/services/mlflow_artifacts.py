"""MLflow's proxied artifacts (`/api/2.0/mlflow-artifacts/artifacts/...`) in the registry's store.

A client path names its owner, `<experiment>/<run id>/artifacts/<file>` or
`<experiment>/models/<logged model id>/artifacts/<file>`; the owner must exist in that experiment.
The bytes go to a key the server chooses (`mlflow/<owner>/<random id>`), never to the client's
path; each file is an `ArtifactFile` with the sha256 and size measured as the bytes arrived. Any
artifact store serves (local folder or S3): the bytes pass through the store's streams.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from dataclasses import dataclass

import orjson

from graph_registry.domain import mlflow_limits as limits
from graph_registry.domain import validation
from graph_registry.domain.records import PackageRecord
from graph_registry.errors import InvalidInput, NotFound
from graph_registry.services.audit import AuditEntry, write_one_audited
from graph_registry.storage.artifact_store import ArtifactStore
from graph_registry.storage.database import Database, Row


@dataclass(frozen=True, slots=True)
class ArtifactPath:
    """A client's artifact path, resolved: whose artifacts (`run:<id>` or `model:<id>`) and which file."""

    experiment_id: str
    owner: str
    relative: str


@dataclass(frozen=True, slots=True)
class Listed:
    path: str
    is_dir: bool
    size: int | None


@dataclass(frozen=True, slots=True)
class Manifest:
    """The files of a logged model, as a version's artifact: its sha256 is the manifest's own."""

    sha256: str
    size: int
    files: tuple[Row, ...]


@dataclass(frozen=True, slots=True)
class ModelFiles:
    """What a version registered from a logged model takes of its files: the manifest as its artifact
    (stored under `key`), the pinned lines of requirements.txt as its packages."""

    manifest: Manifest
    packages: tuple[PackageRecord, ...]
    key: str


def requirement_packages(requirements: str | None) -> tuple[PackageRecord, ...]:
    """The pinned lines of requirements.txt (others, like `-r` or unpinned names, are not packages)."""
    found: list[PackageRecord] = []
    for line in (requirements or "").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        try:
            found.extend(validation.requirements([line]))
        except InvalidInput:
            continue
    unique = {package.name: package for package in found}
    return tuple(sorted(unique.values(), key=lambda p: p.name))


def parse_path(path: str) -> ArtifactPath:
    segments = limits.artifact_path(path)
    if len(segments) >= 3 and segments[2] == "artifacts" and segments[1] != "models":
        return ArtifactPath(segments[0], f"run:{limits.run_id(segments[1])}", "/".join(segments[3:]))
    if len(segments) >= 4 and segments[1] == "models" and segments[3] == "artifacts":
        return ArtifactPath(segments[0], f"model:{limits.logged_model_id(segments[2])}", "/".join(segments[4:]))
    raise InvalidInput(
        f"invalid artifact path {path[:80]!r}: expected <experiment>/<run>/artifacts/... "
        "or <experiment>/models/<model>/artifacts/...",
        field="path",
    )


class MlflowArtifactService:
    def __init__(self, database: Database, store: ArtifactStore, *, max_size: int) -> None:
        self._db = database
        self._store = store
        self._max_size = max_size

    async def _check_owner(self, where: ArtifactPath) -> None:
        kind, _, owner_id = where.owner.partition(":")
        if kind == "run":
            rows = await self._db.read("mlflow_get_runs", runIds=[owner_id])
            found = rows[0]["experimentId"] if rows else None
        else:
            rows = await self._db.read("mlflow_get_logged_models", modelIds=[owner_id])
            found = rows[0]["model"]["experimentId"] if rows else None
        if found != where.experiment_id:
            raise NotFound(f"no {kind} {owner_id} in experiment {where.experiment_id[:40]!r}", path=where.relative)

    async def upload(
        self, path: str, chunks: AsyncIterable[bytes], *, size: int | None, audit: AuditEntry | None = None
    ) -> Row:
        where = parse_path(path)
        if not where.relative:
            raise InvalidInput("an artifact upload names a file", field="path")
        if size is None:
            raise InvalidInput("an artifact upload needs a Content-Length", field="Content-Length")
        if not 0 <= size <= self._max_size:
            raise InvalidInput(f"an artifact is at most {self._max_size} bytes", reason="oversize")
        await self._check_owner(where)
        key = f"mlflow/{where.owner.replace(':', '-')}/{uuid.uuid4().hex}"
        measured = await self._store.put_stream(key, chunks, size=size)
        if not await self._store.seal(key, key):
            raise InvalidInput("the artifact was not stored whole; upload it again", field="path")
        rows = await write_one_audited(
            self._db,
            "mlflow_record_artifact_file",
            audit=audit,
            owner=where.owner,
            path=where.relative,
            key=key,
            sha256=measured.sha256,
            size=measured.size,
        )
        return dict(rows[0]["file"])

    async def stored(self, path: str) -> Row | None:
        """The file recorded at a client path, if any."""
        where = parse_path(path)
        rows = await self._db.read("mlflow_artifact_file", owner=where.owner, path=where.relative)
        return dict(rows[0]["file"]) if rows else None

    async def verify(self, stored: Row) -> bool:
        """Whether the store holds exactly the bytes recorded (their sha256 and size, measured again)."""
        measured = await self._store.digest(stored["key"])
        return measured is not None and (measured.sha256, measured.size) == (stored["sha256"], stored["size"])

    async def file(self, path: str) -> tuple[Row, AsyncIterator[bytes]]:
        """A stored file's record and its bytes (the first chunk already read: a missing object is NotFound)."""
        where = parse_path(path)
        rows = await self._db.read("mlflow_artifact_file", owner=where.owner, path=where.relative)
        if not rows:
            raise NotFound(f"no artifact at {path[:120]!r}", path=path)
        stored = dict(rows[0]["file"])
        chunks = self._store.read_stream(stored["key"])
        try:
            first = await anext(chunks, b"")
        except FileNotFoundError as error:
            raise NotFound(f"the bytes of {path[:120]!r} are missing from the store", path=path) from error

        async def body() -> AsyncIterator[bytes]:
            if first:
                yield first
            async for chunk in chunks:
                yield chunk

        return stored, body()

    async def listing(self, path: str) -> list[Listed]:
        """The files and folders directly under a folder, named relative to it (as MLflow lists them)."""
        where = parse_path(path)
        rows = await self._db.read("mlflow_artifact_files", owner=where.owner, prefix=where.relative)
        base = f"{where.relative}/" if where.relative else ""
        found: dict[str, Listed] = {}
        for row in rows:
            file = row["file"]
            if file["path"] == where.relative:
                # A file asked for as a folder: MLflow answers with the file itself, by its name.
                return [Listed(path=file["path"].rpartition("/")[2], is_dir=False, size=file["size"])]
            head, slash, _ = file["path"][len(base) :].partition("/")
            found.setdefault(head, Listed(path=head, is_dir=bool(slash), size=None if slash else file["size"]))
        return sorted(found.values(), key=lambda item: item.path)

    async def manifest(self, experiment_id: str, model_id: str) -> Manifest | None:
        """A logged model's files as one artifact (None when it has none)."""
        rows = await self._db.read("mlflow_artifact_files", owner=f"model:{model_id}", prefix="")
        files = tuple(row["file"] for row in rows)
        if not files:
            return None
        listing = [{"path": f["path"], "sha256": f["sha256"], "size": f["size"]} for f in files]
        document = orjson.dumps(listing, option=orjson.OPT_SORT_KEYS)
        return Manifest(
            sha256=hashlib.sha256(document).hexdigest(), size=sum(int(f["size"]) for f in files) or 1, files=files
        )

    async def model_files(self, experiment_id: str, model_id: str) -> ModelFiles | None:
        """A logged model's files as a version takes them (None when it has none): the MLflow API's
        version creation and import-mlflow's copy of a version both read them here."""
        manifest = await self.manifest(experiment_id, model_id)
        if manifest is None:
            return None
        packages = requirement_packages(await self.text_of(manifest.files, "requirements.txt"))
        return ModelFiles(manifest=manifest, packages=packages, key=f"mlflow/model-{model_id}")

    async def text_of(self, files: Sequence[Row], name: str, *, limit: int = 256 * 1024) -> str | None:
        """The content of a small text file among `files` (e.g. requirements.txt), if stored."""
        chosen = next((f for f in files if f["path"] == name or f["path"].endswith("/" + name)), None)
        if chosen is None or int(chosen["size"]) > limit:
            return None
        content = b""
        try:
            async for chunk in self._store.read_stream(chosen["key"]):
                content += chunk
        except FileNotFoundError:
            return None
        return content.decode("utf-8", errors="replace")
