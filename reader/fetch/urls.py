"""Read, check and canonicalize the URLs people paste, and the URLs the fetcher is sent to.

``check_url`` is the one URL check: the paste path (``parse_urls``) and the fetcher (every hop,
redirects included) both call it, so they accept and refuse the same URL shapes. The fetcher then
checks the addresses the host resolves to, which is a different question (``addresses.is_allowed_address``).
``parse_urls`` turns a pasted blob into checked URLs plus readable reasons for the rest;
``CheckedURL.canonical`` is the key used to find duplicate saves; ``site_of`` the domain to show;
``safe_image_url`` the image address a page may show, or nothing.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

import idna

from reader.fetch.addresses import non_public_reason
from reader.fetch.options import UrlPolicy

# The longest URL Digest keeps, in characters (as given and as its canonical key): the article's
# URL columns (reader.models) are this long, and so is what browsers and servers reliably handle.
MAX_URL_LENGTH = 2048
# The longest host name DNS can carry, in characters (RFC 1035 section 2.3.4: 255 octets on the
# wire, 253 written out); each label is at most 63 (``_LABEL``).
MAX_HOST_LENGTH = 253


class InvalidURL(ValueError):
    """A string that is not an http(s) URL Digest can save; ``str(exc)`` is a readable reason."""


@dataclass(frozen=True)
class CheckedURL:
    """A URL that passed ``check_url``.

    ``url``: the URL as given, stripped, with ``https://`` added when it had no scheme (what an
    article stores); ``scheme``: "http" or "https"; ``host``: the host in ASCII, lower-case, without
    a trailing dot (IDN hosts in punycode, an IPv6 literal without brackets, an IPv4 address in
    dotted-quad form even when written as one number, "http://2130706433/"); ``port``: the port
    given in the URL, or None.
    """

    url: str
    scheme: str
    host: str
    port: int | None

    @property
    def canonical(self) -> str:
        """The key under which two URLs count as the same saved article.

        The key has a lower-case scheme and host (IDN hosts in punycode), no default port, no user
        info, no trailing slash on the path, percent-encoding normalized, known tracking parameters
        (``TRACKING_PARAMS``, ``TRACKING_PARAM_PREFIXES``) removed, the remaining query sorted, and
        no plain ``#fragment`` (hash-bang ``#!`` and ``#/`` routes are kept, as single-page sites
        route on them). Raises InvalidURL for an IDN host the IDNA rules refuse.
        """
        return _canonical(self)


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
_SPLIT = re.compile(r"\s+|,+(?=\s*(?:[a-zA-Z][a-zA-Z0-9+.-]*://|www\.|javascript:|mailto:))")
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_TRAILING_PUNCTUATION = ".,;:!?\"'>]}"
_LEADING_PUNCTUATION = "<([{\"'"
_PERCENT = re.compile(r"%([0-9a-fA-F]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# C0 controls and DEL never belong in a URL (urlsplit would drop tabs and newlines silently, and a
# NUL byte cannot be stored in PostgreSQL); C1 controls are refused with them.
_URL_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# urlsplit's ValueError texts, as sentences.
_MALFORMED = (
    ("Port out of range", "the port must be a number from 1 to 65535"),
    ("Port could not be cast", "the port must be a number from 1 to 65535"),
    ("Invalid IPv6 URL", "an IPv6 address must be written in [brackets]"),
    ("does not appear to be an IPv4 or IPv6 address", "the address in [brackets] is not an IP address"),
)


def parse_urls(
    text: str | None, policy: UrlPolicy, *, duplicates: list[str] | None = None
) -> tuple[list[CheckedURL], list[tuple[str, str]]]:
    """Split pasted text into saveable URLs and rejected pieces; each piece is checked once.

    ``text``: anything pasted (URLs separated by spaces, newlines or commas); ``policy``: what
    ``check_url`` accepts. Returns ``(urls, errors)``: ``urls`` are the checked http(s) URLs in
    input order (``CheckedURL.url`` has ``https://`` added where the scheme was missing,
    ``CheckedURL.canonical`` is the duplicate key), duplicates (same canonical URL) dropped;
    ``errors`` are ``(piece, reason)`` pairs with a sentence a person can read. The pieces dropped as
    duplicates are appended to ``duplicates`` (as pasted) when it is given.
    """
    urls: list[CheckedURL] = []
    errors: list[tuple[str, str]] = []
    seen: set[str] = set()
    for raw in _SPLIT.split(text or ""):
        piece = _trim(raw)
        if not piece:
            continue
        try:
            checked = check_url(piece, policy)
            key = checked.canonical
        except InvalidURL as exc:
            errors.append((piece, str(exc)))
            continue
        if key not in seen:
            seen.add(key)
            urls.append(checked)
        elif duplicates is not None:
            duplicates.append(checked.url)
    return urls, errors


def check_url(url: str, policy: UrlPolicy) -> CheckedURL:
    """Check that ``url`` is an absolute http(s) URL Digest may save and fetch; ``https://`` is
    added if no scheme was given.

    ``policy``: see ``UrlPolicy``. Raises InvalidURL with a readable reason for other schemes, a
    missing or malformed host, whitespace in the host, a bad port, control characters anywhere, a
    URL over ``MAX_URL_LENGTH`` or a host over ``MAX_HOST_LENGTH`` characters. Two kinds of host are
    accepted only when the URL is written with its http(s) scheme, so that a plain word or number
    in a pasted text never becomes a link: a host without a dot (only where ``policy`` allows
    private networks: "http://wiki/page") and an IPv4 address written as numbers other than
    dotted-quad, which browsers read as an address ("http://2130706433/" is 127.0.0.1; WHATWG URL
    standard, IPv4 parser). Whitespace in the path is left for the HTTP client to percent-encode.
    Does not look the host up.
    """
    url = url.strip()
    if not url:
        raise InvalidURL("The address is empty.")
    if _URL_CONTROL.search(url):
        raise InvalidURL("The address contains control characters (such as a NUL byte or a tab).")
    scheme_match = _SCHEME.match(url)
    scheme = scheme_match.group(1).lower() if scheme_match else ""
    after = url[scheme_match.end() :] if scheme_match else url
    # "example.com:8080/x" and "localhost:3000" look like a scheme followed by a port.
    if scheme and (scheme in _DEFAULT_PORTS or after.startswith("//") or not after[:1].isdigit()):
        if scheme not in _DEFAULT_PORTS:
            raise InvalidURL(_scheme_reason(scheme))
    elif url.startswith("//"):
        url = "https:" + url
    else:
        url = "https://" + url
    explicit_scheme = scheme in _DEFAULT_PORTS
    if len(url) > MAX_URL_LENGTH:
        raise InvalidURL(f"The address is longer than {MAX_URL_LENGTH:,} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        why = next((reason for text, reason in _MALFORMED if text in str(exc)), "")
        raise InvalidURL(f"The address is malformed: {why}." if why else "The address is malformed.") from None
    if any(ch.isspace() for ch in parts.netloc):
        raise InvalidURL("A web address cannot contain spaces.")
    if port == 0:
        raise InvalidURL("The port number 0 is not valid.")
    hostname = parts.hostname or ""
    address = _ipv4_number(hostname) if explicit_scheme else None
    if address is not None:
        host = address
    else:
        # A host without a dot ("http://wiki/page", "http://localhost:8080/") is a machine on the
        # person's own network: only where the fetcher may reach one.
        host = _check_host(hostname, single_label_ok=explicit_scheme and policy.private_networks_allowed)
    return CheckedURL(url=url, scheme=parts.scheme.lower(), host=host, port=port)


def _canonical(checked: CheckedURL) -> str:
    parts = urlsplit(checked.url)
    scheme = checked.scheme
    host = _ascii_host(parts.hostname or "")
    netloc = f"[{host}]" if ":" in host else host
    if checked.port and checked.port != _DEFAULT_PORTS[scheme]:
        netloc += f":{checked.port}"
    path = _normalize_percent(_remove_dot_segments(parts.path or "/"))
    path = path.rstrip("/") or "/"
    query_pairs = [
        (name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(name)
    ]
    query = urlencode(sorted(query_pairs), quote_via=quote, safe="/:@!$'()*,;")
    fragment = parts.fragment if parts.fragment.startswith(("!", "/")) else ""
    canonical = urlunsplit((scheme, netloc, path, query, fragment))
    if len(canonical) > MAX_URL_LENGTH:
        raise InvalidURL(f"The address is longer than {MAX_URL_LENGTH:,} characters once encoded.")
    return canonical


# Host prefixes under which a site serves the same story: desktop, mobile and AMP editions.
EDITION_HOST_PREFIXES = ("www.", "m.", "mobile.", "amp.")
# AMP markers in a path ("/amp/2024/05/story", "/2024/05/story/amp", "story.amp.html") and a query.
_AMP_PATH = re.compile(r"^/amp(?=/)|/amp/?$|\.amp(?=\.html?$)", re.IGNORECASE)
_AMP_PARAMS = {("amp", ""), ("amp", "1"), ("amp", "true"), ("outputtype", "amp"), ("output", "amp")}


def edition_keys(url: str, policy: UrlPolicy) -> set[str]:
    """The canonical keys (``CheckedURL.canonical``) under which the same story may have been saved.

    ``url``'s own key, with http and https, under the bare host and under each of
    ``EDITION_HOST_PREFIXES`` ("www.", "m.", "mobile.", "amp."), and without AMP markers in its path
    or query ("/amp/…", "…/amp", "….amp.html", "?amp=1", "?outputType=amp"): at most 40 keys. Empty
    for a URL ``check_url`` refuses under ``policy``. Another port stays as it is.
    """
    try:
        parts = urlsplit(check_url(url, policy).canonical)
    except InvalidURL:
        return set()
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    for prefix in EDITION_HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host.removeprefix(prefix)
            break
    hosts = [host] if _is_address(host) or "." not in host else [host, *(p + host for p in EDITION_HOST_PREFIXES)]
    paths = {parts.path, _AMP_PATH.sub("", parts.path) or "/"}
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    plain = [(k, v) for k, v in pairs if (k.lower(), v.lower()) not in _AMP_PARAMS]
    queries = {parts.query, urlencode(plain, quote_via=quote, safe="/:@!$'()*,;")}
    return {
        urlunsplit((scheme, (f"[{h}]" if ":" in h else h) + port, path, query, parts.fragment))
        for scheme in ("http", "https")
        for h in hosts
        for path in paths
        for query in queries
    }


def safe_image_url(url: str | None, base: str, policy: UrlPolicy | None = None) -> str:
    """The address an image found on a page may be shown or downloaded from, or "" when it may not.

    ``url``: the image reference as the page gives it (relative, protocol-relative or absolute);
    ``base``: the page's URL, for relative references; ``policy``: the URL check's (``UrlPolicy()``,
    public hosts only, when None). Returns an absolute http or https URL that passed ``check_url``,
    without user info or fragment, with spaces, quotes, ``<``/``>`` and non-ASCII characters
    percent-encoded and the host in ASCII; "" for every other scheme (``javascript:``, ``data:``,
    ``file:``...), a reference that stays relative, an IP-literal host that is not public (unless
    ``policy`` allows private networks), or a result over ``MAX_URL_LENGTH`` characters. Does not
    look the host up: ``client.fetch_image`` checks the addresses when it downloads.
    """
    policy = policy or UrlPolicy()
    text = (url or "").strip()
    if not text or _URL_CONTROL.search(text):
        return ""
    try:
        absolute = urljoin(base or "", text)
        scheme = urlsplit(absolute).scheme.lower()
    except ValueError:
        return ""
    if scheme not in _DEFAULT_PORTS:
        return ""
    try:
        checked = check_url(absolute, policy)
        parts = urlsplit(checked.url)
    except (InvalidURL, ValueError):
        return ""
    if not policy.private_networks_allowed and _is_non_public_literal(checked.host):
        return ""
    netloc = f"[{checked.host}]" if ":" in checked.host else checked.host
    if checked.port and checked.port != _DEFAULT_PORTS[checked.scheme]:
        netloc += f":{checked.port}"
    # Quotes and angle brackets are encoded too, so the URL is inert in any attribute.
    path = quote(parts.path or "/", safe="/:@!$&()*+,;=%~")
    query = quote(parts.query, safe="/:@!$&()*+,;=%~?")
    result = urlunsplit((checked.scheme, netloc, path, query, ""))
    return result if len(result) <= MAX_URL_LENGTH else ""


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _is_non_public_literal(host: str) -> bool:
    try:
        return non_public_reason(ipaddress.ip_address(host)) is not None
    except ValueError:
        return False


def site_of(url: str) -> str:
    """The domain to show for ``url``: lower-case, Unicode for IDN hosts, without "www." and
    port ("https://www.Example.com:8080/x" -> "example.com"); "" when there is no host."""
    try:
        host = (urlsplit(url.strip() if "//" in url else "//" + url.strip()).hostname or "").rstrip(".")
    except ValueError:
        return ""
    if not host or any(ch.isspace() for ch in host):
        return ""
    return display_host(host.removeprefix("www."))


def display_host(host: str) -> str:
    """``host`` as a person reads it, for pages and error messages: an IDN host in Unicode
    ("xn--bcher-kva.example" -> "bücher.example"); any other host (an address, an ASCII name, a
    label the IDNA rules refuse) as it is."""
    if "xn--" not in host.lower():
        return host
    try:
        return idna.decode(host)
    except (idna.IDNAError, UnicodeError):
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


def _check_host(hostname: str, *, single_label_ok: bool = False) -> str:
    """The ASCII form of ``hostname`` (as ``urlsplit`` gives it), or InvalidURL with the reason."""
    if not hostname:
        raise InvalidURL("The address has no host name.")
    try:
        return str(ipaddress.ip_address(hostname))
    except ValueError:
        pass
    host = _ascii_host(hostname)
    if len(host) > MAX_HOST_LENGTH:
        raise InvalidURL(f"The host name is longer than {MAX_HOST_LENGTH} characters.")
    labels = host.split(".")
    if len(labels) < 2 and single_label_ok and _LABEL.match(host):
        return host
    if len(labels) < 2:
        raise InvalidURL(f"The host name {hostname!r} has no domain ending such as .com.")
    if not all(_LABEL.match(label) for label in labels):
        raise InvalidURL(f"The host name {hostname!r} is not valid.")
    tld = labels[-1]
    if not (tld.isalpha() or tld.startswith("xn--")):
        raise InvalidURL(f"The host name {hostname!r} does not end in a valid domain.")
    return host


def _ipv4_number(hostname: str) -> str | None:
    """The dotted-quad address of a host in the WHATWG IPv4 syntax that is not already dotted-quad
    ("2130706433", "0x7f.1", "127.1", "0177.0.0.1"), else None. Parts are decimal, octal (a
    leading 0) or hexadecimal (0x); the last part fills the remaining bytes."""
    parts = hostname.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    if not 1 <= len(parts) <= 4:
        return None
    numbers: list[int] = []
    for part in parts:
        if part[:2].lower() == "0x":
            digits, base = part[2:] or "0", 16
        elif len(part) > 1 and part.startswith("0"):
            digits, base = part[1:], 8
        else:
            digits, base = part, 10
        if not digits or not digits.isascii() or not digits.isalnum():
            return None
        try:
            numbers.append(int(digits, base))
        except ValueError:
            return None
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        return None
    value = numbers[-1] + sum(n << (8 * (3 - i)) for i, n in enumerate(numbers[:-1]))
    address = str(ipaddress.IPv4Address(value))
    return None if address == hostname else address


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
