"""What every MLflow endpoint shares: reading the request, the policy check, the audit, MLflow's errors.

An endpoint is a coroutine `(Call) -> dict` registered with `endpoint(...)`. Around it: the
Bearer token is authenticated as for GraphQL, the role it needs comes from the one policy table
(`POLICIES["MLflow.<Endpoint>"]`, api/authorization.py), a write is audited as a mutation is: the
handler hands the prepared entry (`call.audit`) to its use case as `audit=`, whose write transaction
carries it (services/audit.py `write_audited`), so a change and its entry commit together or not at
all; the entry is finished with the outcome once the call ends. Errors leave in MLflow's shape:
`{"error_code": ..., "message": ...}` with the HTTP status MLflow uses, so the stock client raises
the MlflowException its users handle.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from graph_registry.api.graphql.extensions.authorization import authorize
from graph_registry.api.http.auth import authenticate
from graph_registry.api.http.guard import request_id_of
from graph_registry.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    RegistryError,
    Unauthenticated,
    Unavailable,
)
from graph_registry.services.audit import OK, Attempt, AuditEntry, describe_arguments
from graph_registry.services.tokens import Principal

log = logging.getLogger("graph_registry.mlflow")

# MLflow's error codes for the registry's errors, and MLflow's HTTP status for each code
# (mlflow/exceptions.py). INVALID_STATE is answered with 400, not MLflow's 500: the stock client
# retries 5xx answers for minutes, and a refused state change is not worth retrying.
CODES: dict[type[RegistryError], str] = {
    Unauthenticated: "UNAUTHENTICATED",
    Forbidden: "PERMISSION_DENIED",
    NotFound: "RESOURCE_DOES_NOT_EXIST",
    Conflict: "RESOURCE_ALREADY_EXISTS",
    InvalidInput: "INVALID_PARAMETER_VALUE",
    PreconditionFailed: "INVALID_STATE",
    Unavailable: "TEMPORARILY_UNAVAILABLE",
}
STATUS = {
    "UNAUTHENTICATED": 401,
    "PERMISSION_DENIED": 403,
    "RESOURCE_DOES_NOT_EXIST": 404,
    "ENDPOINT_NOT_FOUND": 404,
    "RESOURCE_ALREADY_EXISTS": 400,
    "INVALID_PARAMETER_VALUE": 400,
    "BAD_REQUEST": 400,
    "MALFORMED_REQUEST": 400,
    "INVALID_STATE": 400,
    "REQUEST_LIMIT_EXCEEDED": 413,
    "NOT_IMPLEMENTED": 501,
    "TEMPORARILY_UNAVAILABLE": 503,
    "INTERNAL_ERROR": 500,
}


class MlflowError(Exception):
    """An error named in MLflow's own terms (one the registry's tree has no code for)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def code_of(error: RegistryError) -> str:
    if isinstance(error, Conflict) and error.fields.get("reason") == "state":
        return "INVALID_STATE"
    if isinstance(error, InvalidInput) and error.fields.get("reason") == "oversize":
        return "REQUEST_LIMIT_EXCEEDED"
    return next((code for kind, code in CODES.items() if isinstance(error, kind)), "INTERNAL_ERROR")


def error_response(code: str, message: str) -> Response:
    return json_response({"error_code": code, "message": message}, status=STATUS.get(code, 500))


def json_response(body: Mapping[str, Any], *, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


@dataclass(slots=True)
class Call:
    """One MLflow request: its body (JSON, or the query string of a GET), who asks, the services."""

    request: Request
    body: dict[str, Any]
    principal: Principal
    request_id: str
    services: Any
    touched: dict[str, Any] = field(default_factory=dict)
    # The write's audit entry, for the use case's transaction to carry (`audit=call.audit`).
    audit: AuditEntry | None = None

    @property
    def actor(self) -> str:
        return self.principal.actor

    def text(self, name: str, *, required: bool = False, default: str | None = None) -> str | None:
        value = self.body.get(name)
        if value is None or value == "":
            if required:
                raise InvalidInput(f"missing value for required parameter {name!r}", field=name)
            return default
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if not isinstance(value, str):
            raise InvalidInput(f"parameter {name!r} must be a string", field=name)
        return value

    def required(self, name: str) -> str:
        value = self.text(name, required=True)
        assert value is not None
        return value

    def integer(self, name: str, *, default: int | None = None) -> int | None:
        value = self.body.get(name)
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if value is None or value == "":
            return default
        if isinstance(value, str) and value.lstrip("-").isdigit() and len(value) < 20:
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidInput(f"parameter {name!r} must be an integer", field=name)
        return value

    def flag(self, name: str) -> bool:
        value = self.body.get(name)
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if isinstance(value, str):
            return value.lower() == "true"
        return bool(value)

    def strings(self, name: str) -> list[str]:
        value = self.body.get(name)
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(item, str) for item in items):
            raise InvalidInput(f"parameter {name!r} must be a list of strings", field=name)
        return list(items)

    def objects(self, name: str) -> list[dict[str, Any]]:
        value = self.body.get(name)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise InvalidInput(f"parameter {name!r} must be a list of objects", field=name)
        return list(value)

    def pairs(self, name: str) -> list[tuple[str, str]]:
        """`[{"key": k, "value": v}, ...]` as (key, value) pairs."""
        found = []
        for item in self.objects(name):
            key, value = item.get("key"), item.get("value", "")
            if not isinstance(key, str) or not isinstance(value, str):
                raise InvalidInput(f"each of {name!r} has a string key and value", field=name)
            found.append((key, value))
        return found


Handler = Callable[[Call], Awaitable[Mapping[str, Any] | Response]]
PolicyArguments = Callable[[Call], Mapping[str, Any]]


def _walk_strings(value: Any, limit: int) -> None:
    if isinstance(value, str):
        if len(value) > limit:
            raise InvalidInput(f"a value is longer than {limit} characters", field="body")
    elif isinstance(value, dict):
        for item in value.values():
            _walk_strings(item, limit)
    elif isinstance(value, list):
        for item in value:
            _walk_strings(item, limit)


async def read_body(
    request: Request, *, fields: frozenset[str], max_bytes: int, max_string: int, stream: bool = False
) -> dict[str, Any]:
    """The request's parameters: the JSON body (bounded), or the query string of a GET or DELETE without one.

    `stream`: the body is the endpoint's own (artifact bytes); parameters come from the URL only.
    """
    body: dict[str, Any] = {}
    raw = b""
    if request.method in {"POST", "PATCH", "PUT", "DELETE"} and not stream:
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > max_bytes:
                raise InvalidInput(f"the request body is larger than {max_bytes} bytes", reason="oversize")
    if raw.strip():
        try:
            parsed = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise MlflowError("MALFORMED_REQUEST", "the request body is not valid JSON") from error
        if not isinstance(parsed, dict):
            raise MlflowError("MALFORMED_REQUEST", "the request body must be a JSON object")
        body = parsed
    else:
        for key, value in request.query_params.multi_items():
            body.setdefault(key, []).append(value)
        body = {key: values[0] if len(values) == 1 else values for key, values in body.items()}
    body.update(request.path_params)
    unknown = set(body) - fields - set(request.path_params)
    if unknown:
        raise InvalidInput(f"unknown field(s) {', '.join(sorted(unknown)[:5])}", field="body")
    _walk_strings(body, max_string)
    return body


def endpoint(
    name: str,
    handler: Handler,
    *,
    fields: set[str],
    write: bool,
    policy: PolicyArguments | None = None,
    stream: bool = False,
    one_transaction: bool = False,
) -> Callable[[Request], Awaitable[Response]]:
    """The Starlette endpoint of an MLflow call named `name` (its policy key is `MLflow.<name>`).

    `one_transaction`: the write is one transaction and nothing after it, which writes its audit entry
    OK (no second write to finish it)."""
    key = f"MLflow.{name}"
    known = frozenset(fields)

    async def serve(request: Request) -> Response:
        services = request.app.state.runtime.services
        settings = services.settings
        request_id = request_id_of(request.scope)
        try:
            auth = await authenticate(
                request.headers.get("authorization"), enabled=settings.auth_enabled, tokens=services.tokens
            )
            if auth.principal is None:
                raise auth.error or Unauthenticated("authentication required")
            body = await read_body(
                request,
                fields=known,
                max_bytes=settings.max_body_bytes,
                max_string=settings.max_string_length,
                stream=stream,
            )
            call = Call(request=request, body=body, principal=auth.principal, request_id=request_id, services=services)
            arguments = policy(call) if policy is not None else {}
            attempt = Attempt(
                actor=auth.principal.actor,
                role=auth.principal.role.value,
                operation=f"mlflow.{name}",
                request_id=request_id,
                arguments=describe_arguments({k: v for k, v in body.items() if k != "data"}) if write else None,
                model=arguments.get("model") if isinstance(arguments.get("model"), str) else None,
                version=arguments.get("version") if isinstance(arguments.get("version"), int) else None,
            )
            try:
                await authorize(services, auth.principal, key, arguments)
            except Forbidden as refused:
                if write:
                    await services.audit.refuse(attempt, outcome=refused.code, message=refused.message)
                raise
            if not write:
                result = await handler(call)
            else:
                result = await _audited(call, handler, attempt, one_transaction=one_transaction)
        except MlflowError as error:
            return error_response(error.code, error.message)
        except RegistryError as error:
            return error_response(code_of(error), error.message)
        except Exception:
            log.exception("MLflow %s failed (request %s)", name, request_id)
            return error_response("INTERNAL_ERROR", f"unexpected error, request {request_id}")
        return result if isinstance(result, Response) else json_response(result)

    serve.policy_key = key  # type: ignore[attr-defined]  # read by the policy-coverage test
    serve.handler = handler  # type: ignore[attr-defined]  # read by the audit-wiring test
    serve.write = write  # type: ignore[attr-defined]
    return serve


async def _audited(
    call: Call, handler: Handler, attempt: Attempt, *, one_transaction: bool
) -> Mapping[str, Any] | Response:
    audit = call.services.audit
    entry = audit.prepare(attempt, concludes_at_commit=one_transaction)
    call.audit = entry
    try:
        result = await handler(call)
    except (RegistryError, MlflowError) as error:
        await audit.settle(entry, outcome=error.code, message=error.message, **_touched(call))
        raise
    except asyncio.CancelledError:
        audit.settle_cancelled(entry, **_touched(call))
        raise
    except Exception:
        message = f"unexpected error, request {call.request_id}"
        await audit.settle(entry, outcome="INTERNAL", message=message, **_touched(call))
        raise
    finally:
        call.audit = None
    await audit.settle(entry, outcome=OK, **_touched(call))
    return result


def _touched(call: Call) -> dict[str, Any]:
    """The model and version the call named, for its audit entry."""
    return {"model": call.touched.get("model"), "version": call.touched.get("version")}


def window(*, max_results: int | None, token: str | None, default: int, limit: int) -> tuple[int, int]:
    """The offset and size of the page a request asks for; the page token is the offset of the page."""
    size = default if max_results is None else max_results
    if not 0 < size <= limit:
        raise InvalidInput(f"max_results must be between 1 and {limit}", field="max_results")
    start = 0
    if token:
        try:
            start = int(ids_decode(token))
        except (ValueError, InvalidInput) as error:
            raise InvalidInput("invalid page_token", field="page_token") from error
        if start < 0:
            raise InvalidInput("invalid page_token", field="page_token")
    return start, size


def next_token(start: int, size: int, *, more: bool) -> str | None:
    return ids_encode(str(start + size)) if more else None


def page(
    items: list[Any], *, max_results: int | None, token: str | None, default: int, limit: int
) -> tuple[list[Any], str | None]:
    """One page of a sorted listing (see window)."""
    start, size = window(max_results=max_results, token=token, default=default, limit=limit)
    return items[start : start + size], next_token(start, size, more=start + size < len(items))


def ids_encode(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode()


def ids_decode(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise InvalidInput("invalid page_token", field="page_token") from error
