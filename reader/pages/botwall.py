"""Bot walls: the one home of challenge-page detection, used by the fetcher and the extractor.

A bot wall (Cloudflare's "Just a moment...", DataDome, PerimeterX, Imperva, Sucuri, DDoS-Guard,
AWS WAF) answers instead of the page; retrying later may get the page. Three signals describe one:
its title (``CHALLENGE_TITLES``), substrings of its markup (``MARKERS``) and its wording
(``CHALLENGE_TEXT``). The rules:

* a page (any status) is a challenge page when two of the three signals are present and it shows at
  most ``MAX_CHALLENGE_WORDS`` words (``is_challenge_page``): Cloudflare adds its challenge-platform
  script to ordinary pages too, so a marker alone proves nothing on a 200 page, and an article
  *about* bot checks has far more words;
* an error answer (403, 429, 503) needs only one signal, or a vendor's own header
  (``bot_wall``): the status already says the page was withheld.

The fetcher calls ``bot_wall`` on every HTML answer; the extractor calls ``is_challenge_page`` on
the decoded page; both end in the same function for a 200 page, so they judge it the same way.
The marker lists merge what the fetcher and the extractor each knew before.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Mapping

from reader.pages.decoding import decode_html

# Lower-case substrings of challenge-page markup -> the vendor named in the error message.
# Plain substring search: a regex over a large page costs ~10 ms.
MARKERS: dict[str, str] = {
    "_cf_chl_opt": "Cloudflare",
    "cf_chl_": "Cloudflare",
    "cf-challenge": "Cloudflare",
    "challenge-platform": "Cloudflare",
    "challenge-running": "Cloudflare",
    "challenge-error-text": "Cloudflare",
    "cf-browser-verification": "Cloudflare",
    "captcha-delivery.com": "DataDome",
    "px-captcha": "PerimeterX",
    "_incapsula_resource": "Imperva",
    "sucuri_cloudproxy_js": "Sucuri",
    "ddos-guard": "DDoS-Guard",
    "awswafintegration": "AWS WAF",
    "hcaptcha-box": "a bot check",
}
CHALLENGE_TITLES = re.compile(
    r"^(just a moment\.*|attention required!?( \| cloudflare)?|checking your browser.*|"
    r"please wait\.*|one moment, please\.*|access denied|ddos-guard|security check|"
    r"verifying you are human.*|are you a robot\??|pardon our interruption\.*)$",
    re.IGNORECASE,
)
CHALLENGE_TEXT = re.compile(
    r"checking if the site connection is secure|checking your browser before accessing|"
    r"needs to review the security of your connection|enable javascript and cookies to continue|"
    r"verify(ing)? you are (a )?human|press (&|and) hold to confirm",
    re.IGNORECASE,
)
# A challenge page says a sentence or two; more words than this is an article (about bot checks).
MAX_CHALLENGE_WORDS = 400
# Error bodies are read only this far; a challenge page is a few kilobytes.
HEAD_BYTES = 64 * 1024
ERROR_STATUSES = frozenset({403, 429, 503})

# The title and the parts of a page a reader never sees (comments, scripts, styles, the title) are
# found by searching for an opener and then its closer, never with one lazy ``<x>.*?</x>`` pattern:
# that retries from every unclosed opener, so a page of ``<title>`` or ``<!--`` without closers costs
# time quadratic in its length (seconds for 64 KB), and these run on every page fetched or extracted.
_TITLE_OPEN = re.compile(r"<title\b", re.IGNORECASE)
_TITLE_CLOSE = re.compile(r"</title\s*>", re.IGNORECASE)
_HIDDEN_OPEN = re.compile(r"<!--|<(script|style|title)\b", re.IGNORECASE)
_HIDDEN_CLOSE = {kind: re.compile(rf"</{kind}\s*>", re.IGNORECASE) for kind in ("script", "style", "title")}
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"\s+")


def is_challenge_title(title: str) -> bool:
    """True when ``title`` (a page title, already stripped) is one a bot wall uses ("Just a moment...")."""
    return bool(CHALLENGE_TITLES.match(title.strip()))


def page_title(html: str) -> str:
    """The text of the first ``<title>`` of ``html``, entities decoded and spaces collapsed; "" if none.

    A ``<title>`` without a closing tag has no text. Time linear in ``len(html)``.
    """
    opener = _TITLE_OPEN.search(html)
    if opener is None:
        return ""
    start = html.find(">", opener.end())
    # The first title's closer is the first one after it: a later <title> has no other.
    closer = _TITLE_CLOSE.search(html, start + 1) if start >= 0 else None
    if closer is None:
        return ""
    return _SPACES.sub(" ", html_lib.unescape(html[start + 1 : closer.start()])).strip()


def visible_text(html: str) -> str:
    """The words a reader of ``html`` would see: tags, comments, the title, scripts and styles removed.

    An opener without its closer (``<!--``, ``<script>``...) stays as text, and so does a ``<`` with
    no ``>`` after it. Time linear in ``len(html)``.
    """
    return _SPACES.sub(" ", html_lib.unescape(_without_tags(_without_hidden(html)))).strip()


def _without_hidden(html: str) -> str:
    """``html`` with each comment and each script, style and title element replaced by a space."""
    parts: list[str] = []
    done = 0  # html[:done] is in parts
    pos = 0
    unclosed: set[str] = set()  # kinds with no closer after the point where one was last sought
    while (opener := _HIDDEN_OPEN.search(html, pos)) is not None:
        kind = (opener.group(1) or "--").lower()
        end = -1
        if kind not in unclosed:
            if kind == "--":
                close = html.find("-->", opener.end())
                end = close + 3 if close >= 0 else -1
            elif closer := _HIDDEN_CLOSE[kind].search(html, opener.end()):
                end = closer.end()
            if end < 0:
                # No closer after this opener means none after any later one of its kind either.
                unclosed.add(kind)
        if end < 0:
            pos = opener.start() + 1
            continue
        parts += [html[done : opener.start()], " "]
        done = pos = end
    parts.append(html[done:])
    return "".join(parts)


def _without_tags(text: str) -> str:
    """``text`` with each ``<...>`` replaced by a space; a ``<`` with no ``>`` after it is kept."""
    # Only the part up to the last ">" can hold a tag; a "<" after it would scan to the end in vain.
    cut = text.rfind(">") + 1
    return _TAG.sub(" ", text[:cut]) + text[cut:]


def is_challenge_page(html: str) -> bool:
    """True when the decoded page ``html`` is a bot-check interstitial rather than the page asked for.

    Two of the three signals (title, markup marker, wording) on a page of at most
    ``MAX_CHALLENGE_WORDS`` visible words. Never raises. The cheap checks (title and markers) run
    first; the visible text is computed only for pages that pass them.
    """
    by_title = is_challenge_title(page_title(html))
    by_markup = _marker_vendor(html.lower()) is not None
    if not (by_title or by_markup):
        return False
    text = visible_text(html)
    if len(text.split()) > MAX_CHALLENGE_WORDS:
        return False
    return by_title + by_markup + bool(CHALLENGE_TEXT.search(text)) >= 2


def bot_wall(status: int, headers: Mapping[str, str], body: bytes, charset: str | None = None) -> str | None:
    """The vendor of the bot wall an HTTP answer shows ("Cloudflare", "DataDome", "a bot check"...), or None.

    ``status``: the HTTP status; ``headers``: response headers with lower-case names; ``body``: the
    body bytes read so far (an error body may be cut at ``HEAD_BYTES``); ``charset``: the charset
    parameter of the Content-Type header, for decoding a 200 page. A vendor's challenge header
    decides on any status; an error status (``ERROR_STATUSES``) needs one signal in the first
    ``HEAD_BYTES``; any other status goes through ``is_challenge_page``. Never raises.
    """
    if headers.get("cf-mitigated", "").lower() == "challenge":
        return "Cloudflare"
    if headers.get("x-amzn-waf-action", "").lower() in ("challenge", "captcha"):
        return "AWS WAF"
    head = body[:HEAD_BYTES].decode("utf-8", "replace")
    lowered = head.lower()
    if status in ERROR_STATUSES:
        if "x-datadome" in headers:
            return "DataDome"
        vendor = _marker_vendor(lowered)
        if vendor:
            return vendor
        title = page_title(head)
        if is_challenge_title(title):
            return _title_vendor(title)
        return "a bot check" if CHALLENGE_TEXT.search(visible_text(head)) else None
    # The cheap look at the head first: an ordinary page has neither a challenge title nor a marker.
    title = page_title(head)
    if _marker_vendor(lowered) is None and not is_challenge_title(title):
        return None
    if is_challenge_page(decode_html(body, charset)):
        return _marker_vendor(lowered) or _title_vendor(title)
    return None


def _marker_vendor(lowered: str) -> str | None:
    for marker, vendor in MARKERS.items():
        if marker in lowered:
            return vendor
    return None


def _title_vendor(title: str) -> str:
    # "Just a moment..." and "Attention Required! | Cloudflare" are Cloudflare's own titles.
    lowered = title.lower()
    return "Cloudflare" if "moment" in lowered or "cloudflare" in lowered else "a bot check"
