"""Each distinct document parsed and validated once: a document already seen is not parsed or
validated again, a new one is parsed once, and a long one is parsed in a worker thread, so it does not
hold up other requests (api/graphql/schema.py builds it in)."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from concurrent.futures import Executor
from functools import lru_cache, partial

from graphql import (
    ASTValidationRule,
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
from strawberry.schema.schema import validate_document

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


class Documents:
    """What every request's DocumentCache shares: the parsed documents, the validations, the rules."""

    def __init__(
        self, *, maxsize: int, parser: Executor, rules: Sequence[type[ASTValidationRule]], max_tokens: int
    ) -> None:
        self.parsed = ParsedDocuments(maxsize=maxsize)
        self.parser = parser
        self.rules = tuple(rules)
        self.max_tokens = max_tokens
        # The same rules every time (they depend on the document alone): a validation is reused.
        self.validate: Callable[..., list[GraphQLError]] = lru_cache(maxsize=maxsize)(validate_document)


class DocumentCache(SchemaExtension):
    """Parses and validates a document once, with the registry's rules and token cap (bounded LRU
    caches shared by all requests: clients send a few fixed documents).

    Strawberry's ParserCache parses on its own and, on a syntax error, Strawberry parsed again to
    report it: a document that fails (too many tokens) cost two parses, the costliest work an
    anonymous caller can ask for. Here a short document is only ever parsed by Strawberry, and a
    long one only in the parse thread (one thread: a flood of long documents queues there while the
    event loop keeps serving). A long document that fails to parse reaches validation as a stand-in,
    where its syntax error replaces the stand-in's validation: the client gets the error Strawberry
    would have given, through the same error handling, and the stand-in is never cached or run.
    One extension for what Strawberry's AddValidationRules, MaxTokensLimiter and ValidationCache
    did: each extension's hooks cost every request a context manager of their own.
    """

    def __init__(self, documents: Documents) -> None:
        self._documents = documents
        self._syntax_error: GraphQLError | None = None

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = self._documents.max_tokens
        context.validation_rules = (*context.validation_rules, *self._documents.rules)
        yield

    async def on_parse(self) -> AsyncIterator[None]:
        context = self.execution_context
        query = context.query
        documents = self._documents.parsed
        if query is not None and context.graphql_document is None:
            context.graphql_document = documents.get(query)
            if context.graphql_document is None and len(query) >= OFF_LOOP_CHARACTERS:
                parsing = partial(parse, query, **context.parse_options)
                try:
                    loop = asyncio.get_running_loop()
                    context.graphql_document = await loop.run_in_executor(self._documents.parser, parsing)
                except GraphQLError as error:
                    self._syntax_error = error
                    context.graphql_document = _stand_in(context.operation_name)
        yield
        if self._syntax_error is None and query is not None and context.graphql_document is not None:
            documents.put(query, context.graphql_document)

    def on_validate(self) -> Iterator[None]:
        # Strawberry returns the validation errors before the hooks' closing halves run: set here.
        context = self.execution_context
        if self._syntax_error is not None:
            context.pre_execution_errors = [self._syntax_error]
        elif context.graphql_document is not None:
            context.pre_execution_errors = self._documents.validate(
                context.schema._schema, context.graphql_document, context.validation_rules
            )
        yield
