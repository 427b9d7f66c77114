"""The next page of an article split over pages (``rel="next"``), for the fetcher to join.

Magazines split long features over ``?page=2``, ``/2/`` or ``-2.html``, with ``<link rel="next">``
in the head and a visible "Next page" link. The extractor only reads the address; fetching the
pages (through the fetcher's checks, up to a limit from settings) and joining their texts in order
is the fetch layer's job.

``rel="next"`` is not always a page of the same article: old WordPress themes put the next *post*
there, archives and comment threads page with it too. So a link counts only when its address is
the page's own with a page number added or changed (:func:`is_next_page`).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urljoin, urlsplit

import lxml.etree
import lxml.html

from reader.pages.decoding import decode_html
from reader.pages.sniff import HTML_TYPES
from reader.pages.text import strip_control_chars

# Query parameters that number the pages of one document.
_PAGE_PARAMS = {"page", "p", "pg", "pagina", "seite", "strona", "pagenum", "page_num", "start", "part"}
# What a path gains to name page N: "/2", "/page/2", "-2", "_2", "/seite-2"... before an optional
# extension or trailing slash.
_PAGE_SUFFIX = re.compile(r"[/_.-](?:(?:page|seite|pagina|p|part)[/_-]?)?(\d{1,3})$", re.IGNORECASE)
_EXTENSION = re.compile(r"\.(?:s?html?|php|aspx?|jsp)$", re.IGNORECASE)


def find_next_page(tree: lxml.html.HtmlElement, url: str) -> str:
    """The absolute address of the article's next page, or "".

    Inputs: the parsed page and its address. Candidates: ``<link rel="next">``, then
    ``<a rel="next">``; the first one :func:`is_next_page` accepts is returned.
    """
    # One walk over the links, <link> before <a> (the head's link is the page's own statement).
    found: dict[str, list[str]] = {"link": [], "a": []}
    for el in tree.iter("link", "a"):
        if "next" in (el.get("rel") or "").lower().split() and el.get("href"):
            found[el.tag].append(el.get("href") or "")
    for href in found["link"] + found["a"]:
        try:
            candidate = urljoin(url, href.strip())
        except ValueError:
            continue
        if is_next_page(url, candidate):
            return candidate
    return ""


def next_page_of(body: bytes, url: str, content_type: str, charset: str | None = None) -> str:
    """The next page of a fetched page, for the fetcher (``reader.fetch.multipage.fetch_pages``).

    Inputs: the page's bytes, its final address, its media type and the HTTP charset (or None).
    Output: :func:`find_next_page` of the page, or "" for a page that is not HTML or cannot be
    parsed. Never raises.
    """
    if content_type not in HTML_TYPES or not body:
        return ""
    try:
        html = strip_control_chars(decode_html(body, charset))
        tree = lxml.html.document_fromstring(html.encode("utf-8"), parser=_PARSER)
    except (lxml.etree.ParserError, ValueError, LookupError, UnicodeError):
        return ""
    return find_next_page(tree, url) if tree is not None else ""


# Only the links matter here: no comments, processing instructions or ids.
_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False, encoding="utf-8")


def is_next_page(current: str, candidate: str) -> bool:
    """Whether ``candidate`` is a later page of the document at ``current``.

    True when both are http(s) addresses on the same host and ``candidate`` is ``current`` with a
    page number added or raised: in a query parameter (``?page=2``, ``&p=3``; every other
    parameter the same) or at the end of the path (``/story/2/``, ``/story/page/2``,
    ``/story-2.html`` beside ``/story.html``; from page N, the same form with N + 1). Another
    story's address, another host, or a page number not above the current one is not. An
    address ending in a number (``/news/12``) next to ``/news/13`` passes as page 13: the
    fetcher's page limit bounds what such a site can add.
    """
    try:
        a, b = urlsplit(current), urlsplit(candidate)
    except ValueError:
        return False
    if a.scheme not in ("http", "https") or b.scheme not in ("http", "https"):
        return False
    if (a.hostname or "").removeprefix("www.") != (b.hostname or "").removeprefix("www.") or not b.hostname:
        return False
    here, there = dict(parse_qsl(a.query)), dict(parse_qsl(b.query))
    if a.path.rstrip("/") == b.path.rstrip("/") and a.query != b.query:
        changed = {k for k in here.keys() | there.keys() if here.get(k) != there.get(k)}
        if len(changed) != 1 or not changed <= _PAGE_PARAMS:
            return False
        (key,) = changed
        return there.get(key, "").isdigit() and int(there[key]) > int(here.get(key, "1") or 1)
    if a.query != b.query:
        return False
    here_path, here_ext = _split_extension(a.path.rstrip("/"))
    there_path, there_ext = _split_extension(b.path.rstrip("/"))
    if here_ext != there_ext or not there_path.strip("/"):
        return False
    there_number = _PAGE_SUFFIX.search(there_path)
    if there_number is None:
        return False
    there_base, number = there_path[: there_number.start()], int(there_number.group(1))
    if there_base == here_path:
        # From the first page: its own address with a page number (a home page's are not an article's).
        return number >= 2 and bool(here_path.strip("/"))
    here_number = _PAGE_SUFFIX.search(here_path)
    if here_number is None:
        return False
    # From page N: the same address with N + 1.
    return here_path[: here_number.start()] == there_base and number == int(here_number.group(1)) + 1


def _split_extension(path: str) -> tuple[str, str]:
    match = _EXTENSION.search(path)
    return (path[: match.start()], match.group().lower()) if match else (path, "")
