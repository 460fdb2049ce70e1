"""DNS rebinding: a delivery connects to exactly the address its check vetted, not to what the name
resolves to when the HTTP client connects. The resolver is replaced (no DNS query is made); the
receivers listen on 127.0.0.1 and 127.0.0.2 only; the one request meant for a public address is
stopped at the transport, before any connection."""

from __future__ import annotations

import ssl
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import trustme

from graph_registry.services.webhooks import DeliveryPolicy, WebhookService
from graph_registry.storage.database import Database

PUBLIC = "93.184.215.14"


class Rebinding:
    """A resolver whose answers change from call to call (the last one repeats)."""

    def __init__(self, host: str, answers: list[list[str]]) -> None:
        self.host, self.answers, self.asked = host, answers, 0

    def __call__(self, host: str, port: int) -> list[str]:
        assert host == self.host, f"unexpected lookup of {host!r}"
        answer = self.answers[min(self.asked, len(self.answers) - 1)]
        self.asked += 1
        return answer


@dataclass
class Receiver:
    address: str
    port: int
    hosts: list[str] = field(default_factory=list)


def _serve(address: str, port: int, context: ssl.SSLContext | None = None) -> tuple[ThreadingHTTPServer, Receiver]:
    receiver = Receiver(address, port)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            receiver.hosts.append(self.headers["Host"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((address, port), Handler)
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    receiver.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, receiver


@pytest.fixture
def twin_receivers(request: pytest.FixtureRequest) -> Iterator[tuple[Receiver, Receiver]]:
    """Receivers on 127.0.0.1:P (what the system resolves `localhost` to) and 127.0.0.2:P (what the
    check is told); `request.param` True: both speak TLS with a certificate for `localhost` only."""
    ca = trustme.CA()
    context = None
    if getattr(request, "param", False):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("localhost").configure_cert(context)
    for _ in range(20):
        first, system = _serve("127.0.0.1", 0, context)
        try:
            second, vetted = _serve("127.0.0.2", system.port, context)
        except OSError:
            first.shutdown()
            first.server_close()
            continue
        break
    else:
        pytest.fail("no port free on both 127.0.0.1 and 127.0.0.2")
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    request.node.client_context = client_context
    yield system, vetted
    for server in (first, second):
        server.shutdown()
        server.server_close()


def _policy(allow_private: bool) -> DeliveryPolicy:
    return DeliveryPolicy(allow_private=allow_private, timeout=10.0)


async def _test_once(service: WebhookService, url: str) -> tuple[bool, int | None, str | None]:
    # Filtered to a model that does not exist: no other test's deliverer ever enqueues for it.
    record, _ = await service.create(
        url=url, events=["CARD_UPDATED"], model=f"nomodel-{uuid.uuid4().hex[:12]}", team=None, actor="pin-test"
    )
    try:
        delivery = await service.test(record.id, actor="pin-test")
    finally:
        await service.delete(record.id)
    return delivery.delivered, delivery.last_status_code, delivery.last_error


async def test_a_name_rebound_to_loopback_after_the_check_is_not_connected_to(database: Database) -> None:
    """The name answers a public address to both checks (creation, attempt) and 127.0.0.1 after: the
    request goes to the public address the attempt's check vetted, under the name, and no further
    lookup is made. The transport refuses it, so nothing leaves this machine."""
    resolve = Rebinding("hooks.example.com", [[PUBLIC], [PUBLIC], ["127.0.0.1"]])
    dialled: list[tuple[str, str, object]] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        dialled.append((request.url.host, request.headers["host"], request.extensions.get("sni_hostname")))
        raise httpx.ConnectError("not connected: this test sends nothing outside 127.0.0.0/8", request=request)

    service = WebhookService(database, _policy(False), resolve=resolve, transport=httpx.MockTransport(refuse))
    try:
        delivered, status, error = await _test_once(service, "https://hooks.example.com/registry")
    finally:
        await service.close()
    assert dialled == [(PUBLIC, "hooks.example.com", "hooks.example.com")]
    assert resolve.asked == 2
    assert (delivered, status) == (False, None) and error is not None and "ConnectError" in error


async def test_a_name_answering_loopback_at_the_attempt_is_refused_without_connecting(database: Database) -> None:
    resolve = Rebinding("hooks.example.com", [[PUBLIC], ["127.0.0.1"]])
    dialled: list[httpx.Request] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        dialled.append(request)
        raise httpx.ConnectError("not connected", request=request)

    service = WebhookService(database, _policy(False), resolve=resolve, transport=httpx.MockTransport(refuse))
    try:
        delivered, status, error = await _test_once(service, "http://hooks.example.com/registry")
    finally:
        await service.close()
    assert dialled == []
    assert delivered is False and status is None and error is not None and "loopback" in error


async def test_the_delivery_reaches_the_vetted_address_not_the_systems_answer(
    database: Database, twin_receivers: tuple[Receiver, Receiver]
) -> None:
    """The check is told `localhost` is 127.0.0.2; the system would say 127.0.0.1 when connecting."""
    system, vetted = twin_receivers
    resolve = Rebinding("localhost", [["127.0.0.2"]])
    service = WebhookService(database, _policy(True), resolve=resolve)
    try:
        delivered, status, error = await _test_once(service, f"http://localhost:{vetted.port}/pin")
    finally:
        await service.close()
    assert (delivered, status, error) == (True, 204, None)
    assert vetted.hosts == [f"localhost:{vetted.port}"]
    assert system.hosts == []


@pytest.mark.parametrize("twin_receivers", [True], indirect=True)
async def test_over_https_the_certificate_is_verified_against_the_name(
    database: Database, twin_receivers: tuple[Receiver, Receiver], request: pytest.FixtureRequest
) -> None:
    """Dialled at 127.0.0.2, TLS still sends `localhost` and verifies the certificate (issued for
    `localhost` only, no address in it) against that name; a name the certificate is not for fails."""
    system, vetted = twin_receivers
    context: ssl.SSLContext = request.node.client_context
    results = []
    for name in ("localhost", "other.test"):
        resolve = Rebinding(name, [["127.0.0.2"]])
        transport = httpx.AsyncHTTPTransport(verify=context, limits=httpx.Limits(max_keepalive_connections=0))
        service = WebhookService(database, _policy(True), resolve=resolve, transport=transport)
        try:
            results.append(await _test_once(service, f"https://{name}:{vetted.port}/tls"))
        finally:
            await service.close()
    assert results[0] == (True, 204, None)
    delivered, status, error = results[1]
    assert delivered is False and status is None and error is not None and "certificate" in error.lower()
    assert vetted.hosts == [f"localhost:{vetted.port}"]
    assert system.hosts == []
