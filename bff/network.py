"""Who is asking: the client IP behind trusted proxies, and the network allow-list.

`X-Forwarded-For` is believed only from a peer in TRUSTED_PROXY_CIDRS (the ingress controller),
and then read from the right: the first address that is not itself a trusted proxy is the client
(what ingress-nginx and the MDN guidance on X-Forwarded-For recommend). Anything a client writes
into the header to the left of that is ignored. A malformed entry makes the client unknown, which
the allow-list refuses.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_FORWARDED_HOPS = 32


@functools.lru_cache(maxsize=4096)
def parse_ip(text: str) -> IpAddress | None:
    """An address from a peer or header entry (IPv4-mapped IPv6 as IPv4), None if malformed."""
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.7:443
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _within(address: IpAddress, networks: Iterable[IpNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


@dataclass(frozen=True)
class Client:
    """The resolved client of a request."""

    ip: IpAddress | None
    """None when the forwarding chain is malformed."""
    proxied: bool
    """True when a trusted proxy forwarded the request (it came from outside the pod network)."""

    @property
    def label(self) -> str:
        return str(self.ip) if self.ip is not None else "unknown"


@dataclass(frozen=True)
class NetworkPolicy:
    """The allow-list and the proxies trusted to name the client."""

    allowed: tuple[IpNetwork, ...]
    trusted_proxies: tuple[IpNetwork, ...]

    def resolve(self, peer: str | None, forwarded_for: str | None) -> Client:
        """The client of a request from `peer` carrying `X-Forwarded-For: forwarded_for`."""
        address = parse_ip(peer) if peer else None
        if address is None:
            return Client(None, False)
        if not forwarded_for or not _within(address, self.trusted_proxies):
            return Client(address, False)
        hops = [h for h in forwarded_for.split(",") if h.strip()][-MAX_FORWARDED_HOPS:]
        for hop in reversed(hops):
            hop_address = parse_ip(hop)
            if hop_address is None:
                return Client(None, True)
            address = hop_address
            if not _within(address, self.trusted_proxies):
                break
        return Client(address, True)

    def allows(self, client: Client) -> bool:
        """Whether the client's network is served."""
        return client.ip is not None and _within(client.ip, self.allowed)
