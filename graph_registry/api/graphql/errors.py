"""The one place where failures become GraphQL errors with `extensions.code`.

Registry errors keep their message and fields; parse, validation and variable
errors are INVALID_INPUT; anything unexpected is masked to a generic message
carrying the request id, and logged here with the detail.
"""

from __future__ import annotations

import logging

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from graph_registry.errors import RegistryError

log = logging.getLogger("graph_registry.errors")


class RegistryErrors(MaskErrors):
    def _request_id(self) -> str:
        context = self.execution_context.context
        return getattr(context, "request_id", "unknown")

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [self._convert(error) for error in errors]

    def _convert(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, RegistryError):
            extensions = {"code": original.code, **original.fields}
            return self._rebuild(error, original.message, extensions)
        if original is None:
            code = (error.extensions or {}).get("code", "INVALID_INPUT")
            return self._rebuild(error, error.message, {**(error.extensions or {}), "code": code})
        request_id = self._request_id()
        log.error("unexpected error in request %s", request_id, exc_info=original)
        return self._rebuild(
            error,
            f"internal error; quote request id {request_id} to the registry's operators",
            {"code": "INTERNAL", "requestId": request_id},
        )

    @staticmethod
    def _rebuild(error: GraphQLError, message: str, extensions: dict[str, object]) -> GraphQLError:
        return GraphQLError(
            message=message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions=extensions,
        )
