"""Client IP resolution behind trusted proxies, and the allow-list."""

from __future__ import annotations

import pytest

from bff.network import NetworkPolicy, parse_ip
from bff.settings import _networks

POLICY = NetworkPolicy(
    _networks("203.0.113.0/24, 2001:db8::/32"),  # type: ignore[arg-type]
    _networks("10.0.0.0/8"),  # type: ignore[arg-type]
)


@pytest.mark.parametrize(
    ("peer", "forwarded", "client", "proxied"),
    [
        ("203.0.113.5", None, "203.0.113.5", False),
        ("203.0.113.5", "198.51.100.1", "203.0.113.5", False),  # not a trusted proxy: header ignored
        ("10.0.0.7", "203.0.113.9", "203.0.113.9", True),
        ("10.0.0.7", "192.0.2.1, 203.0.113.9", "203.0.113.9", True),  # the client's own claim is ignored
        ("10.0.0.7", "203.0.113.9, 10.0.0.8", "203.0.113.9", True),  # a second trusted hop is skipped
        ("10.0.0.7", "10.0.0.9, 10.0.0.8", "10.0.0.9", True),  # all trusted: the leftmost
        ("10.0.0.7", "garbage, 203.0.113.9", "203.0.113.9", True),
        ("10.0.0.7", "203.0.113.9, garbage", None, True),  # malformed where it matters: unknown
        ("10.0.0.7", "", "10.0.0.7", False),
        ("::ffff:10.0.0.7", "[2001:db8::5]:443", "2001:db8::5", True),
        ("10.0.0.7", "203.0.113.9:51234", "203.0.113.9", True),
        (None, "203.0.113.9", None, False),
    ],
)
def test_the_client_is_the_first_untrusted_address_from_the_right(
    peer: str | None, forwarded: str | None, client: str | None, proxied: bool
) -> None:
    resolved = POLICY.resolve(peer, forwarded)
    assert (str(resolved.ip) if resolved.ip else None, resolved.proxied) == (client, proxied)


@pytest.mark.parametrize(
    ("peer", "forwarded", "allowed"),
    [
        ("10.0.0.7", "203.0.113.9", True),
        ("10.0.0.7", "192.0.2.1", False),
        ("10.0.0.7", "203.0.113.9, garbage", False),
        ("198.51.100.4", "203.0.113.9", False),  # spoofed from an untrusted peer
        ("2001:db8::1", None, True),
    ],
)
def test_the_allow_list(peer: str, forwarded: str | None, allowed: bool) -> None:
    assert POLICY.allows(POLICY.resolve(peer, forwarded)) is allowed


def test_a_long_forwarding_chain_is_cut() -> None:
    chain = ", ".join(["10.0.0.1"] * 100 + ["203.0.113.9"])
    assert str(POLICY.resolve("10.0.0.7", chain).ip) == "203.0.113.9"


def test_ipv4_mapped_addresses_are_ipv4() -> None:
    assert str(parse_ip("::ffff:203.0.113.9")) == "203.0.113.9"
    assert parse_ip("not-an-ip") is None
