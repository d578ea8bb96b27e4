"""Which IP addresses a user-supplied URL may reach.

:func:`parse_ip_literal` reads a host the way ``inet_aton``/``getaddrinfo`` would, so the
decimal (``2130706433``), hex (``0x7f000001``), octal (``0177.0.0.1``) and short (``127.1``)
spellings of an IPv4 address, and bracketed IPv6, are all checked as the address they denote.

:class:`AddressPolicy` refuses every address that is not globally routable unicast: private,
loopback, link-local (incl. cloud metadata ``169.254.169.254``), shared/CGNAT, multicast,
reserved, unspecified and documentation ranges, plus known metadata endpoints on public
addresses. IPv6 addresses that embed an IPv4 address (IPv4-mapped ``::ffff:a.b.c.d``,
IPv4-compatible ``::a.b.c.d``, NAT64 ``64:ff9b::/96``, 6to4 ``2002::/16``, Teredo) are judged by
the embedded address too. An explicit allow-list of networks overrides the refusal.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Public addresses that still reach cloud-internal services.
METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    {
        ipaddress.ip_address("168.63.129.16"),  # Azure WireServer
        ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud metadata
        ipaddress.ip_address("fd00:ec2::254"),  # AWS IMDS over IPv6
    }
)

#: Ranges Python's ``is_global`` misses that are not reachable public unicast.
DENIED_NETWORKS: tuple[IPNetwork, ...] = (
    ipaddress.ip_network("192.0.0.0/24"),  # IETF protocol assignments (incl. dummy 192.0.0.8)
    ipaddress.ip_network("0.0.0.0/8"),
    ipaddress.ip_network("100.64.0.0/10"),  # shared address space (CGNAT)
)

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address ``host`` spells, or ``None`` when it is a name to resolve."""
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if "%" in text:  # IPv6 zone id: refuse to treat it as a name
        text = text.split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    return _parse_inet_aton(text)


def _parse_inet_aton(text: str) -> ipaddress.IPv4Address | None:
    """BSD ``inet_aton`` forms: 1 to 4 parts, each decimal, ``0x`` hex or ``0`` octal."""
    if text.endswith("."):
        text = text[:-1]
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values: list[int] = []
    for part in parts:
        value = _parse_number(part)
        if value is None:
            return None
        values.append(value)
    *head, last = values
    if any(v > 0xFF for v in head) or last >= 1 << (8 * (5 - len(values))):
        return None
    number = 0
    for v in head:
        number = number << 8 | v
    number = number << (8 * (5 - len(values))) | last
    return ipaddress.IPv4Address(number)


def _parse_number(part: str) -> int | None:
    lowered = part.lower()
    try:
        if lowered.startswith("0x"):
            return int(lowered[2:] or "0", 16)
        if len(lowered) > 1 and lowered.startswith("0"):
            return int(lowered[1:], 8)
        if lowered.isdigit():
            return int(lowered, 10)
    except ValueError:
        return None
    return None


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4, Teredo)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64 or address in _IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


@dataclass(frozen=True)
class AddressPolicy:
    """Refuses non-public addresses unless an allowed network contains them."""

    allowed_networks: tuple[IPNetwork, ...] = ()
    denied_addresses: frozenset[IPAddress] = field(default=METADATA_ADDRESSES)

    @classmethod
    def from_strings(cls, allowed: Iterable[str]) -> AddressPolicy:
        """Build from CIDR strings (``127.0.0.1/32``, ``10.0.0.0/8``, ``::1/128``)."""
        networks = tuple(ipaddress.ip_network(item.strip(), strict=False) for item in allowed)
        return cls(allowed_networks=networks)

    def refusal(self, address: IPAddress) -> str | None:
        """Why ``address`` is refused, or ``None`` when it may be reached."""
        if any(address in network for network in self.allowed_networks):
            return None
        reason = _non_public_reason(address)
        if reason is None and isinstance(address, ipaddress.IPv6Address):
            if address in _NAT64_LOCAL:
                return "a local-use NAT64 address"
            inner = embedded_ipv4(address)
            if inner is not None:
                inner_reason = self.refusal(inner)
                if inner_reason is not None:
                    return f"an IPv6 address embedding {inner} ({inner_reason})"
        return reason

    def is_allowed(self, address: IPAddress) -> bool:
        """Whether ``address`` may be reached."""
        return self.refusal(address) is None


def _non_public_reason(address: IPAddress) -> str | None:
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if any(address in network for network in DENIED_NETWORKS):
        return "a special-purpose address"
    checks = (
        (address.is_unspecified, "an unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address.is_private, "a private address"),
        (address.is_reserved, "a reserved address"),
        (not address.is_global, "a non-public address"),
    )
    for failed, reason in checks:
        if failed:
            return reason
    return None
