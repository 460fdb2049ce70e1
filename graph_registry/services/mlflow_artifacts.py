"""MLflow's proxied artifacts (`/api/2.0/mlflow-artifacts/artifacts/...`) in the registry's store.

A client path names its owner, `<experiment>/<run id>/artifacts/<file>` or
`<experiment>/models/<logged model id>/artifacts/<file>`; the owner must exist in that experiment.
The bytes go to a key the server chooses (`mlflow/<owner>/<random id>`), never to the client's
path; each file is an `ArtifactFile` with the sha256 and size the store measured on arrival.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson

from graph_registry.domain import mlflow_limits as limits
from graph_registry.errors import InvalidInput, NotFound
from graph_registry.services.audit import AuditEntry, write_one_audited
from graph_registry.storage.artifact_store import ArtifactStore, LocalTransfers
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

    def _local(self) -> LocalTransfers:
        if not isinstance(self._store, LocalTransfers):
            raise InvalidInput("proxied MLflow artifacts need the local artifact store in this version", reason="store")
        return self._store

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
        store = self._local()
        key = f"mlflow/{where.owner.replace(':', '-')}/{uuid.uuid4().hex}"
        await store.receive(key, chunks, size=size)
        await self._store.seal(key, key)
        measured = await self._store.digest(key)
        if measured is None or measured.size != size:
            await self._store.delete(key)
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

    async def file(self, path: str) -> Path:
        where = parse_path(path)
        rows = await self._db.read("mlflow_artifact_file", owner=where.owner, path=where.relative)
        local = self._local().file(rows[0]["file"]["key"]) if rows else None
        if local is None:
            raise NotFound(f"no artifact at {path[:120]!r}", path=path)
        return local

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

    async def text_of(self, files: Sequence[Row], name: str, *, limit: int = 256 * 1024) -> str | None:
        """The content of a small text file among `files` (e.g. requirements.txt), if stored."""
        chosen = next((f for f in files if f["path"] == name or f["path"].endswith("/" + name)), None)
        if chosen is None or int(chosen["size"]) > limit:
            return None
        local = self._local().file(chosen["key"]) if isinstance(self._store, LocalTransfers) else None
        return local.read_text(encoding="utf-8", errors="replace") if local is not None else None
