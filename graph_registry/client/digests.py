"""Deterministic content digests of datasets: `sha256:<64 hex>`, the same bytes always give the same digest.

- A file: the sha256 of its bytes.
- A folder: the sha256 of a manifest with one line `<sha256 of file>  <relative/posix/path>\\n`
  per regular file below it, sorted by path. Names and contents count; timestamps,
  permissions and empty folders do not.
- A pandas DataFrame (pandas is optional): the sha256 of its column names and dtypes
  followed by `pandas.util.hash_pandas_object(frame, index=True)` (one 64-bit hash per
  row, index included). Fast and stable for a given pandas release; hash a file
  written with a fixed format instead when digests must survive pandas upgrades.
- A string that already is a digest (`sha256:<hex>`, or 64 bare hex digits) is used as is.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
from pathlib import Path
from typing import Any

DIGEST = re.compile(r"(sha256:)?([0-9a-f]{64})")


def file_digest(path: Path) -> str:
    with path.open("rb") as stream:
        return "sha256:" + hashlib.file_digest(stream, "sha256").hexdigest()


def folder_digest(path: Path) -> str:
    manifest = hashlib.sha256()
    files = sorted((item.relative_to(path).as_posix(), item) for item in path.rglob("*") if item.is_file())
    for relative, item in files:
        manifest.update(f"{file_digest(item).removeprefix('sha256:')}  {relative}\n".encode())
    return "sha256:" + manifest.hexdigest()


def dataframe_digest(frame: Any) -> str:
    pd = importlib.import_module("pandas")  # optional: only needed for DataFrames
    schema = json.dumps([[str(column), str(dtype)] for column, dtype in frame.dtypes.items()])
    digest = hashlib.sha256(schema.encode())
    digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return "sha256:" + digest.hexdigest()


def is_dataframe(value: Any) -> bool:
    """True for a pandas DataFrame, without importing pandas when it is not already loaded."""
    return type(value).__name__ == "DataFrame" and type(value).__module__.startswith("pandas")


def digest_of(data: str | Path | Any) -> str:
    """The digest of a file, a folder, a DataFrame, or a digest given as text."""
    if is_dataframe(data):
        return dataframe_digest(data)
    if isinstance(data, str) and (match := DIGEST.fullmatch(data.strip().lower())):
        return "sha256:" + match.group(2)
    if isinstance(data, str | Path):
        path = Path(data)
        if path.is_dir():
            return folder_digest(path)
        if path.is_file():
            return file_digest(path)
        raise FileNotFoundError(f"{path}: no such file or folder to digest")
    raise TypeError(f"cannot digest a {type(data).__name__}: give a path, a pandas DataFrame or a sha256 digest")
