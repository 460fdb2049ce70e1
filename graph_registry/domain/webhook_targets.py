"""Where a webhook may point: http(s) only, and by default never at this machine or a private network.

A URL is checked when the webhook is created and again before every attempt, after its name has
been resolved (a public name may resolve to 127.0.0.1 or to a cloud metadata address: SSRF). The
resolver is a parameter, so tests check names without a DNS query and without connecting anywhere.

An attempt then connects to exactly an address the check vetted (`pinned`): the HTTP client is
given that address, never the name, so a name that answers differently the second time (DNS
rebinding) cannot steer the connection elsewhere. The name still travels as the Host header and,
over https, as the TLS server name the certificate is verified against.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from graph_registry.errors import InvalidInput

Resolver = Callable[[str, int], Sequence[str]]
MAX_URL_LENGTH = 2048


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the operating system resolves `host` to."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise InvalidInput(f"the webhook host {host!r} does not resolve", field="url") from error
    return sorted({str(info[4][0]) for info in infos})


def refused_reason(address: str) -> str | None:
    """Why an address is not a public target (None: it is)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local (cloud metadata services live there)"
    if ip.is_private or ip.is_reserved or ip.is_unspecified or ip.is_multicast or not ip.is_global:
        return "private"
    return None


def check_url(url: str) -> tuple[str, int]:
    """(host, port) of an http(s) URL, or INVALID_INPUT."""
    if len(url) > MAX_URL_LENGTH:
        raise InvalidInput(f"the webhook URL is over {MAX_URL_LENGTH} characters", field="url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("a webhook URL is http:// or https:// with a host", field="url")
    if parts.username or parts.password:
        raise InvalidInput("a webhook URL carries no user or password (deliveries are signed)", field="url")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise InvalidInput("the webhook URL's port is not a number from 1 to 65535", field="url") from error
    return parts.hostname, port


def check_target(url: str, *, allow_private: bool, resolve: Resolver = system_resolver) -> list[str]:
    """The addresses `url` resolves to, all public (unless `allow_private`), or INVALID_INPUT."""
    host, port = check_url(url)
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        addresses = list(resolve(host, port))
    if not addresses:
        raise InvalidInput(f"the webhook host {host!r} does not resolve", field="url")
    if not allow_private:
        for address in addresses:
            reason = refused_reason(address)
            if reason is not None:
                raise InvalidInput(
                    f"the webhook URL points at a {reason} address ({address}); such targets are refused "
                    "unless the server sets GRAPH_REGISTRY_WEBHOOK_ALLOW_PRIVATE=true",
                    field="url",
                )
    return addresses


@dataclass(frozen=True, slots=True)
class Pinned:
    """One attempt's request target: `url` dials `address`; `host` is the Host header; `server_name`
    (https only) is the name TLS sends (SNI) and verifies the server's certificate against."""

    url: str
    address: str
    host: str
    server_name: str | None


def pinned(url: str, address: str) -> Pinned:
    """`url` with its host replaced by `address` (one that `check_target` returned), keeping the
    name for the Host header and for TLS."""
    host, port = check_url(url)
    parts = urlsplit(url)
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    literal = f"[{address.replace('%', '%25')}]" if ip.version == 6 else address
    netloc = literal if parts.port is None else f"{literal}:{port}"
    return Pinned(
        url=urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")),
        address=address,
        host=parts.netloc,
        server_name=host if parts.scheme == "https" else None,
    )
