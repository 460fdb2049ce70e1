"""`POST /api/v1/lineage`: one OpenLineage event per request (RunEvent, DatasetEvent or JobEvent).

Answers in the shape OpenLineage clients expect from an HTTP backend: 201 with an empty object on
success; otherwise a status and `{"code", "message", "field"}` (400 INVALID_INPUT naming the field
of a malformed event, 401, 403, 408 for a body that does not arrive in time, 409, 413 for a body
over the limit (gzip bodies inflated, under the same limit), 503). A malformed event writes
nothing, not even an audit entry (its body was never an event); a well-formed one is audited by its
own statement (services/audit.py, write_one_concluded), refusals for want of a role in their own write.
"""

from __future__ import annotations

import asyncio
import logging
import zlib

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from graph_registry.api.graphql.extensions.authorization import authorize
from graph_registry.api.http.auth import authenticate
from graph_registry.api.http.guard import request_id_of
from graph_registry.bootstrap import Services
from graph_registry.domain.openlineage import DatasetEvent, Event, JobEvent, parse_event
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
from graph_registry.services.audit import Attempt, AuditEntry, describe_arguments
from graph_registry.services.tokens import Principal

log = logging.getLogger("graph_registry.openlineage")

PATH = "/api/v1/lineage"
OPERATION = "POST /api/v1/lineage"
STATUS = {
    InvalidInput: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    PreconditionFailed: 412,
    Unavailable: 503,
}


class _TooLarge(Exception):
    pass


def _error(error: RegistryError, status: int | None = None) -> Response:
    status = status or next((code for kind, code in STATUS.items() if isinstance(error, kind)), 500)
    body = {"code": error.code, "message": error.message, **error.fields}
    return JSONResponse(body, status_code=status)


async def _body(request: Request, limit: int) -> bytes:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise _TooLarge
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise _TooLarge
        chunks.append(chunk)
    body = b"".join(chunks)
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding == "gzip":
        # The HTTP transport's `compression: gzip`; the limit holds for the inflated body too.
        try:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            body = inflater.decompress(body, limit + 1)
        except zlib.error as error:
            raise InvalidInput("the body is not valid gzip", field="body") from error
        if len(body) > limit or inflater.unconsumed_tail:
            raise _TooLarge
    elif encoding != "identity":
        raise InvalidInput(f"Content-Encoding {encoding[:40]!r} is not supported (gzip is)", field="body")
    return body


def _described(event: Event) -> str:
    match event:
        case DatasetEvent():
            return describe_arguments({"dataset": f"{event.dataset.source.namespace}/{event.dataset.source.name}"})
        case JobEvent():
            return describe_arguments({"job": f"{event.job.namespace}/{event.job.name}"})
    return describe_arguments(
        {"eventType": event.event_type, "runId": event.run_id, "job": f"{event.job.namespace}/{event.job.name}"}
    )


async def _authorized(request: Request, services: Services) -> Principal:
    auth = await authenticate(
        request.headers.get("authorization"), enabled=services.settings.auth_enabled, tokens=services.tokens
    )
    if auth.principal is None:
        raise auth.error or Unauthenticated("authentication required")
    try:
        # A writer registry-wide or in any team (POLICIES): an event names runs, jobs and datasets, no model.
        await authorize(services, auth.principal, OPERATION, {})
    except Forbidden as refused:
        attempt = Attempt(
            actor=auth.principal.actor,
            role=auth.principal.role.value,
            operation=OPERATION,
            request_id=request_id_of(request.scope),
        )
        try:
            await services.audit.refuse(attempt, outcome=refused.code, message=refused.message)
        except RegistryError:
            log.exception("could not audit the refused lineage event of %s", auth.principal.actor)
        raise
    return auth.principal


async def post_lineage(request: Request) -> Response:
    services: Services = request.app.state.runtime.services
    try:
        principal = await _authorized(request, services)
        settings = services.settings
        # uvicorn bounds no body's arrival: a client trickling bytes would hold the request open forever.
        body = await asyncio.wait_for(_body(request, settings.max_body_bytes), settings.request_body_timeout)
        event = parse_event(body)
    except _TooLarge:
        limit = services.settings.max_body_bytes
        return _error(InvalidInput(f"the request body is over {limit} bytes", field="body"), 413)
    except TimeoutError:
        seconds = services.settings.request_body_timeout
        message = f"the request body did not arrive within {seconds:g} seconds"
        return _error(InvalidInput(message, field="body"), 408)
    except ClientDisconnect:
        return _error(InvalidInput("the request body was cut short", field="body"))
    except RegistryError as error:
        return _error(error)
    attempt = Attempt(
        actor=principal.actor,
        role=principal.role.value,
        operation=OPERATION,
        request_id=request_id_of(request.scope),
        arguments=_described(event),
    )
    # The entry is written as OK by the event's own statement (or transaction); if that fails, it is
    # written alone with the error.
    prepared = services.audit.prepare(attempt, concludes_at_commit=True)
    try:
        await services.openlineage.ingest(event, audit=prepared)
    except RegistryError as error:
        await _conclude(services, prepared, error.code, error.message)
        return _error(error)
    except Exception:
        await _conclude(services, prepared, "INTERNAL", f"unexpected error, request {attempt.request_id}")
        raise
    return JSONResponse({}, status_code=201)


async def _conclude(services: Services, entry: AuditEntry, outcome: str, message: str) -> None:
    try:
        await services.audit.conclude(entry, outcome=outcome, message=message)
    except RegistryError:
        log.exception("could not audit the failed lineage event of request %s", entry.params["requestId"])


routes = [Route(PATH, post_lineage, methods=["POST"])]
