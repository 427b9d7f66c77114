"""The fetcher against hostile servers and settings: every answer ends in a readable FetchError.

Servers run on 127.0.0.1 only (tests/httpserver.py, and ``RawServer`` below for answers no HTTP
library would send). Tests of refused addresses replace the connection pool with one that fails the
test, so a refusal is proved without any traffic, even when the code under test is wrong.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import logging
import re
import socket
import struct
import threading
import time
import types
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from reader import conf
from reader.fetch import client
from reader.fetch.addresses import NON_PUBLIC_NETWORKS, is_allowed_address, non_public_reason
from reader.fetch.client import FetchError, fetch_image
from reader.fetch.errors import MAX_HEADERS
from reader.fetch.options import AllowedNetwork, FetchOptions, parse_allowed_networks, parse_resolve
from tests.httpserver import HTTPTestServer, http_server_fixture  # noqa: F401

SETTINGS_FILE = Path(__file__).resolve().parent.parent / "config" / "settings.py"
HTML = {"Content-Type": "text/html; charset=utf-8"}
ARTICLE = "<html><head><title>T</title></head><body><p>" + "word " * 400 + "</p></body></html>"
# What a person must never read in an error: exception reprs and library internals.
TECHNICAL = re.compile(
    r"[A-Z][a-z]+[A-Z]\w*\(|\w+Error\b|\w+Exception\b|Errno|errno|0x[0-9a-f]|urllib3|http\.client|_ssl\.c"
    r"|\\x|\\r|<\w+[ .]|object at|\(\(|'\)"
)


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.DIGEST_PRIVATE_NETWORKS_ALLOWED = ["127.0.0.0/8"]
    settings.DIGEST_RESOLVE = {}
    settings.DIGEST_FETCH_TOTAL_TIMEOUT = 5.0


@pytest.fixture
def no_connections(monkeypatch):
    """Any connection attempt fails the test (the refusal must come before one)."""

    def refuse(**kwargs: Any) -> Any:
        raise AssertionError(f"the fetcher connected to {kwargs['address']}")

    monkeypatch.setattr(client, "connection_pool", refuse)


def fetch_error(url: str, options: FetchOptions | None = None) -> FetchError:
    with pytest.raises(FetchError) as info:
        client.fetch(url, options or conf.fetch_options())
    return info.value


def assert_readable(message: str) -> None:
    """A sentence (it may start with a host name or a scheme), full stop last, no exception repr
    or library detail."""
    assert message[:1].isalnum() and message.endswith("."), message
    assert not TECHNICAL.search(message), message
    assert len(message) < 300, message


class RawServer:
    """A TCP server on 127.0.0.1 that answers each connection with ``payload`` (sent as is, after
    reading the request), then closes it; ``reset`` closes with a TCP reset instead."""

    def __init__(self, payload: bytes, *, reset: bool = False) -> None:
        self.payload, self.reset = payload, reset
        self.connections = 0
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}/page"

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(2)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            with conn:
                conn.settimeout(2)
                try:
                    conn.recv(65536)
                    conn.sendall(self.payload)
                    if self.reset:
                        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                except OSError:
                    pass


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then closed)."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return int(sock.getsockname()[1])


def png_bytes(width: int = 1, height: int = 1) -> bytes:
    """A real PNG image of ``width`` x ``height`` black pixels (PNG spec: signature, IHDR, IDAT, IEND)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def load_settings(monkeypatch, **env: str) -> types.ModuleType:
    """config/settings.py run afresh with ``env`` set (a separate module; Django's settings stay)."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("settings_under_test", SETTINGS_FILE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- 1. the allow-list takes ports -----------------------------------------------------------------
@pytest.mark.parametrize(
    "entry, network, port",
    [
        ("127.0.0.0/8", "127.0.0.0/8", None),
        ("192.168.1.5", "192.168.1.5/32", None),
        ("192.168.1.5:8080", "192.168.1.5/32", 8080),
        ("10.0.0.0/8:443", "10.0.0.0/8", 443),
        ("10.1.2.3/8", "10.0.0.0/8", None),
        ("::1", "::1/128", None),
        ("fd00::/8", "fd00::/8", None),
        ("[::1]", "::1/128", None),
        ("[::1]:8080", "::1/128", 8080),
        ("[fd00::/8]:443", "fd00::/8", 443),
        (" 127.0.0.1:80 ", "127.0.0.1/32", 80),
    ],
)
def test_allow_list_entries_name_a_network_and_maybe_a_port(entry, network, port):
    assert parse_allowed_networks([entry]) == (AllowedNetwork(ipaddress.ip_network(network), port),)


@pytest.mark.parametrize(
    "entry, reason",
    [
        ("127.0.0.1:", "no port"),
        ("127.0.0.1:0", "1 to 65535"),
        ("127.0.0.1:70000", "1 to 65535"),
        ("127.0.0.1:http", "1 to 65535"),
        ("[::1]8080", "brackets"),
        ("[::1", "brackets"),
        ("example.com:80", "not an address or network"),
        ("::1:8080:", "not an address or network"),
    ],
)
def test_bad_allow_list_entries_are_refused_with_a_reason(entry, reason):
    with pytest.raises(ValueError, match=reason) as info:
        parse_allowed_networks([entry])
    assert str(info.value).startswith(repr(entry)) and not TECHNICAL.search(str(info.value))


def test_a_port_limits_an_entry_and_no_port_allows_every_port():
    networks = parse_allowed_networks(["127.0.0.1:8080", "[::1]:8443", "192.168.0.0/16"])
    assert is_allowed_address("127.0.0.1", networks, port=8080)
    assert not is_allowed_address("127.0.0.1", networks, port=6379)
    assert not is_allowed_address("127.0.0.2", networks, port=8080)
    assert is_allowed_address("::1", networks, port=8443)
    assert not is_allowed_address("::1", networks, port=8080)
    assert is_allowed_address("::ffff:127.0.0.1", networks, port=8080)  # judged as the IPv4 it carries
    assert all(is_allowed_address("192.168.7.7", networks, port=p) for p in (22, 80, 6379, 65535))
    assert is_allowed_address("93.184.215.14", networks, port=6379)  # public: every port


def test_an_allowed_address_on_another_port_is_refused_without_connecting(http_server, settings, monkeypatch):
    url = http_server.add("/", ARTICLE, headers=HTML)
    settings.DIGEST_PRIVATE_NETWORKS_ALLOWED = [f"127.0.0.1:{http_server.port}"]
    assert client.fetch(url, conf.fetch_options()).status == 200
    other = closed_port()
    monkeypatch.setattr(client, "connection_pool", lambda **kw: pytest.fail(f"connected to port {kw['port']}"))
    error = fetch_error(f"http://127.0.0.1:{other}/")
    assert error.code == "private_address" and not error.temporary
    assert f"only on port {http_server.port}, not on port {other}" in error.message
    assert_readable(error.message)


def test_a_redirect_to_another_port_of_an_allowed_address_is_refused(http_server, settings):
    # A page on the allowed port cannot send the fetcher to a local service on another one.
    other = closed_port()
    url = http_server.redirect("/out", f"http://127.0.0.1:{other}/admin")
    settings.DIGEST_PRIVATE_NETWORKS_ALLOWED = [f"127.0.0.1:{http_server.port}"]
    error = fetch_error(url)
    assert error.code == "private_address" and str(other) in error.message


def test_an_entry_without_a_port_allows_every_port(http_server, settings):
    settings.DIGEST_PRIVATE_NETWORKS_ALLOWED = ["127.0.0.1"]
    with HTTPTestServer() as second:
        for server in (http_server, second):
            assert client.fetch(server.add("/", ARTICLE, headers=HTML), conf.fetch_options()).status == 200


def test_the_settings_file_reads_ports_from_the_environment(monkeypatch):
    module = load_settings(monkeypatch, DIGEST_PRIVATE_NETWORKS_ALLOWED="127.0.0.1:8080,[::1]:8080,10.0.0.0/8")
    assert module.DIGEST_PRIVATE_NETWORKS_ALLOWED == parse_allowed_networks(
        ["127.0.0.1:8080", "[::1]:8080", "10.0.0.0/8"]
    )
    with pytest.raises(
        ImproperlyConfigured,
        match=r"DIGEST_PRIVATE_NETWORKS_ALLOWED .*'127\.0\.0\.1:99999'.*port must be a number from 1 to 65535",
    ):
        load_settings(monkeypatch, DIGEST_PRIVATE_NETWORKS_ALLOWED="127.0.0.1:99999")


# -- 2. special-purpose addresses are not public ----------------------------------------------------
REFUSED = [
    "2002::1", "2002:7f00:1::1", "2002:c0a8:101::1", "2002:808:808::1",  # 6to4, whole
    "fec0::1", "fec0:1::abcd",  # site-local
    "192.0.0.1", "192.0.0.8", "192.0.0.9", "192.0.0.10", "192.0.0.170",  # IETF protocol assignments
    "64:ff9b::7f00:1", "64:ff9b::a00:1", "64:ff9b::c0a8:101", "64:ff9b::a9fe:a9fe",  # NAT64 of private
    "64:ff9b:1::1", "64:ff9b:1::808:808",  # local-use NAT64
    "2001::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",  # IPv4-mapped private
    "::127.0.0.1", "::8.8.8.8", "::ffff:0:808:808",  # IPv4-compatible and -translated
    "100.64.0.1", "100.127.255.254", "198.18.0.1", "198.19.255.255", "240.0.0.1", "255.255.255.255",
    "192.88.99.1", "192.0.2.1", "198.51.100.1", "203.0.113.1", "0.0.0.0", "0.1.2.3",
    "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "224.0.0.1",
    "::1", "::", "fc00::1", "fd12:3456::1", "fe80::1", "ff02::1", "ff0e::1", "2001:db8::1", "3fff::1",
    "100::1", "5f00::1", "2001:10::1", "2001:20::1",
]  # fmt: skip
PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.215.14", "2606:4700:4700::1111", "2a00:1450:4001:80b::200e",
          "::ffff:8.8.8.8", "64:ff9b::808:808", "192.31.196.1", "100.63.255.255", "100.128.0.1"]  # fmt: skip


@pytest.mark.parametrize("address", REFUSED)
def test_special_purpose_addresses_are_refused(address):
    assert non_public_reason(ipaddress.ip_address(address))
    assert not is_allowed_address(address, port=80)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_stay_allowed(address):
    assert non_public_reason(ipaddress.ip_address(address)) is None
    assert is_allowed_address(address, port=443)


@pytest.mark.parametrize("address", ["2002:7f00:1::1", "fec0::1", "192.0.0.9", "64:ff9b::7f00:1", "2001::1"])
def test_the_fetcher_refuses_them_by_name_and_by_literal_without_connecting(settings, no_connections, address):
    settings.DIGEST_PRIVATE_NETWORKS_ALLOWED = []
    settings.DIGEST_RESOLVE = {"tunnel.example.com": address}
    literal = f"[{address}]" if ":" in address else address
    for url in ("http://tunnel.example.com/", f"http://{literal}/"):
        started = time.monotonic()
        error = fetch_error(url)
        assert error.code == "private_address" and not error.temporary, error.message
        assert time.monotonic() - started < 0.5
        assert_readable(error.message)


def test_an_embedded_loopback_is_not_allowed_by_the_loopback_entry(settings, no_connections):
    # NAT64 of 127.0.0.1 reaches the gateway's loopback, not ours: only the IPv4-mapped form is ours.
    networks = parse_allowed_networks(["127.0.0.0/8"])
    assert is_allowed_address("::ffff:127.0.0.1", networks, port=80)
    assert not is_allowed_address("64:ff9b::7f00:1", networks, port=80)
    assert not is_allowed_address("2002:7f00:1::1", networks, port=80)


def test_every_table_row_is_refused_and_names_why():
    for network, reason in NON_PUBLIC_NETWORKS:
        assert reason
        assert non_public_reason(network[0]) and non_public_reason(network[-1])


def test_the_refusal_says_why(settings, no_connections):
    settings.DIGEST_PRIVATE_NETWORKS_ALLOWED = []
    settings.DIGEST_RESOLVE = {"six.example.com": "2002:7f00:1::1"}
    error = fetch_error("http://six.example.com/")
    assert error.message == (
        "six.example.com (2002:7f00:1::1) is a private or reserved address (6to4 tunnel), which Digest does not fetch."
    )


# -- 3 and 4. broken answers give sentences ---------------------------------------------------------
HEAD_200 = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
BROKEN = {
    "closes mid-body": (HEAD_200 + b"Content-Length: 5000\r\n\r\n" + b"x" * 2067, "connection", True),
    "bad chunk size": (
        HEAD_200 + b"Transfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\nzz\r\nxx",
        "connection",
        True,
    ),
    "closes mid-chunk": (HEAD_200 + b"Transfer-Encoding: chunked\r\n\r\n100\r\n0123456789", "connection", True),
    "150 headers": (
        b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(150)) + b"Content-Length: 2\r\n\r\nok",
        "bad_response",
        False,
    ),
    "a 70 KB header line": (b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\nok", "bad_response", False),
    "no answer": (b"", "connection", True),
    "not HTTP": (b"SSH-2.0-OpenSSH_9.6\r\n", "connection", True),
    "bad gzip": (
        HEAD_200 + b"Content-Encoding: gzip\r\nContent-Length: 10\r\n\r\n0123456789",
        "connection",
        True,
    ),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_a_broken_answer_is_a_readable_error(name, caplog):
    payload, code, temporary = BROKEN[name]
    caplog.set_level(logging.INFO, logger="reader.fetch")
    with RawServer(payload) as server:
        error = fetch_error(server.url)
    assert (error.code, error.temporary) == (code, temporary), error.message
    assert_readable(error.message)
    # The technical detail is in the log, for whoever runs the server.
    assert any("failed:" in record.getMessage() for record in caplog.records)


def test_a_body_cut_short_says_so_and_logs_the_detail(caplog):
    caplog.set_level(logging.INFO, logger="reader.fetch")
    with RawServer(BROKEN["closes mid-body"][0]) as server:
        error = fetch_error(server.url)
    assert error.message == "The site closed the connection before the whole page arrived."
    assert "IncompleteRead(2067 bytes read" in caplog.text
    assert "IncompleteRead" not in error.message


def test_a_bad_chunked_body_says_so():
    with RawServer(BROKEN["bad chunk size"][0]) as server:
        error = fetch_error(server.url)
    assert "chunked" in error.message and error.temporary


def test_too_many_headers_is_permanent_with_a_reason(http_server):
    # tests/httpserver.py sends every header it is given: 150 of them here.
    headers = {**HTML, **{f"X-Header-{i}": str(i) for i in range(150)}}
    error = fetch_error(http_server.add("/many", ARTICLE, headers=headers))
    assert error.code == "bad_response" and not error.temporary
    assert (
        error.message
        == f"The server at 127.0.0.1 sent more than {MAX_HEADERS} header lines, which Digest does not accept."
    )
    assert len(http_server.requests) == 1  # asked once, not retried inside the fetch


def test_a_reset_connection_is_a_readable_error():
    with RawServer(b"HTTP/1.1 200 OK\r\nContent-Length: 900\r\n\r\nabc", reset=True) as server:
        error = fetch_error(server.url)
    assert error.temporary
    assert_readable(error.message)


def test_a_refused_connection_is_not_called_a_timeout():
    error = fetch_error(f"http://127.0.0.1:{closed_port()}/")
    assert error.message == "The connection to 127.0.0.1 was refused."
    assert error.code == "connection" and error.temporary


def test_an_unexpected_error_is_logged_not_shown(http_server, monkeypatch, caplog):
    def explode(**kwargs: Any) -> Any:
        raise RuntimeError("<urllib3.connection.HTTPConnection object at 0x7f00>: boom")

    monkeypatch.setattr(client, "connection_pool", explode)
    error = fetch_error(http_server.add("/", ARTICLE, headers=HTML))
    assert error.temporary
    assert_readable(error.message)
    assert "boom" in caplog.text


def test_every_error_of_the_fetch_suites_reads_as_a_sentence(http_server, settings):
    # The fetcher's other refusals, in one sweep.
    settings.DIGEST_FETCH_TOTAL_TIMEOUT = 1
    settings.DIGEST_FETCH_MAX_BYTES = 1000
    urls = [
        http_server.add("/404", "no", status=404, headers=HTML),
        http_server.add("/503", "busy", status=503, headers=HTML),
        http_server.add("/big", headers=HTML, size=50_000),
        http_server.add("/audio", headers={"Content-Type": "audio/mpeg"}, size=100),
        http_server.add("/mute", ARTICLE, headers=HTML, delay_s=5),
        http_server.redirect("/loop", "/loop"),
        http_server.redirect("/ftp", "ftp://files.example.com/a.zip"),
        "http://exa mple.com/",
        "http://example.com:99999/",
        "http://[::1/",
        "javascript:alert(1)",
        "http://localhost.invalid\x00/",
    ]
    for url in urls:
        with pytest.raises(FetchError) as info:
            client.fetch(url, conf.fetch_options())
        assert_readable(info.value.message)


# -- 5. several addresses for one host --------------------------------------------------------------
def test_resolve_entries_give_a_host_several_addresses_in_order():
    table = parse_resolve(["multi.example.com=127.0.0.3", "Multi.Example.COM.=[::1]", "other.example=10.0.0.1"])
    assert table == {"multi.example.com": ("127.0.0.3", "::1"), "other.example": ("10.0.0.1",)}
    assert parse_resolve({"a.example": "127.0.0.1, ::1", "b.example": ["10.0.0.1"]}) == {
        "a.example": ("127.0.0.1", "::1"),
        "b.example": ("10.0.0.1",),
    }
    assert parse_resolve(["bücher.example=127.0.0.1"]) == {"xn--bcher-kva.example": ("127.0.0.1",)}


@pytest.mark.parametrize(
    "entry, reason", [("nohost", "host=address"), ("a.example=wiki", "not an IP"), ("=1.2.3.4", "no host")]
)
def test_bad_resolve_entries_are_refused(entry, reason):
    with pytest.raises(ValueError, match=reason):
        parse_resolve([entry])


def test_the_settings_file_reads_several_addresses_for_one_host(monkeypatch):
    module = load_settings(
        monkeypatch,
        DIGEST_RESOLVE="multi.example.com=127.0.0.3,multi.example.com=127.0.0.1,one.example=::1",
    )
    assert module.DIGEST_RESOLVE == {"multi.example.com": ("127.0.0.3", "127.0.0.1"), "one.example": ("::1",)}
    with pytest.raises(ImproperlyConfigured, match="DIGEST_RESOLVE"):
        load_settings(monkeypatch, DIGEST_RESOLVE="multi.example.com=not-an-address")


@pytest.fixture
def recorded_connections(monkeypatch) -> Iterator[list[tuple[str, int]]]:
    """The (address, port) of every connection pool opened; 127.0.0.3 stands for a machine that is
    down: its connections go to a closed port on 127.0.0.1, so no traffic leaves 127.0.0.1."""
    real = client.connection_pool
    dead_port = closed_port()
    opened: list[tuple[str, int]] = []

    def recording(**kwargs: Any) -> Any:
        opened.append((kwargs["address"], kwargs["port"]))
        assert kwargs["address"] in ("127.0.0.1", "127.0.0.3"), kwargs["address"]
        if kwargs["address"] == "127.0.0.3":
            kwargs = {**kwargs, "address": "127.0.0.1", "port": dead_port}
        return real(**kwargs)

    monkeypatch.setattr(client, "connection_pool", recording)
    yield opened


def test_the_addresses_of_a_host_are_tried_in_order(http_server, settings, recorded_connections):
    url = http_server.add("/", ARTICLE, headers=HTML, host="multi.example.com")
    settings.DIGEST_RESOLVE = parse_resolve(["multi.example.com=127.0.0.3", "multi.example.com=127.0.0.1"])
    assert client.fetch(url, conf.fetch_options()).body == ARTICLE.encode()
    assert recorded_connections == [("127.0.0.3", http_server.port), ("127.0.0.1", http_server.port)]


def test_each_address_is_checked_against_the_allow_list(http_server, settings, recorded_connections):
    url = http_server.add("/", ARTICLE, headers=HTML, host="multi.example.com")
    settings.DIGEST_PRIVATE_NETWORKS_ALLOWED = [f"127.0.0.1:{http_server.port}"]
    settings.DIGEST_RESOLVE = parse_resolve(
        ["multi.example.com=10.0.0.1", "multi.example.com=127.0.0.3", "multi.example.com=127.0.0.1"]
    )
    assert client.fetch(url, conf.fetch_options()).status == 200
    assert recorded_connections == [("127.0.0.1", http_server.port)]  # 10.0.0.1 and 127.0.0.3 never tried


def test_a_host_whose_addresses_are_all_refused_is_refused(settings, no_connections):
    settings.DIGEST_PRIVATE_NETWORKS_ALLOWED = []
    settings.DIGEST_RESOLVE = parse_resolve(["multi.example.com=10.0.0.1", "multi.example.com=2002:a00:1::1"])
    assert fetch_error("http://multi.example.com/").code == "private_address"


# -- 6. lead images --------------------------------------------------------------------------------
def options() -> FetchOptions:
    return conf.fetch_options()


def test_an_image_is_downloaded_with_its_type(http_server):
    png = png_bytes(4, 4)
    url = http_server.add("/lead.png", png, headers={"Content-Type": "image/png"})
    assert fetch_image(url, options(), max_bytes=10_000) == (png, "image/png")
    assert http_server.requests[0].headers["accept"].startswith("image/")


@pytest.mark.parametrize("declared", ["application/octet-stream", "image/jpeg", ""])
def test_the_bytes_decide_the_image_type(http_server, declared):
    png = png_bytes()
    headers = {"Content-Type": declared} if declared else {}
    url = http_server.add("/img", png, headers=headers)
    assert fetch_image(url, options(), max_bytes=10_000) == (png, "image/png")


@pytest.mark.parametrize(
    "content_type, body",
    [
        ("text/html", ARTICLE.encode()),
        ("image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("image/png", b"<html><script>alert(1)</script></html>"),
        ("application/octet-stream", b"MZ\x90\x00 not an image"),
    ],
)
def test_what_is_not_an_image_is_refused(http_server, content_type, body):
    url = http_server.add("/img", body, headers={"Content-Type": content_type})
    with pytest.raises(FetchError) as info:
        fetch_image(url, options(), max_bytes=10_000)
    assert info.value.code == "unsupported_type" and not info.value.temporary
    assert_readable(info.value.message)


def test_an_image_over_the_cap_is_refused(http_server):
    big = png_bytes(200, 200)
    url = http_server.add("/big.png", big, headers={"Content-Type": "image/png"}, content_length=False)
    with pytest.raises(FetchError) as info:
        fetch_image(url, options(), max_bytes=len(big) - 1)
    assert info.value.code == "too_large"
    assert fetch_image(url, options(), max_bytes=len(big))[0] == big


def test_an_image_on_a_private_address_is_refused(settings, no_connections):
    settings.DIGEST_PRIVATE_NETWORKS_ALLOWED = []
    settings.DIGEST_RESOLVE = {"img.example.com": "169.254.169.254"}
    for url in ("http://img.example.com/x.png", "http://169.254.169.254/latest/meta-data/"):
        with pytest.raises(FetchError) as info:
            fetch_image(url, options(), max_bytes=10_000)
        assert info.value.code == "private_address"


def test_an_image_redirect_is_checked_like_a_page(http_server, settings):
    settings.DIGEST_PRIVATE_NETWORKS_ALLOWED = [f"127.0.0.1:{http_server.port}"]
    url = http_server.redirect("/img", f"http://127.0.0.1:{closed_port()}/secret.png")
    with pytest.raises(FetchError) as info:
        fetch_image(url, options(), max_bytes=10_000)
    assert info.value.code == "private_address"
