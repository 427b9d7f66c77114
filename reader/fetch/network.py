"""The network side of a fetch: name lookup, the connection pools, and the wall-clock watchdog.

Every connection goes to an address ``resolve_host`` returned and
``reader.fetch.addresses.is_allowed_address`` passed;
the urllib3 pools here connect to exactly that address, and register their sockets with a
``Watchdog`` that shuts them down when the fetch's time is up.
"""

from __future__ import annotations

import concurrent.futures
import ipaddress
import socket
import threading
from collections.abc import Mapping
from typing import Any

import urllib3

# Lookups run on a small pool so that a hung resolver cannot outlive the fetch's budget:
# the caller waits on the future with the time that is left.
dns_pool = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="digest-dns")


def resolve_host(host: str, port: int, resolve: Mapping[str, tuple[str, ...]]) -> list[str]:
    """Turn a host name into IP address strings, in the order to try them; the only name lookup
    the fetcher does.

    ``host``: an ASCII (punycode) host name or an IP literal; ``port``: the TCP port;
    ``resolve``: host -> addresses used instead of DNS, like ``curl --resolve``
    (``FetchOptions.resolve``). An IP literal is returned as is; a host listed in ``resolve`` gets
    its addresses in the order given; anything else goes to ``socket.getaddrinfo``. Raises
    ``socket.gaierror`` when the name does not resolve. Tests point example.* hosts at 127.0.0.1
    through ``resolve``.
    """
    host = host.strip("[]").rstrip(".").lower()
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    mapped = resolve.get(host)
    if mapped:
        return list(mapped)
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = str(sockaddr[0]).split("%", 1)[0]
        if address not in addresses:
            addresses.append(address)
    return addresses


class Watchdog:
    """Shuts down the sockets of a fetch when its wall-clock budget runs out.

    ``seconds``: the budget, counted from construction. ``fired`` turns True when it ran out;
    ``cancel()`` stops the timer when the fetch ends first.
    """

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._lock = threading.Lock()
        self._connections: list[Any] = []
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, connection: Any) -> None:
        """Shut ``connection`` (a urllib3 connection) down when the budget runs out, or now if it has."""
        with self._lock:
            self._connections.append(connection)
            if self.fired:
                self._shutdown(connection)

    def cancel(self) -> None:
        """Stop the timer; the sockets are left alone."""
        self._timer.cancel()

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            for connection in self._connections:
                self._shutdown(connection)

    @staticmethod
    def _shutdown(connection: Any) -> None:
        sock = getattr(connection, "sock", None)
        if sock is None:
            return
        try:
            # The base-class method leaves an SSL socket's state alone for the reading thread.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError:
            pass


class _WatchedHTTPPool(urllib3.HTTPConnectionPool):
    watchdog: Watchdog

    def _new_conn(self) -> Any:
        connection = super()._new_conn()
        self.watchdog.watch(connection)
        return connection


class _WatchedHTTPSPool(urllib3.HTTPSConnectionPool):
    watchdog: Watchdog

    def _new_conn(self) -> Any:
        connection = super()._new_conn()
        self.watchdog.watch(connection)
        return connection


def connection_pool(
    *,
    scheme: str,
    host: str,
    address: str,
    port: int,
    timeout: urllib3.Timeout,
    watchdog: Watchdog,
    ca_bundle: str,
) -> urllib3.HTTPConnectionPool:
    """A one-connection urllib3 pool to ``address`` (a checked IP) whose sockets ``watchdog`` watches.

    The pool's host is the checked IP: urllib3 connects there and nowhere else. For https, TLS gets
    the real ``host`` name for SNI and certificate verification through ``server_hostname``, with
    the CA certificates in the PEM file ``ca_bundle``.
    """
    pool: _WatchedHTTPPool | _WatchedHTTPSPool
    if scheme == "https":
        pool = _WatchedHTTPSPool(
            address,
            port,
            timeout=timeout,
            maxsize=1,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            ca_certs=ca_bundle,
            server_hostname=host,
        )
    else:
        pool = _WatchedHTTPPool(address, port, timeout=timeout, maxsize=1, retries=False)
    pool.watchdog = watchdog
    return pool
