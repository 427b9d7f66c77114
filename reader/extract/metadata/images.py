"""The article's top image: the page's OpenGraph/Twitter/JSON-LD image, else the article's first real ``<img>``.

Lazy-loading scripts (lazysizes, lozad, WordPress plugins, jQuery.lazyload) leave a placeholder in
``src`` (a 1×1 GIF, a ``data:`` URI, a "blank"/"spacer" file) and put the real image in an attribute
of their own (``data-src``, ``data-lazy-src``, ``data-original``...) or a ``srcset``; a page read
without running its scripts must take the image from there (:func:`img_source`).
"""

from __future__ import annotations

import itertools
import re
from urllib.parse import urljoin, urlsplit

import lxml.html

from reader.extract.metadata.jsonld import as_list

# Attributes lazy loaders keep the real image in, most common first.
_LAZY_SRC_ATTRS = (
    "data-src",
    "data-lazy-src",
    "data-original",
    "data-lazy",
    "data-url",
    "data-hi-res-src",
    "data-full-src",
    "data-echo",
)
_SRCSET_ATTRS = ("data-srcset", "data-lazy-srcset", "srcset")
# Without <article> or <main>, the element a blog template keeps the post in.
_POST_XPATH = (
    '//*[@itemprop="articleBody" or contains(concat(" ", normalize-space(@class), " "), " post-body ")'
    ' or contains(concat(" ", normalize-space(@class), " "), " entry-content ")'
    ' or contains(concat(" ", normalize-space(@class), " "), " post-content ")'
    ' or contains(concat(" ", normalize-space(@class), " "), " article-body ")]'
)
# The article's first images looked at; past these an image is not the lead.
_MAX_ARTICLE_IMAGES = 5


def find_top_image(tree: lxml.html.HtmlElement, meta: dict[str, str], article_ld: dict, url: str) -> str:
    """The absolute URL of the article's main image, or "".

    Inputs: the parsed page, its ``<meta>`` tags, its article JSON-LD node (or ``{}``, references
    already resolved) and its address (relative URLs are resolved against it). Candidates, in
    order: ``og:image`` (and its ``:url``/``:secure_url``), ``twitter:image``, JSON-LD ``image``,
    ``<link rel="image_src">``, then the first of the first ``_MAX_ARTICLE_IMAGES`` ``<img>`` inside
    ``<article>``, ``<main>`` or else a blog template's post element (``articleBody``,
    ``post-body``, ``entry-content``...) that has a real source (:func:`img_source`); ``data:``
    URLs, placeholders and unparsable ones are skipped.
    """
    candidates = [
        meta.get("og:image"),
        meta.get("og:image:url"),
        meta.get("og:image:secure_url"),
        meta.get("twitter:image"),
        meta.get("twitter:image:src"),
    ]
    if article_ld:
        for image in as_list(article_ld.get("image")):
            candidates.append(image.get("url") or image.get("contentUrl") if isinstance(image, dict) else image)
    candidates += tree.xpath('//link[@rel="image_src"]/@href')
    for value in candidates:
        if absolute := _absolute(value, url):
            return absolute
    # Only now: searching the tree costs more than reading the tags above.
    scope = tree.xpath("//article") or tree.xpath("//main") or tree.xpath(_POST_XPATH)
    if scope:
        for img in itertools.islice(scope[0].iter("img"), _MAX_ARTICLE_IMAGES):
            if absolute := _absolute(img_source(img), url):
                return absolute
    return ""


def _absolute(value: object, url: str) -> str:
    """``value`` as an absolute URL against ``url``; "" for a placeholder, a non-string or an unparsable one."""
    if not isinstance(value, str) or _is_placeholder(value):
        return ""
    try:
        return urljoin(url, value.strip())
    except ValueError:
        return ""


def img_source(img: lxml.html.HtmlElement) -> str:
    """The address of the picture an ``<img>`` shows once its page's scripts have run, or "".

    Input: an ``<img>`` element. Output: its lazy loader's attribute (``data-src`` and the others
    in ``_LAZY_SRC_ATTRS``) when one holds a real address; else ``src`` unless it is a placeholder
    (:func:`_is_placeholder`, or ``width``/``height`` of 1); else the widest candidate of its
    ``srcset``/``data-srcset`` or of the ``<source>`` elements of its ``<picture>``. Relative
    addresses are returned as written.
    """
    for attr in _LAZY_SRC_ATTRS:
        value = (img.get(attr) or "").strip()
        if value and not _is_placeholder(value):
            return value
    src = (img.get("src") or "").strip()
    if src and not _is_placeholder(src) and not (img.get("width") == "1" or img.get("height") == "1"):
        return src
    sets = [img.get(attr) for attr in _SRCSET_ATTRS]
    # lxml does not know <source> is empty, so the <img> may sit inside it, not beside it.
    picture = next(img.iterancestors("picture"), None)
    if picture is not None:
        sets += [source.get(attr) for source in picture.iter("source") for attr in _SRCSET_ATTRS]
    for srcset in sets:
        if best := widest_in_srcset(srcset or ""):
            return best
    return ""


def widest_in_srcset(srcset: str) -> str:
    """The candidate of a ``srcset`` value with the largest width (``800w``) or density (``2x``).

    Input: the attribute's value, e.g. ``"a-800.jpg 800w, a-1600.jpg 1600w"``. Output: that URL
    (``"a-1600.jpg"``), the first one when none has a descriptor, or "" for an empty value.
    Placeholders are skipped. Parsed as the HTML standard's srcset parser does, so a URL may hold
    commas (``w_800,h_600``): a URL runs to the next white space, and only a comma after its
    descriptors (or ending it) separates candidates.
    """
    best, best_size = "", -1.0
    i, n = 0, len(srcset)
    while i < n:
        while i < n and (srcset[i].isspace() or srcset[i] == ","):
            i += 1
        start = i
        while i < n and not srcset[i].isspace():
            i += 1
        candidate, descriptor = srcset[start:i], ""
        if candidate.endswith(","):
            candidate = candidate.rstrip(",")
        else:
            start = i
            while i < n and srcset[i] != ",":
                i += 1
            descriptor = srcset[start:i].strip()
        if not candidate or _is_placeholder(candidate):
            continue
        size = re.fullmatch(r"(\d+(?:\.\d+)?)([wx])", descriptor)
        # A width beats any density: 2x of an unknown width is no evidence against 1600w.
        value = float(size.group(1)) * (1 if size.group(2) == "w" else 1e-3) if size else 0.0
        if value > best_size:
            best, best_size = candidate, value
    return best


# Words a placeholder's file name is made of ("blank-1x1.gif", "lazy_placeholder.png", "spacer.gif");
# at least one of the first set, and nothing but these and numbers ("pixel-7-review.jpg" is a photo).
_PLACEHOLDER_WORDS = {"blank", "spacer", "placeholder", "transparent", "pixel", "lazy", "lazyload", "loading", "1x1"}
_PLACEHOLDER_FILLERS = {
    "img",
    "image",
    "gif",
    "png",
    "svg",
    "grey",
    "gray",
    "white",
    "clear",
    "trans",
    "load",
    "px",
    "s",
}


def _is_placeholder(value: str) -> bool:
    """A ``data:`` URI (or an ``about:``/``javascript:`` one), or a file whose name says it is a
    stand-in (``blank-1x1.gif``, ``spacer.png``, ``lazy-placeholder.svg``)."""
    value = value.strip()
    if not value or value.lower().startswith(("data:", "about:", "javascript:")):
        return True
    try:
        name = urlsplit(value).path.rsplit("/", 1)[-1].lower()
    except ValueError:
        return True
    words = [w for w in re.split(r"[-_.]+", name.rsplit(".", 1)[0]) if w and not w.isdigit()]
    return (
        bool(words)
        and bool(set(words) & _PLACEHOLDER_WORDS)
        and set(words) <= _PLACEHOLDER_WORDS | _PLACEHOLDER_FILLERS
    )
