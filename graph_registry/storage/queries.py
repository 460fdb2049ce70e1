"""Named Cypher queries, read once from the `cypher/queries/*.cypher` files.

A file holds blocks that each start with `// name: verb_noun`, followed by
`//` lines saying what the query answers, then the query text. Code asks for
a query by name; values always travel as parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from graph_registry.resources import cypher_dir

_HEADER = re.compile(r"^// name: (?P<name>[a-z][a-z0-9_]*)\s*$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Query:
    name: str
    text: str
    source: Path


def parse(source: Path) -> list[Query]:
    content = source.read_text(encoding="utf-8")
    headers = list(_HEADER.finditer(content))
    if not headers or content[: headers[0].start()].strip():
        raise ValueError(f"{source}: every query must start with '// name: <query_name>'")
    queries = []
    for header, following in zip(headers, [*headers[1:], None], strict=True):
        end = following.start() if following else len(content)
        text = content[header.end() : end].strip()
        body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
        if not body.strip():
            raise ValueError(f"{source}: query {header['name']} is empty")
        queries.append(Query(name=header["name"], text=text, source=source))
    return queries


@cache
def all_queries() -> dict[str, Query]:
    found: dict[str, Query] = {}
    for source in sorted((cypher_dir() / "queries").glob("*.cypher")):
        for query in parse(source):
            if query.name in found:
                raise ValueError(f"query {query.name} is defined in {found[query.name].source} and {source}")
            found[query.name] = query
    return found


def query(name: str) -> str:
    """The text of the named query; a KeyError for an unknown name is a bug in the caller."""
    return all_queries()[name].text
