"""Download one web page or PDF (``fetch``) or one image (``fetch_image``), treating the URL and the
server as hostile.

Each hop (the first request, every HTTP redirect, every meta-refresh or JavaScript redirect
stub) goes through the same steps: check the URL with ``reader.fetch.urls.check_url`` (the same
check a pasted link passes), resolve the host with ``network.resolve_host``, refuse non-public
addresses (``reader.fetch.addresses``) unless ``FetchOptions.private_networks_allowed`` lists them
for the hop's port, then connect with urllib3 to
exactly the address that was checked (TLS still sends SNI and verifies the certificate for the
host name), so a second DNS answer cannot rebind the name to an internal address.

Limits: connect and read timeouts, a wall-clock limit for the whole fetch enforced by a
watchdog that shuts the socket down (a server that drips bytes forever cannot hold a worker),
a size cap checked against Content-Length and while streaming (decompressed bytes count),
a redirect limit with loop detection, and a content-type check before the body is read
(``reader.pages.sniff``). Bot walls are recognised with ``reader.pages.botwall``. Every limit
comes from the ``FetchOptions`` passed in (``reader.conf.fetch_options()`` builds them).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import ipaddress
import logging
import socket
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import certifi
import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    HTTPError,
    LocationParseError,
    NewConnectionError,
)
from urllib3.util import make_headers, parse_url

from reader.fetch import errors
from reader.fetch.addresses import is_allowed_address, non_public_reason, ports_allowed
from reader.fetch.errors import FetchError
from reader.fetch.images import IMAGE_ACCEPT, IMAGE_SNIFF_BYTES, image_kind, may_be_image
from reader.fetch.network import Watchdog, connection_pool, dns_pool, resolve_host
from reader.fetch.options import FetchOptions
from reader.fetch.redirects import REDIRECT_STATUSES, location_target, stub_redirect
from reader.fetch.urls import MAX_URL_LENGTH, InvalidURL, check_url, display_host
from reader.pages.botwall import HEAD_BYTES, bot_wall
from reader.pages.compression import DecompressionError, gunzip, is_gzip
from reader.pages.sniff import (
    HTML_TYPES,
    KIND_MEDIA_TYPES,
    PDF_TYPES,
    SNIFF_BYTES,
    content_kind,
    may_be_page,
    parse_content_type,
)

logger = logging.getLogger(__name__)

_CHUNK_BYTES = 64 * 1024
# IPv6 addresses are often listed first but unreachable: a few of the checked ones are tried.
_ADDRESSES_TRIED = 3
# Error statuses whose body is read (up to HEAD_BYTES) to look for a bot wall.
_WALL_STATUSES = frozenset({401, 403, 429, 503})
# Answers some sites give a client that does not look like a browser (a firewall's 403, a 406 for
# the Accept header, a .NET site's 500): the page is asked for once more as a browser would.
_REFUSED_STATUSES = frozenset({403, 406, 500})


class _TryAgain(Exception):
    """The same request once more, with what the last answer showed was wrong changed."""


class _Undecodable(Exception):
    """urllib3 could not decompress the body the server labelled compressed."""


@dataclass(frozen=True)
class FetchedResponse:
    """A page or PDF that passed every check.

    ``url``: the URL asked for; ``final_url``: after HTTP, meta-refresh and JavaScript
    redirects; ``status``: HTTP status of the final response; ``content_type``: the media
    type Digest will treat the body as, lower-case ("text/html", "application/xhtml+xml" or
    "application/pdf"; a sniffed body gives the sniffed type); ``charset``: the charset
    parameter of the HTTP Content-Type header or None; ``headers``: final response headers with
    lower-case names (repeated headers joined with ", "); ``body``: the decompressed body bytes
    (at most ``FetchOptions.max_bytes``); ``elapsed``: seconds for the whole fetch;
    ``redirects``: the URLs passed through, in order, not counting ``final_url``.
    """

    url: str
    final_url: str
    status: int
    content_type: str
    charset: str | None
    headers: dict[str, str]
    body: bytes
    elapsed: float
    redirects: tuple[str, ...] = ()


def fetch(url: str, options: FetchOptions) -> FetchedResponse:
    """Download ``url`` and return the final page or PDF; raises FetchError only.

    ``url``: an http(s) URL (``https://`` is assumed without a scheme); ``options``: the limits
    and network settings (see ``FetchOptions``). Follows up to ``options.max_redirects``
    redirects (HTTP 3xx, and meta-refresh or JavaScript redirects on small stub pages), each hop
    checked like the first. Accepts HTML/XHTML and PDF (declared, or sniffed from the first
    bytes when the type is missing or generic); anything else fails with ``unsupported_type``
    before the body is read. The whole fetch, DNS included, ends within
    ``options.total_timeout`` seconds (plus a fraction of a second).

    Servers that get it wrong: a 403, 406 or 500 answer (no bot wall) is asked once more with
    ``options.browser_user_agent``; a body labelled ``Content-Encoding: gzip`` that does not
    decompress is asked once more without compression and read as it comes; a gzip body without
    that label (``reader.pages.compression``) is decompressed, within ``options.max_bytes``.
    """
    return _run(_Fetch(url, time.monotonic(), options))


def fetch_image(url: str, options: FetchOptions, max_bytes: int) -> tuple[bytes, str]:
    """Download the image at ``url`` through the same checks as ``fetch``; raises FetchError only.

    ``url``: an absolute http(s) URL (``reader.fetch.urls.safe_image_url`` gives one);
    ``options``: as for ``fetch`` (its ``max_bytes`` is replaced); ``max_bytes``: the largest image
    accepted, in bytes (decompressed). Returns ``(body, content_type)`` where ``content_type`` is
    the type the first bytes show, one of ``reader.fetch.images.IMAGE_TYPES`` (JPEG, PNG, GIF,
    WebP, AVIF; never SVG). Follows HTTP redirects only. A declared type that is not an accepted
    image ("unsupported_type") is refused before the body is read; so is a body whose bytes are no
    such image, whatever its label. Every address, port and time limit is checked as in ``fetch``.
    """
    capped = dataclasses.replace(options, max_bytes=max_bytes)
    response = _run(_Fetch(url, time.monotonic(), capped, image=True))
    return response.body, response.content_type


def _run(job: _Fetch) -> FetchedResponse:
    try:
        return job.run()
    except FetchError:
        raise
    except Exception as exc:  # the contract is FetchError only; the detail is for the log
        logger.exception("unexpected error fetching %r", job.url)
        raise FetchError(
            "connection",
            "The page could not be downloaded because of an unexpected error.",
            temporary=True,
        ) from exc


@dataclass
class _Target:
    url: str
    scheme: str
    host: str  # ASCII (punycode) host name or IP literal without brackets
    port: int
    request_uri: str

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


@dataclass
class _Fetch:
    url: str
    started: float
    options: FetchOptions
    image: bool = False  # an image for fetch_image instead of a page
    cookies: dict[str, dict[str, str]] = field(default_factory=dict)
    # Set once each, by an answer that needs it (see ``fetch``): a browser's User-Agent, and asking
    # for (and reading) the body uncompressed.
    browser: bool = False
    identity: bool = False

    # -- the loop over hops ------------------------------------------------------------------
    def run(self) -> FetchedResponse:
        target = self._target(self.url)
        watchdog = Watchdog(self.options.total_timeout)
        visited: list[str] = []
        seen: set[tuple[str, str]] = set()
        try:
            while True:
                # A loop is the same URL with the same cookies; a site may legitimately send us
                # back to the first URL once it has set a cookie.
                state = (target.url, repr(sorted(self.cookies.get(target.host, {}).items())))
                if state in seen:
                    raise FetchError(
                        "too_many_redirects",
                        f"The page redirects in a loop (back to {target.url}).",
                    )
                seen.add(state)
                if len(visited) > self.options.max_redirects:
                    raise FetchError(
                        "too_many_redirects",
                        f"The page redirected more than {self.options.max_redirects} times.",
                    )
                next_url, result = self._hop_until_answered(target, watchdog)
                if next_url is None:
                    assert result is not None
                    return FetchedResponse(
                        url=self.url,
                        final_url=target.url,
                        elapsed=time.monotonic() - self.started,
                        redirects=tuple(visited),
                        **result,
                    )
                visited.append(target.url)
                target = self._target(next_url, redirect=True)
        finally:
            watchdog.cancel()

    def _target(self, url: str, *, redirect: bool = False) -> _Target:
        """Check ``url`` (the paste path's check, under these options' policy) and build the request."""
        try:
            checked = check_url(url, self.options.url_policy)
            port = checked.port or (443 if checked.scheme == "https" else 80)
            # The request goes to the checked ASCII host; user info is dropped so credentials in
            # a pasted link are never sent anywhere. urllib3 percent-encodes the path.
            host = f"[{checked.host}]" if ":" in checked.host else checked.host
            parts = urlsplit(checked.url)
            parsed = parse_url(urlunsplit((checked.scheme, host, parts.path, parts.query, "")))
            clean = parsed._replace(port=checked.port)
        except InvalidURL as exc:
            if redirect:
                raise FetchError(
                    "bad_url", f"The page redirects to {url[:200]!r}, which Digest cannot fetch: {exc}"
                ) from None
            raise FetchError("bad_url", str(exc)) from None
        except (LocationParseError, ValueError, UnicodeError):
            what = "redirect address" if redirect else "address"
            raise FetchError("bad_url", f"The {what} {url[:200]!r} is not a valid web address.") from None
        if len(clean.url) > MAX_URL_LENGTH:
            # Percent-encoding can lengthen a URL that passed the check; it must still fit a row.
            raise FetchError("bad_url", f"The address is longer than {MAX_URL_LENGTH:,} characters once encoded.")
        return _Target(
            url=clean.url,
            scheme=checked.scheme,
            host=checked.host,
            port=port,
            request_uri=clean.request_uri,
        )

    def _hop_until_answered(self, target: _Target, watchdog: Watchdog) -> tuple[str | None, dict[str, Any] | None]:
        """``_hop``, asked again after an answer that calls for it (at most twice: each change is made once)."""
        while True:
            try:
                return self._hop(target, watchdog)
            except _TryAgain:
                continue

    def _hop(self, target: _Target, watchdog: Watchdog) -> tuple[str | None, dict[str, Any] | None]:
        """One request. Returns (next URL, None) for a redirect or (None, response fields); raises
        ``_TryAgain`` after changing what the next request sends."""
        pool, response = self._open(target, watchdog)
        try:
            return self._answer(target, watchdog, response)
        except _Undecodable:
            if self.identity:
                raise _undecodable_error(target) from None
            logger.info(
                "fetch from %s: the compressed body does not decompress; asking for it uncompressed", target.host
            )
            self.identity = True
            raise _TryAgain from None
        finally:
            response.close()
            pool.close()

    def _answer(self, target: _Target, watchdog: Watchdog, response: Any) -> tuple[str | None, dict[str, Any] | None]:
        """Read one answer: (next URL, None) for a redirect, or (None, response fields)."""
        headers = _lower_headers(response)
        self._keep_cookies(target, response)
        status = response.status
        if status in REDIRECT_STATUSES:
            location = headers.get("location", "").strip()
            if not location:
                raise FetchError(
                    f"http_{status}",
                    f"The server answered with a redirect (HTTP {status}) but no address.",
                )
            return location_target(location, target.url), None
        if status >= 300 or status < 200:
            error = self._status_error(status, headers, response, watchdog)
            if status in _REFUSED_STATUSES and not error.blocked and self._can_look_like_a_browser():
                self.browser = True
                raise _TryAgain
            raise error
        if self.image:
            return None, self._image(status, headers, response, watchdog)
        media_type, charset = parse_content_type(headers.get("content-type", ""))
        if not may_be_page(media_type):
            raise errors.unsupported_type_error(media_type)
        self._check_length(headers)
        body = b""
        if media_type not in HTML_TYPES and media_type not in PDF_TYPES:
            # A generic type: the first bytes decide, before the rest is downloaded.
            body = self._read(response, watchdog, SNIFF_BYTES, cap=False)
            if not is_gzip(body) and content_kind(media_type, body) is None:
                raise errors.unsupported_type_error(media_type)
        body += self._read(response, watchdog, self.options.max_bytes - len(body), cap=True)
        if is_gzip(body) and media_type not in PDF_TYPES:
            body = self._gunzip(body)
        elif self.identity and headers.get("content-encoding", "identity").strip().lower() != "identity":
            # Asked for uncompressed, still labelled compressed: the bytes are kept only when they
            # are plainly a page (the label is the server's bug), never undecoded binary.
            if content_kind("", body[:SNIFF_BYTES]) is None:
                raise _undecodable_error(target)
        kind = content_kind(media_type, body[:SNIFF_BYTES])
        if kind is None:  # cannot happen: every type read above has a kind
            raise errors.unsupported_type_error(media_type)
        if kind == "html" and not media_type.startswith("application/xhtml"):
            vendor = bot_wall(status, headers, body, charset)
            if vendor:
                raise errors.blocked_error(vendor, headers)
            refresh = stub_redirect(body, charset, target.url)
            if refresh:
                return refresh, None
        return None, {
            "status": status,
            "content_type": media_type if kind == "html" and media_type in HTML_TYPES else KIND_MEDIA_TYPES[kind],
            "charset": charset,
            "headers": headers,
            "body": body,
        }

    def _can_look_like_a_browser(self) -> bool:
        ua = self.options.browser_user_agent
        return bool(ua) and not self.browser and ua != self.options.user_agent and not self.image

    def _gunzip(self, body: bytes) -> bytes:
        """A gzip body sent without ``Content-Encoding``: the page inside it, within the size cap."""
        try:
            return gunzip(body, self.options.max_bytes)
        except DecompressionError as exc:
            if exc.too_large:
                raise errors.too_large_error(None, self.options.max_bytes) from None
            raise FetchError("bad_encoding", str(exc)) from None

    def _image(self, status: int, headers: dict[str, str], response: Any, watchdog: Watchdog) -> dict[str, Any]:
        """The response fields of an image answer: accepted type, within the size cap, bytes that are one."""
        media_type = parse_content_type(headers.get("content-type", ""))[0]
        if not may_be_image(media_type):
            raise errors.not_an_image_error(media_type, by_label=True)
        self._check_length(headers)
        # The first bytes decide before the rest is downloaded, whatever the label said.
        body = self._read(response, watchdog, IMAGE_SNIFF_BYTES, cap=False)
        kind = image_kind(body)
        if kind is None:
            raise errors.not_an_image_error(media_type, by_label=False)
        body += self._read(response, watchdog, self.options.max_bytes - len(body), cap=True)
        return {"status": status, "content_type": kind, "charset": None, "headers": headers, "body": body}

    # -- one request -------------------------------------------------------------------------
    def _open(self, target: _Target, watchdog: Watchdog) -> tuple[Any, Any]:
        """Send the GET to a checked address; returns (pool, response) with headers read."""
        addresses = self._checked_addresses(target)
        headers = {
            "Host": target.host_header,
            "User-Agent": self.options.browser_user_agent if self.browser else self.options.user_agent,
            "Accept": IMAGE_ACCEPT if self.image else self.options.accept,
            "Accept-Language": self.options.accept_language,
            "Accept-Encoding": "identity" if self.identity else make_headers(accept_encoding=True)["accept-encoding"],
            "Connection": "close",
        }
        cookies = self.cookies.get(target.host)
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        last_error: FetchError | None = None
        for address in addresses[:_ADDRESSES_TRIED]:
            remaining = self._remaining()
            timeout = urllib3.Timeout(
                connect=min(self.options.connect_timeout, remaining),
                read=min(self.options.read_timeout, remaining),
            )
            pool = connection_pool(
                scheme=target.scheme,
                host=target.host,
                address=address,
                port=target.port,
                timeout=timeout,
                watchdog=watchdog,
                ca_bundle=self.options.ca_bundle or certifi.where(),
            )
            try:
                return pool, pool.urlopen(
                    "GET",
                    target.request_uri,
                    headers=headers,
                    redirect=False,
                    retries=False,
                    preload_content=False,
                    # Asked for uncompressed after a body that would not decompress: read as it comes.
                    decode_content=not self.identity,
                    assert_same_host=False,
                    release_conn=False,
                )
            except (NewConnectionError, ConnectTimeoutError) as exc:
                pool.close()
                last_error = self._network_error(exc, target)
                if watchdog.fired:
                    break
            except (HTTPError, OSError) as exc:
                pool.close()
                raise self._network_error(exc, target) from None
        assert last_error is not None
        raise last_error

    def _checked_addresses(self, target: _Target) -> list[str]:
        future = dns_pool.submit(resolve_host, target.host, target.port, self.options.resolve)
        try:
            addresses = future.result(timeout=self._remaining())
        except concurrent.futures.TimeoutError:
            raise errors.timeout_error(self.options.total_timeout) from None
        except (socket.gaierror, UnicodeError) as exc:
            no_name = isinstance(exc, socket.gaierror) and exc.errno in (
                socket.EAI_NONAME,
                getattr(socket, "EAI_NODATA", socket.EAI_NONAME),
            )
            # No such name is an answer; any other failure may be the resolver's and pass.
            raise FetchError(
                "dns",
                f"The name {display_host(target.host)} could not be found"
                + (" (no such host)." if no_name else " (DNS lookup failed)."),
                temporary=not no_name,
            ) from None
        if not addresses:
            raise FetchError("dns", f"The name {display_host(target.host)} has no address.", temporary=True)
        networks = self.options.private_networks_allowed
        allowed = [a for a in addresses if is_allowed_address(a, networks, port=target.port)]
        if not allowed:
            first = addresses[0]
            shown = display_host(target.host)
            named = shown if target.host == first else f"{shown} ({first})"
            ports = ports_allowed(first, networks)
            if ports:
                listed = ", ".join(str(p) for p in ports)
                message = f"{named} may be fetched only on port {listed}, not on port {target.port}."
            else:
                try:
                    reason = non_public_reason(ipaddress.ip_address(first)) or "private or reserved"
                except ValueError:
                    reason = "not an address"
                message = f"{named} is a private or reserved address ({reason}), which Digest does not fetch."
            raise FetchError("private_address", message)
        return allowed

    # -- body --------------------------------------------------------------------------------
    def _check_length(self, headers: dict[str, str]) -> None:
        try:
            length = int(headers.get("content-length", "").strip() or -1)
        except ValueError:
            return
        # Content-Length counts compressed bytes, so it can only prove a body too large.
        if length > self.options.max_bytes:
            raise errors.too_large_error(length, self.options.max_bytes)

    def _read(self, response: Any, watchdog: Watchdog, limit: int, *, cap: bool) -> bytes:
        """Read at most ``limit`` more bytes, or to the end of the body.

        With ``cap`` a body longer than ``limit`` raises ``too_large``; without it the read
        just stops (sniffing, error pages). Raises ``timeout`` when the watchdog cut the
        download and ``connection`` when the server broke it off.
        """
        chunks: list[bytes] = []
        size = 0
        try:
            # With a cap, one byte past the limit proves the body too large.
            while (want := limit - size + (1 if cap else 0)) > 0:
                chunk = response.read1(min(_CHUNK_BYTES, want))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if self._remaining() <= 0:
                    raise errors.timeout_error(self.options.total_timeout)
        except FetchError:
            raise
        except DecodeError:
            raise _Undecodable from None
        except (HTTPError, OSError, ValueError) as exc:
            if watchdog.fired or self._remaining() <= 0:
                raise errors.timeout_error(self.options.total_timeout) from None
            raise self._network_error(exc, None) from None
        if watchdog.fired:
            raise errors.timeout_error(self.options.total_timeout)
        if cap and size > limit:
            raise errors.too_large_error(None, self.options.max_bytes)
        return b"".join(chunks)

    # -- errors ------------------------------------------------------------------------------
    def _status_error(self, status: int, headers: dict[str, str], response: Any, watchdog: Watchdog) -> FetchError:
        body = b""
        if status in _WALL_STATUSES or status >= 500:
            try:
                body = self._read(response, watchdog, HEAD_BYTES, cap=False)
            except (FetchError, _Undecodable):
                body = b""
        vendor = bot_wall(status, headers, body)
        if vendor:
            return errors.blocked_error(vendor, headers)
        return errors.status_error(status, headers)

    def _network_error(self, exc: BaseException, target: _Target | None) -> FetchError:
        if self._remaining() <= 0:
            return errors.timeout_error(self.options.total_timeout)
        return errors.network_error(
            exc,
            target.host if target else None,
            connect_timeout=self.options.connect_timeout,
            read_timeout=self.options.read_timeout,
        )

    def _remaining(self) -> float:
        return max(self.options.total_timeout - (time.monotonic() - self.started), 0.0)

    def _keep_cookies(self, target: _Target, response: Any) -> None:
        # Only name=value pairs, only for the same host, only for this fetch: enough for
        # sites that set a cookie and redirect back, without keeping state between fetches.
        for header in response.headers.getlist("set-cookie"):
            pair = header.split(";", 1)[0]
            if "=" in pair:
                name, value = pair.split("=", 1)
                if name.strip():
                    self.cookies.setdefault(target.host, {})[name.strip()] = value.strip()


def _undecodable_error(target: _Target) -> FetchError:
    logger.info("fetch from %s failed: a body labelled compressed that is neither compressed nor a page", target.host)
    return FetchError("connection", "The site sent a compressed page that could not be decompressed.", temporary=True)


def _lower_headers(response: Any) -> dict[str, str]:
    result: dict[str, str] = {}
    for name, value in response.headers.items():
        key = name.lower()
        result[key] = f"{result[key]}, {value}" if key in result else value
    return result
