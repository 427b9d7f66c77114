"""Read, check and canonicalize the URLs people paste.

``parse_urls`` turns a pasted blob into http(s) URLs plus readable reasons for the rest;
``canonicalize_url`` gives the key used to find duplicate saves; ``site_of`` the domain to show.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import idna
from django.conf import settings


class InvalidURL(ValueError):
    """A string that is not an http(s) URL Digest can save; ``str(exc)`` is a readable reason."""


# Query parameters that only track the click, never choose the content. Drawn from the
# ClearURLs rules (https://gitlab.com/ClearURLs/rules), Firefox's query-stripping list and
# AdGuard's TrackParamFilter; kept conservative: anything a site might route on ("ref",
# "source", "id", "s") stays.
TRACKING_PARAM_PREFIXES = (
    "utm_",
    "pk_",
    "mtm_",
    "matomo_",
    "piwik_",
    "hsa_",
    "oly_",
    "vero_",
)
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "ysclid",
        "twclid",
        "ttclid",
        "igshid",
        "igsh",
        "li_fat_id",
        "epik",
        "rb_clickid",
        "wickedid",
        "srsltid",
        "mc_cid",
        "mc_eid",
        "mkt_tok",
        "_hsenc",
        "_hsmi",
        "__hssc",
        "__hstc",
        "__hsfp",
        "hsctatracking",
        "_openstat",
        "_ga",
        "_gl",
        "_branch_match_id",
        "_bta_tid",
        "_bta_c",
        "ncid",
        "ocid",
        "icid",
        "cmpid",
        "smid",
        "smtyp",
        "xtor",
        "at_medium",
        "at_campaign",
        "guccounter",
        "guce_referrer",
        "guce_referrer_sig",
        "ref_src",
        "ref_url",
        "s_cid",
        "trk",
        "trkcampaign",
        "cvid",
        "__twitter_impression",
    }
)

_DEFAULT_PORTS = {"http": 80, "https": 443}
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
# Commas split a pasted list only where a new address starts, since commas are legal in paths.
_SPLIT = re.compile(
    r"\s+|,+(?=\s*(?:[a-zA-Z][a-zA-Z0-9+.-]*://|www\.|javascript:|mailto:))"
)
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_TRAILING_PUNCTUATION = ".,;:!?\"'>]}"
_LEADING_PUNCTUATION = "<([{\"'"
_PERCENT = re.compile(r"%([0-9a-fA-F]{2})")
_UNRESERVED = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
)


def parse_urls(text: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Split pasted text into saveable URLs and rejected pieces.

    ``text``: anything pasted (URLs separated by spaces, newlines or commas). Returns
    ``(urls, errors)``: ``urls`` are http(s) URLs in input order, duplicates (same canonical
    URL) dropped, with ``https://`` added where the scheme was missing; ``errors`` are
    ``(piece, reason)`` pairs with a sentence a person can read.
    """
    urls: list[str] = []
    errors: list[tuple[str, str]] = []
    seen: set[str] = set()
    for raw in _SPLIT.split(text or ""):
        piece = _trim(raw)
        if not piece:
            continue
        try:
            url = check_url(piece)
            key = canonicalize_url(url)
        except InvalidURL as exc:
            errors.append((piece, str(exc)))
            continue
        if key not in seen:
            seen.add(key)
            urls.append(url)
    return urls, errors


def check_url(url: str) -> str:
    """Return ``url`` as an absolute http(s) URL, adding ``https://`` if no scheme was given.

    Raises InvalidURL with a readable reason for other schemes, a missing or malformed host,
    or a bad port. A host without a dot is accepted only with an explicit http(s) scheme and when
    ``DIGEST_PRIVATE_NETWORKS_ALLOWED`` is set. Does not look the host up.
    """
    url = url.strip()
    if not url:
        raise InvalidURL("The address is empty.")
    if any(ch.isspace() for ch in url):
        raise InvalidURL("A web address cannot contain spaces.")
    scheme_match = _SCHEME.match(url)
    scheme = scheme_match.group(1).lower() if scheme_match else ""
    after = url[scheme_match.end() :] if scheme_match else url
    # "example.com:8080/x" and "localhost:3000" look like a scheme followed by a port.
    if scheme and (
        scheme in _DEFAULT_PORTS or after.startswith("//") or not after[:1].isdigit()
    ):
        if scheme not in _DEFAULT_PORTS:
            raise InvalidURL(_scheme_reason(scheme))
    elif url.startswith("//"):
        url = "https:" + url
    else:
        url = "https://" + url
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidURL(f"The address is malformed ({exc}).") from None
    if port == 0:
        raise InvalidURL("The port number 0 is not valid.")
    # A host without a dot ("http://wiki/page", "http://localhost:8080/") is a machine on the
    # person's own network: only where the fetcher may reach one, and only written with its scheme,
    # so that a plain word in a pasted text never becomes a link.
    own_network = scheme in _DEFAULT_PORTS and bool(settings.DIGEST_PRIVATE_NETWORKS_ALLOWED)
    _check_host(parts.hostname or "", single_label_ok=own_network)
    return url


def canonicalize_url(url: str) -> str:
    """The key under which two URLs count as the same saved article.

    ``url``: an http(s) URL (``https://`` is assumed when no scheme is given). The key has a
    lower-case scheme and host (IDN hosts in punycode), no default port, no user info, no
    trailing slash on the path, percent-encoding normalized, known tracking parameters
    (``TRACKING_PARAMS``, ``TRACKING_PARAM_PREFIXES``) removed, the remaining query sorted,
    and no plain ``#fragment`` (hash-bang ``#!`` and ``#/`` routes are kept, as single-page
    sites route on them). Raises InvalidURL when ``url`` is not an http(s) URL.
    """
    url = check_url(url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = _ascii_host(parts.hostname or "")
    netloc = f"[{host}]" if ":" in host else host
    if parts.port and parts.port != _DEFAULT_PORTS[scheme]:
        netloc += f":{parts.port}"
    path = _normalize_percent(_remove_dot_segments(parts.path or "/"))
    path = path.rstrip("/") or "/"
    query_pairs = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not _is_tracking(name)
    ]
    query = urlencode(sorted(query_pairs), quote_via=quote, safe="/:@!$'()*,;")
    fragment = parts.fragment if parts.fragment.startswith(("!", "/")) else ""
    return urlunsplit((scheme, netloc, path, query, fragment))


def site_of(url: str) -> str:
    """The domain to show for ``url``: lower-case, Unicode for IDN hosts, without "www." and
    port ("https://www.Example.com:8080/x" -> "example.com"); "" when there is no host."""
    try:
        host = (
            urlsplit(url.strip() if "//" in url else "//" + url.strip()).hostname or ""
        ).rstrip(".")
    except ValueError:
        return ""
    if not host or any(ch.isspace() for ch in host):
        return ""
    host = host.removeprefix("www.")
    try:
        return idna.decode(host) if "xn--" in host else host
    except idna.IDNAError:
        return host


def _is_tracking(name: str) -> bool:
    key = name.lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PARAM_PREFIXES)


def _scheme_reason(scheme: str) -> str:
    if scheme == "javascript":
        return "javascript: links run code in a browser; only http and https pages can be saved."
    if scheme == "mailto":
        return "mailto: is an email address, not a web page."
    return f"{scheme}: addresses are not supported; only http and https pages can be saved."


def _ascii_host(host: str) -> str:
    host = host.rstrip(".").lower()
    if host.isascii():
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise InvalidURL(f"The host name {host!r} is not valid ({exc}).") from None


def _check_host(hostname: str, *, single_label_ok: bool = False) -> None:
    if not hostname:
        raise InvalidURL("The address has no host name.")
    try:
        ipaddress.ip_address(hostname)
        return
    except ValueError:
        pass
    host = _ascii_host(hostname)
    labels = host.split(".")
    if len(labels) < 2 and single_label_ok and _LABEL.match(host):
        return
    if len(labels) < 2:
        raise InvalidURL(
            f"The host name {hostname!r} has no domain ending such as .com."
        )
    if not all(_LABEL.match(label) for label in labels):
        raise InvalidURL(f"The host name {hostname!r} is not valid.")
    tld = labels[-1]
    if not (tld.isalpha() or tld.startswith("xn--")):
        raise InvalidURL(f"The host name {hostname!r} does not end in a valid domain.")


def _remove_dot_segments(path: str) -> str:
    # RFC 3986 section 5.2.4, on whole segments.
    output: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if len(output) > 1:
                output.pop()
        elif segment != ".":
            output.append(segment)
    if path.endswith(("/.", "/..")):
        output.append("")
    return "/".join(output) or "/"


def _normalize_percent(path: str) -> str:
    # One spelling per path for the key: escapes of unreserved characters decoded ("%7E" is
    # "~"), other escapes upper-cased, raw non-ASCII characters percent-encoded as UTF-8.
    path = _PERCENT.sub(_fix_escape, path)
    return quote(path, safe="/:@!$&'()*+,;=%~")


def _fix_escape(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else "%" + match.group(1).upper()


def _trim(piece: str) -> str:
    piece = piece.strip().lstrip(_LEADING_PUNCTUATION)
    while piece and piece[-1] in _TRAILING_PUNCTUATION + ")":
        # A closing parenthesis belongs to the URL when it closes one inside it (Wikipedia).
        if piece[-1] == ")" and piece.count("(") >= piece.count(")"):
            break
        piece = piece[:-1]
    return piece
