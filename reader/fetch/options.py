"""The settings of the fetcher and of the URL check, as values passed in (``reader.conf`` builds them).

Also the two parsers of the settings that need more than a type: the private-network allow-list
(``parse_allowed_networks``) and the name table (``parse_resolve``); ``config/settings.py`` runs them
on the environment and ``reader.conf`` on whatever the settings hold, so a bad entry fails loudly
at start-up and tests may assign plain strings.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import idna

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_MAX_PORT = 65535


@dataclass(frozen=True)
class AllowedNetwork:
    """One entry of the private-network allow-list: a network, limited to one TCP port or not.

    ``network``: the addresses (a single address is a /32 or /128 network); ``port``: the only
    port allowed on them (1-65535), or None for every port. Written as in the settings
    (``parse_allowed_networks``): ``127.0.0.0/8``, ``192.168.1.5:8080``, ``10.0.0.0/8:443``,
    ``fd00::/8``, ``[::1]:8080``, ``[fd00::/8]:443``.
    """

    network: Network
    port: int | None = None

    def allows(self, address: Address, port: int) -> bool:
        """True when ``address`` is in the network and ``port`` (TCP) is the entry's port, if it has one."""
        return (
            address.version == self.network.version
            and address in self.network
            and (self.port is None or self.port == port)
        )

    def __str__(self) -> str:
        if self.port is None:
            return str(self.network)
        if self.network.version == 6:
            return f"[{self.network}]:{self.port}"
        return f"{self.network}:{self.port}"


@dataclass(frozen=True)
class UrlPolicy:
    """What ``reader.fetch.urls.check_url`` accepts beyond public web addresses.

    ``private_networks_allowed``: True when the fetcher may reach some private network (the
    ``DIGEST_PRIVATE_NETWORKS_ALLOWED`` setting lists at least one); then a host name without a
    dot ("http://wiki/page", "http://localhost:8080/") names a machine there and is accepted,
    when written with its http(s) scheme.
    """

    private_networks_allowed: bool = False


@dataclass(frozen=True)
class FetchOptions:
    """How ``reader.fetch.client.fetch`` downloads a page. The defaults are the settings' defaults.

    ``user_agent``: the User-Agent header sent. ``connect_timeout``: seconds to open one TCP (and
    TLS) connection. ``read_timeout``: seconds the server may stay silent while sending.
    ``total_timeout``: seconds for the whole fetch, name lookups and redirects included (a
    watchdog enforces it). ``max_bytes``: the most body bytes read, counted after decompression.
    ``max_redirects``: HTTP, meta-refresh and JavaScript redirects followed, at most.
    ``ca_bundle``: path of a PEM file of trusted CA certificates; None for certifi's bundle.
    ``private_networks_allowed``: networks (each on every port or on one) the fetcher may connect
    to although they are not public (``reader.fetch.addresses``); build them with
    ``parse_allowed_networks``. ``resolve``: lower-case ASCII host name -> the IP addresses to use
    instead of DNS for it, tried in order (like ``curl --resolve``); build it with ``parse_resolve``.
    ``accept`` and ``accept_language``: the Accept and Accept-Language headers of a page request.
    ``browser_user_agent``: the User-Agent of one more try after a 403, 406 or 500 answer to
    ``user_agent`` ("" for none). ``max_pages``: the most pages of one article
    ``reader.fetch.multipage.fetch_pages`` fetches (1: only the first).
    """

    user_agent: str = "Mozilla/5.0 (compatible; Digest/1.0; +https://github.com/digest-reader)"
    accept: str = "text/html,application/xhtml+xml,application/pdf;q=0.9,*/*;q=0.5"
    accept_language: str = "en-US,en;q=0.9,*;q=0.5"
    browser_user_agent: str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    max_pages: int = 5
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_timeout: float = 30.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    ca_bundle: str | None = None
    private_networks_allowed: tuple[AllowedNetwork, ...] = ()
    resolve: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A bare network or a string here would fail only when a private address is met, deep in
        # a fetch: refuse it at once and name the parser to use.
        if not all(isinstance(entry, AllowedNetwork) for entry in self.private_networks_allowed):
            raise TypeError("private_networks_allowed takes AllowedNetwork values (see parse_allowed_networks).")
        if not all(isinstance(addresses, tuple) for addresses in self.resolve.values()):
            raise TypeError("resolve maps host names to tuples of addresses (see parse_resolve).")

    @property
    def url_policy(self) -> UrlPolicy:
        """The URL check that goes with these options: dotless host names only where a private
        network may be reached."""
        return UrlPolicy(private_networks_allowed=bool(self.private_networks_allowed))


def parse_allowed_networks(entries: Iterable[str | Network | AllowedNetwork]) -> tuple[AllowedNetwork, ...]:
    """The allow-list from the ``DIGEST_PRIVATE_NETWORKS_ALLOWED`` entries, in order.

    ``entries``: strings as in the setting (an address or CIDR network, optionally followed by
    ``:port``; IPv6 in brackets when a port follows: ``[::1]:8080``), ``ipaddress`` networks (every
    port) or ``AllowedNetwork`` values; blank strings are skipped. Host bits are allowed
    (``10.1.2.3/8`` is ``10.0.0.0/8``). Raises ValueError with a readable reason for anything else.
    """
    result: list[AllowedNetwork] = []
    for entry in entries:
        if isinstance(entry, AllowedNetwork):
            result.append(entry)
        elif isinstance(entry, ipaddress.IPv4Network | ipaddress.IPv6Network):
            result.append(AllowedNetwork(entry))
        elif str(entry).strip():
            result.append(_parse_allowed_network(str(entry).strip()))
    return tuple(result)


def _parse_allowed_network(text: str) -> AllowedNetwork:
    network_text, port_text = text, ""
    if text.startswith("["):
        network_text, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError(
                f"{text!r} is not an address or network; write IPv6 in brackets before a port: [::1]:8080."
            )
        port_text = rest[1:] if rest else ""
        if rest and not port_text:
            raise ValueError(f"{text!r} has no port after the colon.")
    elif text.count(":") == 1:
        # One colon: an IPv4 address or network and a port. More colons: an IPv6 address.
        network_text, port_text = text.split(":")
        if not port_text:
            raise ValueError(f"{text!r} has no port after the colon.")
    try:
        network = ipaddress.ip_network(network_text, strict=False)
    except ValueError:
        raise ValueError(
            f"{text!r} is not an address or network (examples: 10.0.0.0/8, 192.168.1.5:8080, [::1]:8080)."
        ) from None
    if not port_text:
        return AllowedNetwork(network)
    if not port_text.isascii() or not port_text.isdigit() or not 1 <= int(port_text) <= _MAX_PORT:
        raise ValueError(f"{text!r}: the port must be a number from 1 to {_MAX_PORT}.")
    return AllowedNetwork(network, int(port_text))


def parse_resolve(entries: Iterable[str] | Mapping[str, str | Iterable[str]]) -> dict[str, tuple[str, ...]]:
    """The name table of ``DIGEST_RESOLVE``: host -> IP addresses, tried in the order given.

    ``entries``: ``host=address`` strings as in the setting, where a host given several times gets
    each of its addresses in turn (``wiki.home=192.168.1.5,wiki.home=fd00::5``, the way ``curl
    --resolve`` takes several); or a mapping host -> one address, several separated by commas, or a
    list of addresses. Host names are matched without case and trailing dot (IDN names in
    punycode); IPv6 addresses may be written with or without brackets. Raises ValueError with a
    readable reason for an entry without ``=`` or an address that is not an IP address.
    """
    pairs: list[tuple[str, str]] = []
    if isinstance(entries, Mapping):
        for host, value in entries.items():
            addresses = value.split(",") if isinstance(value, str) else list(value)
            pairs.extend((str(host), str(address)) for address in addresses)
    else:
        for entry in entries:
            if not entry.strip():
                continue
            host, equals, address = entry.partition("=")
            if not equals:
                raise ValueError(f"{entry.strip()!r} is not a host=address pair.")
            pairs.append((host, address))
    table: dict[str, tuple[str, ...]] = {}
    for host, address in pairs:
        name = _resolve_key(host)
        text = address.strip().strip("[]")
        if not text:
            continue
        try:
            ip = str(ipaddress.ip_address(text))
        except ValueError:
            raise ValueError(f"{host.strip()}={address.strip()}: {address.strip()!r} is not an IP address.") from None
        if ip not in table.get(name, ()):
            table[name] = (*table.get(name, ()), ip)
    return table


def _resolve_key(host: str) -> str:
    name = host.strip().rstrip(".").lower()
    if not name:
        raise ValueError("A DIGEST_RESOLVE entry has no host name before '='.")
    if name.isascii():
        return name
    try:
        return idna.encode(name, uts46=True).decode("ascii")
    except idna.IDNAError:
        raise ValueError(f"{host.strip()!r} is not a valid host name.") from None
