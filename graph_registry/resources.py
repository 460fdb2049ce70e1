"""Where the files that ship beside the code live: Cypher and the Neo4j launcher.

A wheel carries them inside the package (`_cypher`, `_launcher`); a source
checkout (editable install, tests) reads them from the repository's top level.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(packaged: str, top_level: str) -> Path:
    inside = _PACKAGE / packaged
    if inside.is_dir():
        return inside
    return _PACKAGE.parent / top_level


def cypher_dir() -> Path:
    return _find("_cypher", "cypher")


def launcher_dir() -> Path:
    return _find("_launcher", "launcher")
