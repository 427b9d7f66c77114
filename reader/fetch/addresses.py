"""Which IP addresses Digest may connect to: the one home of that rule.

An address is public when neither ``NON_PUBLIC_NETWORKS`` (below) nor the ``ipaddress`` module's own
properties (private, loopback, link-local, multicast, reserved, unspecified, site-local, not
global) call it otherwise. The table is drawn from the IANA IPv4 and IPv6 Special-Purpose Address
Registries (RFC 6890 and its updates), kept explicit because ``ipaddress`` changes between Python
versions and judges some of these ranges "global" (6to4 ``2002::/16``, ``192.0.0.9``, IPv6
multicast under Python 3.11). Addresses that carry an IPv4 address are judged as that address:
IPv4-mapped ``::ffff:a.b.c.d`` (the socket connects to the IPv4 address itself) and NAT64
``64:ff9b::a.b.c.d`` (RFC 6052: the gateway connects there). Every other tunnel form is refused
whole (6to4, Teredo, IPv4-compatible, local-use NAT64), as they reach networks no check here sees.

``is_allowed_address`` adds the person's allow-list (``DIGEST_PRIVATE_NETWORKS_ALLOWED``), whose
entries may be limited to one port.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from reader.fetch.options import Address, AllowedNetwork, Network

# (network, why it is not a public web server's address)
NON_PUBLIC_NETWORKS: tuple[tuple[Network, str], ...] = tuple(
    (ipaddress.ip_network(network), reason)
    for network, reason in (
        # IPv4 (IANA IPv4 Special-Purpose Address Registry)
        ("0.0.0.0/8", "this network"),
        ("10.0.0.0/8", "private network"),
        ("100.64.0.0/10", "shared carrier-grade NAT space"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private network"),
        ("192.0.0.0/24", "IETF protocol assignments"),
        ("192.0.2.0/24", "documentation"),
        ("192.88.99.0/24", "6to4 relay anycast"),
        ("192.168.0.0/16", "private network"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
        # IPv6 (IANA IPv6 Special-Purpose Address Registry)
        ("::1/128", "loopback"),
        ("::/128", "unspecified"),
        ("::/96", "IPv4-compatible (deprecated)"),
        ("::ffff:0:0:0/96", "IPv4-translated"),
        ("64:ff9b:1::/48", "local-use NAT64"),
        ("100::/64", "discard-only"),
        ("2001::/32", "Teredo tunnel"),
        ("2001::/23", "IETF protocol assignments"),
        ("2001:db8::/32", "documentation"),
        ("2002::/16", "6to4 tunnel"),
        ("3fff::/20", "documentation"),
        ("5f00::/16", "segment routing"),
        ("fc00::/7", "unique local (private network)"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local (deprecated)"),
        ("ff00::/8", "multicast"),
    )
)

_IPV4_MAPPED = ipaddress.ip_network("::ffff:0:0/96")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 ``address`` stands for when a connection to it reaches that IPv4
    address: IPv4-mapped (``::ffff:a.b.c.d``) and well-known-prefix NAT64 (``64:ff9b::a.b.c.d``);
    None otherwise (an IPv4 address, or any other IPv6 address)."""
    if isinstance(address, ipaddress.IPv6Address) and (address in _IPV4_MAPPED or address in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def non_public_reason(address: Address) -> str | None:
    """Why ``address`` is not a public unicast address ("loopback", "6to4 tunnel", ...), or None
    when it is public. An address carrying an IPv4 address (``embedded_ipv4``) gets that address's
    reason, prefixed with what carries it."""
    carried = embedded_ipv4(address)
    if carried is not None:
        reason = non_public_reason(carried)
        form = "IPv4-mapped" if address in _IPV4_MAPPED else "NAT64"
        return f"{form} {carried}, {reason}" if reason else None
    for network, reason in NON_PUBLIC_NETWORKS:
        if address.version == network.version and address in network:
            return reason
    if address.is_loopback:
        return "loopback"
    if address.is_multicast:
        return "multicast"
    if address.is_link_local:
        return "link-local"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "site-local (deprecated)"
    if address.is_private or address.is_unspecified or address.is_reserved or not address.is_global:
        return "private or reserved"
    return None


def is_public_address(address: Address) -> bool:
    """True when ``address`` is a public unicast address (``non_public_reason`` has nothing against it)."""
    return non_public_reason(address) is None


def is_allowed_address(address: str, private_networks_allowed: Iterable[AllowedNetwork] = (), *, port: int) -> bool:
    """True when Digest may connect to ``address`` (an IP string) on TCP ``port``.

    Public addresses are allowed on every port; any other address only when an entry of
    ``private_networks_allowed`` (``FetchOptions.private_networks_allowed``) contains it and allows
    ``port``. An IPv4-mapped IPv6 address matches the allow-list as the IPv4 address it carries.
    A string that is not an IP address is refused.
    """
    try:
        ip: Address = ipaddress.ip_address(address)
    except ValueError:
        return False
    if is_public_address(ip):
        return True
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(entry.allows(ip, port) for entry in private_networks_allowed)


def ports_allowed(address: str, private_networks_allowed: Iterable[AllowedNetwork]) -> tuple[int, ...]:
    """The ports the allow-list opens on ``address`` when every entry containing it names a port
    (sorted), else () (no entry contains it, or one allows every port). For messages only."""
    try:
        ip: Address = ipaddress.ip_address(address)
    except ValueError:
        return ()
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    entries = [e for e in private_networks_allowed if ip.version == e.network.version and ip in e.network]
    if not entries or any(e.port is None for e in entries):
        return ()
    return tuple(sorted({e.port for e in entries if e.port is not None}))
