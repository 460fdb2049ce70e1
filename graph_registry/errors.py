"""The registry's one error tree.

Every failure a caller can act on is a `RegistryError`; its `code` is the
`extensions.code` of the GraphQL error (see the public contract):

    RegistryError
     ├── Unauthenticated      UNAUTHENTICATED       no or bad credentials
     ├── Forbidden            FORBIDDEN             the role may not do this
     ├── NotFound             NOT_FOUND             a referenced object is missing
     ├── Conflict             CONFLICT              contradicts stored state
     ├── InvalidInput         INVALID_INPUT         malformed input
     ├── PreconditionFailed   PRECONDITION_FAILED   a governance rule refused it
     └── Unavailable          UNAVAILABLE           Neo4j or S3 is down; retry

Anything else that escapes is a bug: the API masks it and logs it.
"""

from __future__ import annotations

from typing import Any, ClassVar


class RegistryError(Exception):
    """Root of every error the registry reports to callers."""

    code: ClassVar[str] = "INTERNAL"

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields = {key: value for key, value in fields.items() if value is not None}


class Unauthenticated(RegistryError):
    code = "UNAUTHENTICATED"


class Forbidden(RegistryError):
    code = "FORBIDDEN"


class NotFound(RegistryError):
    code = "NOT_FOUND"


class Conflict(RegistryError):
    code = "CONFLICT"


class InvalidInput(RegistryError):
    code = "INVALID_INPUT"


class PreconditionFailed(RegistryError):
    code = "PRECONDITION_FAILED"


class Unavailable(RegistryError):
    code = "UNAVAILABLE"
