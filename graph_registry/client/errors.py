"""What the client raises.

The registry's error codes (the contract's `extensions.code`) become typed
exceptions; a failure to talk to the registry at all is a `TransportError`:

    RegistryClientError
     ├── UnauthenticatedError      UNAUTHENTICATED       no or bad token
     ├── ForbiddenError            FORBIDDEN             the token's role may not do this
     ├── NotFoundError             NOT_FOUND             a referenced object is missing
     ├── ConflictError             CONFLICT              contradicts stored state
     ├── InvalidInputError         INVALID_INPUT         malformed input
     ├── PreconditionFailedError   PRECONDITION_FAILED   a governance rule refused it
     ├── UnavailableError          UNAVAILABLE           Neo4j or S3 is down; retry later
     ├── ArtifactError             ARTIFACT              bytes on disk do not match the registry's sha256
     └── TransportError            TRANSPORT             no answer: connection refused, timeout, bad HTTP status
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class RegistryClientError(Exception):
    """Root of everything the client raises; `code` is the contract's error code."""

    code: ClassVar[str] = "INTERNAL"

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(f"{self.code}: {message}")
        self.message = message
        self.fields = fields


class UnauthenticatedError(RegistryClientError):
    code = "UNAUTHENTICATED"


class ForbiddenError(RegistryClientError):
    code = "FORBIDDEN"


class NotFoundError(RegistryClientError):
    code = "NOT_FOUND"


class ConflictError(RegistryClientError):
    code = "CONFLICT"


class InvalidInputError(RegistryClientError):
    code = "INVALID_INPUT"


class PreconditionFailedError(RegistryClientError):
    code = "PRECONDITION_FAILED"


class UnavailableError(RegistryClientError):
    code = "UNAVAILABLE"


class ArtifactError(RegistryClientError):
    code = "ARTIFACT"


class TransportError(RegistryClientError):
    code = "TRANSPORT"


BY_CODE: dict[str, type[RegistryClientError]] = {
    kind.code: kind
    for kind in (
        UnauthenticatedError,
        ForbiddenError,
        NotFoundError,
        ConflictError,
        InvalidInputError,
        PreconditionFailedError,
        UnavailableError,
    )
}


def from_graphql(error: Mapping[str, Any]) -> RegistryClientError:
    """The exception for one GraphQL error object; unknown codes keep the root class."""
    extensions = dict(error.get("extensions") or {})
    code = str(extensions.pop("code", "INTERNAL"))
    kind = BY_CODE.get(code)
    message = str(error.get("message") or "the registry reported an error")
    if kind is None:
        return RegistryClientError(message if code == "INTERNAL" else f"{message} ({code})", **extensions)
    return kind(message, **extensions)
