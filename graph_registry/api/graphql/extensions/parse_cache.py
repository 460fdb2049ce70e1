"""Parsing without holding up other requests: a document already seen is not parsed again, a new one
is parsed once, and a long one is parsed in a worker thread (api/graphql/schema.py builds it in)."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import Executor
from functools import partial

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    NameNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
)
from strawberry.extensions import SchemaExtension

OFF_LOOP_CHARACTERS = 4_096
"""Documents at least this long are parsed in the parse thread. graphql-core's parser is pure
Python (about 7 us a token): a document at the token limit costs ~15 ms of CPU, which on the event
loop every other request of the process would wait for. Shorter ones (every document the client,
the CLI and the web UI send) are parsed in place, cheaper than a thread hand-off."""


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


def _stand_in(operation_name: str | None) -> DocumentNode:
    """A document Strawberry can carry to validation in place of one that failed to parse."""
    operation = OperationDefinitionNode(
        operation=OperationType.QUERY,
        name=NameNode(value=operation_name) if operation_name else None,
        variable_definitions=(),
        directives=(),
        selection_set=SelectionSetNode(selections=(FieldNode(name=NameNode(value="__typename")),)),
    )
    return DocumentNode(definitions=(operation,))


class ParserCache(SchemaExtension):
    """Reuses the parse of a document already seen; a new one is parsed once.

    Strawberry's ParserCache parses on its own and, on a syntax error, Strawberry parsed again to
    report it: a document that fails (too many tokens) cost two parses, the costliest work an
    anonymous caller can ask for. Here a short document is only ever parsed by Strawberry, and a
    long one only in `parser` (one thread: a flood of long documents queues there while the event
    loop keeps serving). A long document that fails to parse reaches validation as a stand-in,
    where its syntax error replaces the stand-in's result: the client gets the error Strawberry
    would have given, through the same error handling, and the stand-in is never cached or run.
    It must come after ValidationCache in the extensions (api/graphql/schema.py).
    """

    def __init__(self, documents: ParsedDocuments, parser: Executor) -> None:
        self._documents = documents
        self._parser = parser
        self._syntax_error: GraphQLError | None = None

    async def on_parse(self) -> AsyncIterator[None]:
        context = self.execution_context
        query = context.query
        if query is not None and context.graphql_document is None:
            context.graphql_document = self._documents.get(query)
            if context.graphql_document is None and len(query) >= OFF_LOOP_CHARACTERS:
                parsing = partial(parse, query, **context.parse_options)
                try:
                    context.graphql_document = await asyncio.get_running_loop().run_in_executor(self._parser, parsing)
                except GraphQLError as error:
                    self._syntax_error = error
                    context.graphql_document = _stand_in(context.operation_name)
        yield
        if self._syntax_error is None and query is not None and context.graphql_document is not None:
            self._documents.put(query, context.graphql_document)

    def on_validate(self) -> Iterator[None]:
        # Strawberry returns the validation errors before the hooks' closing halves run, so the
        # error goes in first; listed after ValidationCache, whose own result it replaces.
        if self._syntax_error is not None:
            self.execution_context.pre_execution_errors = [self._syntax_error]
        yield
