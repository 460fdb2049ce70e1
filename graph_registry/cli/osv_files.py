"""OSV records from files, folders and zip archives (such as the PyPI export of the OSV database)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson


def _records(content: bytes, source: str) -> list[Any]:
    try:
        value = orjson.loads(content)
    except orjson.JSONDecodeError as error:
        raise ValueError(f"{source}: not JSON ({error})") from error
    return value if isinstance(value, list) else [value]


def _zip_members(path: Path) -> Iterator[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.is_dir() and info.filename.endswith(".json"):
                yield f"{path}:{info.filename}", archive.read(info)


def sources(paths: Sequence[Path]) -> list[Path]:
    """The .json and .zip files named, folders searched recursively; a missing path is an error."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in {".json", ".zip"} and p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    return found


def count(paths: Sequence[Path]) -> int:
    """How many files (zip members counted one by one) there are to read."""
    total = 0
    for path in paths:
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                total += sum(1 for info in archive.infolist() if info.filename.endswith(".json"))
        else:
            total += 1
    return total


def read(paths: Sequence[Path]) -> Iterator[list[Any]]:
    """The records of each file in turn (a file may hold one record or a list)."""
    for path in paths:
        if path.suffix == ".zip":
            for source, content in _zip_members(path):
                yield _records(content, source)
        else:
            yield _records(path.read_bytes(), str(path))
