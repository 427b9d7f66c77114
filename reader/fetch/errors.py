"""``FetchError`` and the sentences it carries: why a fetch failed, for the pipeline and for people."""

from __future__ import annotations

import errno
import http.client
import logging
import ssl
from collections.abc import Iterator, Mapping

from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    IncompleteRead,
    InvalidChunkLength,
    NewConnectionError,
    ReadTimeoutError,
    SSLError,
)

from reader.fetch.urls import display_host

logger = logging.getLogger(__name__)

# http.client's limits on an answer (its _MAXHEADERS and _MAXLINE; private names, read once with
# the values of CPython 3.11-3.13 as fallback).
MAX_HEADERS: int = getattr(http.client, "_MAXHEADERS", 100)
MAX_LINE_BYTES: int = getattr(http.client, "_MAXLINE", 65536)
_UNREACHABLE = frozenset({errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.EHOSTDOWN})
# What a certificate check failure means, from OpenSSL's verify message (case-insensitive part).
_CERTIFICATE_PROBLEMS = (
    ("hostname mismatch", "it was issued for another name"),
    ("ip address mismatch", "it was issued for another address"),
    ("expired", "it has expired"),
    ("not yet valid", "it is not valid yet"),
    ("self-signed", "it is self-signed"),
    ("self signed", "it is self-signed"),
    ("unable to get local issuer", "it was issued by an authority Digest does not trust"),
    ("revoked", "it has been revoked"),
)


class FetchError(Exception):
    """Why a fetch failed, in a form the pipeline can store and act on.

    ``code``: short machine-readable reason ("timeout", "too_large", "http_404", "http_503",
    "private_address", "bad_url", "unsupported_type", "too_many_redirects", "connection",
    "dns", "blocked"); ``message``: a sentence a person can read, never an exception's text (that goes to the log);
    "bad_response" is an answer Digest does not accept; ``temporary``: True when
    retrying later may work (timeouts, connection and DNS errors, 408, 429, 5xx, bot walls);
    ``blocked``: True for a bot-check interstitial; ``retry_after``: seconds the server asked
    us to wait (Retry-After), if any.
    """

    def __init__(
        self,
        code: str,
        message: str,
        temporary: bool = False,
        blocked: bool = False,
        retry_after: float | None = None,
    ) -> None:
        # All fields in args, so the error pickles (Celery) and rebuilds whole.
        super().__init__(code, message, temporary, blocked, retry_after)
        self.code = code
        self.message = message
        self.temporary = temporary
        self.blocked = blocked
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"FetchError({self.code!r}, {self.message!r}, temporary={self.temporary})"


def status_error(status: int, headers: Mapping[str, str]) -> FetchError:
    """The error for a final answer with HTTP ``status`` outside 2xx/3xx (no bot wall in it).

    404, 410, 401, 403 and other 4xx are permanent; 408, 429 and 5xx temporary, with the
    server's Retry-After (from ``headers``, lower-case names) when it sent one.
    """
    retry_after = parse_retry_after(headers)
    code = f"http_{status}"
    if status == 404:
        return FetchError(code, "The page was not found (HTTP 404).")
    if status == 410:
        return FetchError(code, "The page has been removed from the site (HTTP 410).")
    if status == 401:
        return FetchError(code, "The page needs a login (HTTP 401).")
    if status == 403:
        return FetchError(code, "The site refused to give Digest the page (HTTP 403).")
    if status == 429:
        return FetchError(
            code,
            "The site is limiting requests (HTTP 429); Digest will try again later.",
            temporary=True,
            retry_after=retry_after,
        )
    if status == 408:
        return FetchError(code, "The site timed out (HTTP 408).", temporary=True)
    if status >= 500:
        return FetchError(
            code,
            f"The site had a server error (HTTP {status}); Digest will try again later.",
            temporary=True,
            retry_after=retry_after,
        )
    return FetchError(code, f"The site answered with an error (HTTP {status}).")


def blocked_error(vendor: str, headers: Mapping[str, str]) -> FetchError:
    """The temporary error for a bot wall by ``vendor`` ("Cloudflare", "a bot check"...)."""
    return FetchError(
        "blocked",
        f"The site showed a bot check ({vendor}) instead of the page; Digest will try again later.",
        temporary=True,
        blocked=True,
        retry_after=parse_retry_after(headers),
    )


def network_error(exc: BaseException, host: str | None, *, connect_timeout: float, read_timeout: float) -> FetchError:
    """The error for a failed connection, answer or body read (``exc`` from urllib3, http.client,
    ssl or the socket), as a sentence; the exception itself goes to the log, never to the message.

    ``host``: the host connected to, named in the message when known; the timeouts (seconds) are
    the ones that ran out, for the message. Temporary ("connection", "timeout"), except an answer
    over http.client's limits (more than ``MAX_HEADERS`` header lines, a line over ``MAX_LINE_BYTES``
    bytes): the same answer comes every time, so it is the permanent "bad_response".
    """
    logger.info("fetch from %s failed: %r", host or "the site", exc)
    host = display_host(host) if host else host
    causes = list(_causes(exc))
    where = f" to {host}" if host else ""
    site = f"The server at {host}" if host else "The site"

    def temporary(code: str, message: str) -> FetchError:
        return FetchError(code, message, temporary=True)

    # urllib3's NewConnectionError is a ConnectTimeoutError too, for backwards compatibility.
    if any(isinstance(c, ConnectTimeoutError) and not isinstance(c, NewConnectionError) for c in causes):
        return temporary("timeout", f"The connection{where} timed out after {connect_timeout:g} seconds.")
    if _find(causes, ReadTimeoutError, TimeoutError):
        return temporary("timeout", f"The site stopped sending data for {read_timeout:g} seconds.")
    verify = _find(causes, ssl.SSLCertVerificationError)
    if verify is not None or "CERTIFICATE_VERIFY_FAILED" in str(exc):
        reason = _certificate_problem(getattr(verify, "verify_message", "") or str(exc))
        named = f" for {host}" if host else ""
        return temporary("connection", f"The site's security certificate could not be verified{named}: {reason}.")
    if _find(causes, SSLError, ssl.SSLError):
        return temporary("connection", f"The secure (TLS) connection{where} could not be set up.")
    too_long = _find(causes, http.client.LineTooLong)
    if too_long is not None:
        line = "header line" if "header" in str(too_long) else "line"
        return FetchError(
            "bad_response",
            f"{site} sent a {line} longer than {MAX_LINE_BYTES // 1024} KB, which Digest does not accept.",
        )
    limit = _find(causes, http.client.HTTPException)
    if limit is not None and str(limit).startswith("got more than") and "headers" in str(limit):
        return FetchError(
            "bad_response",
            f"{site} sent more than {MAX_HEADERS} header lines, which Digest does not accept.",
        )
    if _find(causes, http.client.RemoteDisconnected):
        return temporary("connection", f"{site} closed the connection without answering.")
    if _find(causes, http.client.BadStatusLine):
        return temporary("connection", f"{site} did not answer in HTTP.")
    if _find(causes, InvalidChunkLength) or (
        _find(causes, http.client.IncompleteRead, IncompleteRead)
        and any(isinstance(c, ValueError) and "base 16" in str(c) for c in causes)
    ):
        return temporary("connection", "The site sent a damaged page (its chunked transfer encoding is malformed).")
    if _find(causes, http.client.IncompleteRead, IncompleteRead):
        return temporary("connection", "The site closed the connection before the whole page arrived.")
    if _find(causes, DecodeError):
        return temporary("connection", "The site sent a compressed page that could not be decompressed.")
    if _find(causes, ConnectionRefusedError):
        return temporary("connection", f"The connection{where} was refused.")
    if _find(causes, ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
        return temporary("connection", f"{site} broke off the connection.")
    unreachable = _find(causes, OSError)
    if unreachable is not None and getattr(unreachable, "errno", None) in _UNREACHABLE:
        return temporary("connection", f"{host or 'The site'} cannot be reached from here (no network route).")
    return temporary("connection", f"The connection{where} failed.")


def timeout_error(total_timeout: float) -> FetchError:
    """The temporary error for a fetch that used up its ``total_timeout`` seconds."""
    return FetchError(
        "timeout",
        f"The page took longer than {total_timeout:g} seconds to download.",
        temporary=True,
    )


def too_large_error(length: int | None, max_bytes: int) -> FetchError:
    """The permanent error for a body over ``max_bytes``; ``length``: its declared size, if known."""
    limit = _megabytes(max_bytes)
    if length is not None:
        return FetchError(
            "too_large",
            f"The file is {_megabytes(length)}, more than the {limit} limit.",
        )
    return FetchError("too_large", f"The page is larger than the {limit} limit.")


def unsupported_type_error(media_type: str) -> FetchError:
    """The permanent error for a body that is neither HTML nor PDF, declared as ``media_type``."""
    return FetchError(
        "unsupported_type",
        f"This link is {_describe_type(media_type)}, not a web page or a PDF.",
    )


def not_an_image_error(media_type: str, *, by_label: bool) -> FetchError:
    """The permanent error for an image download that is no accepted image: declared as another
    ``media_type`` (``by_label``, refused before the body is read), or bytes that are no image."""
    kinds = "a JPEG, PNG, GIF, WebP or AVIF image"
    if by_label:
        return FetchError("unsupported_type", f"This link is {_describe_type(media_type)}, not {kinds}.")
    return FetchError("unsupported_type", f"The file at this link is not {kinds}.")


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from a Retry-After header given in seconds (``headers``: lower-case names), or None."""
    value = headers.get("retry-after", "").strip()
    try:
        return max(float(value), 0.0) if value else None
    except ValueError:
        return None


def _describe_type(media_type: str) -> str:
    if not media_type:
        return "a file of unknown type"
    family = media_type.split("/", 1)[0]
    if family in ("audio", "video", "image", "font"):
        return f"{'an' if family in ('audio', 'image') else 'a'} {family} file ({media_type})"
    if any(word in media_type for word in ("zip", "tar", "rar", "7z", "gzip", "compressed")):
        return f"an archive ({media_type})"
    if media_type == "text/plain":
        return "plain text (text/plain)"
    return f"a file of type {media_type}"


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and everything it wraps: urllib3 keeps the cause in ``args`` or ``reason``, Python
    in ``__cause__``/``__context__``."""
    pending: list[BaseException] = [exc]
    seen: set[int] = set()
    while pending and len(seen) < 20:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        inner: list[object] = [*current.args, getattr(current, "reason", None), current.__cause__, current.__context__]
        pending.extend(e for e in inner if isinstance(e, BaseException))


def _find(causes: list[BaseException], *types: type[BaseException]) -> BaseException | None:
    return next((c for c in causes if isinstance(c, types)), None)


def _certificate_problem(verify_message: str) -> str:
    lowered = verify_message.lower()
    return next((reason for key, reason in _CERTIFICATE_PROBLEMS if key in lowered), "it is not trusted")
