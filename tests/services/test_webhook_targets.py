"""The webhook address rules as a unit: no request is sent and no name is looked up in DNS (the
resolver is replaced), so nothing here connects anywhere."""

from __future__ import annotations

import pytest

from graph_registry.domain.webhook_targets import check_target, pinned, refused_reason
from graph_registry.errors import InvalidInput


def resolver(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    asked: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        return table[host]

    resolve.asked = asked  # type: ignore[attr-defined]
    return resolve


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8080/hook", "loopback"),
        ("http://127.8.9.10/hook", "loopback"),
        ("http://[::1]/hook", "loopback"),
        ("http://10.1.2.3/hook", "private"),
        ("http://172.16.0.1/hook", "private"),
        ("http://192.168.1.20/hook", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[fe80::1]/hook", "link-local"),
        ("http://[fd00::1]/hook", "private"),
        ("http://0.0.0.0/hook", "private"),
        ("http://[::ffff:127.0.0.1]/hook", "loopback"),
        ("http://100.64.0.1/hook", "private"),
    ],
)
def test_private_loopback_and_link_local_literals_are_refused(url: str, reason: str) -> None:
    never = resolver({})
    with pytest.raises(InvalidInput, match=reason):
        check_target(url, allow_private=False, resolve=never)
    assert never.asked == []  # type: ignore[attr-defined]


def test_a_name_that_resolves_to_loopback_is_refused() -> None:
    resolve = resolver({"hooks.example.com": ["93.184.215.14", "127.0.0.1"], "localhost": ["127.0.0.1", "::1"]})
    with pytest.raises(InvalidInput, match="loopback"):
        check_target("https://hooks.example.com/x", allow_private=False, resolve=resolve)
    with pytest.raises(InvalidInput, match="loopback"):
        check_target("http://localhost:9000/x", allow_private=False, resolve=resolve)
    assert resolve.asked == ["hooks.example.com", "localhost"]  # type: ignore[attr-defined]


def test_public_targets_pass_and_private_ones_when_allowed() -> None:
    resolve = resolver({"hooks.example.com": ["93.184.215.14"], "localhost": ["127.0.0.1"]})
    assert check_target("https://hooks.example.com/x", allow_private=False, resolve=resolve) == ["93.184.215.14"]
    assert check_target("http://localhost:9000/x", allow_private=True, resolve=resolve) == ["127.0.0.1"]
    assert check_target("http://10.0.0.5/x", allow_private=True, resolve=resolve) == ["10.0.0.5"]


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/x", "file:///etc/passwd", "gopher://x", "http:///nohost", "http://user:pw@example.com/", "x"],
)
def test_only_http_and_https_urls_with_a_host(url: str) -> None:
    with pytest.raises(InvalidInput):
        check_target(url, allow_private=True, resolve=resolver({"example.com": ["93.184.215.14"]}))


def test_refused_reason_of_a_public_address_is_none() -> None:
    assert refused_reason("93.184.215.14") is None
    assert refused_reason("2606:2800:220:1:248:1893:25c8:1946") is None


@pytest.mark.parametrize(
    ("url", "address", "dialled", "host", "server_name"),
    [
        (
            "https://hooks.example.com/x?a=1",
            "93.184.215.14",
            "https://93.184.215.14/x?a=1",
            "hooks.example.com",
            "hooks.example.com",
        ),
        (
            "http://hooks.example.com:8080/x",
            "93.184.215.14",
            "http://93.184.215.14:8080/x",
            "hooks.example.com:8080",
            None,
        ),
        (
            "https://Hooks.Example.com:8443/",
            "2606:2800:220:1::1",
            "https://[2606:2800:220:1::1]:8443/",
            "Hooks.Example.com:8443",
            "hooks.example.com",
        ),
        ("http://localhost:9000/hook#frag", "127.0.0.2", "http://127.0.0.2:9000/hook", "localhost:9000", None),
    ],
)
def test_an_attempt_dials_the_vetted_address_and_keeps_the_name(
    url: str, address: str, dialled: str, host: str, server_name: str | None
) -> None:
    target = pinned(url, address)
    assert (target.url, target.address, target.host, target.server_name) == (dialled, address, host, server_name)
