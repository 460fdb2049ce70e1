"""A document already seen is not parsed again; a new one is parsed once (hardening.py builds it in)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

from graphql import DocumentNode
from strawberry.extensions import SchemaExtension


class ParsedDocuments:
    """Parsed documents by query text, least recently used dropped first."""

    def __init__(self, *, maxsize: int) -> None:
        self._maxsize = maxsize
        self._parsed: OrderedDict[str, DocumentNode] = OrderedDict()

    def get(self, query: str) -> DocumentNode | None:
        document = self._parsed.get(query)
        if document is not None:
            self._parsed.move_to_end(query)
        return document

    def put(self, query: str, document: DocumentNode) -> None:
        self._parsed[query] = document
        self._parsed.move_to_end(query)
        if len(self._parsed) > self._maxsize:
            self._parsed.popitem(last=False)


class ParserCache(SchemaExtension):
    """Reuses the parse of a document already seen; a new one is parsed once, by Strawberry.

    Strawberry's ParserCache parses on its own and, on a syntax error, Strawberry parsed again to
    report it: a document that fails (too many tokens) cost two parses, the costliest work an
    anonymous caller can ask for. Here the document is only ever parsed by Strawberry, whose
    error reporting stays as it is, and kept once it parsed.
    """

    def __init__(self, documents: ParsedDocuments) -> None:
        self._documents = documents

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        query = context.query
        if query is not None and context.graphql_document is None:
            context.graphql_document = self._documents.get(query)
        yield
        if query is not None and context.graphql_document is not None:
            self._documents.put(query, context.graphql_document)
