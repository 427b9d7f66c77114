"""The article's title: the page's headline metadata, without the site's name or a section label."""

from __future__ import annotations

import re
from html import unescape

import lxml.html

from reader.extract.cleanup import WORD, clean_line
from reader.extract.metadata.jsonld import ld_text
from reader.extract.metadata.tags import first_text, squash

# " | ", " - ", " – ", " :: ", "_" and "Site: Headline" (a colon only with a space after it).
_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—·•»:]{1,2}\s+|\s*[|_]\s*|\s+::\s+|:\s+")


def find_title(
    tree: lxml.html.HtmlElement,
    meta: dict[str, str],
    article_ld: dict,
    h1: str,
    site_names: list[str],
) -> str:
    """The article's title.

    Inputs: the parsed page, its ``<meta>`` tags (``tags.meta_tags``), its article JSON-LD node
    (or ``{}``), the text of its first ``<h1>`` (or "") and the site's names
    (``tags.site_names``). Candidates, in order: JSON-LD ``headline``, ``og:title``,
    ``twitter:title``, ``<title>``; each loses the site's name (:func:`strip_site_name`). The
    first one that matches one of the page's first ``<h1>`` elements wins; else the first ``<h1>``
    that reads as the article's headline (:func:`_is_headline`); else the first candidate; with
    none, the ``<h1>``.
    """
    headline = ld_text(article_ld.get("headline")) if article_ld else ""
    raw = [
        headline,
        meta.get("og:title", ""),
        meta.get("twitter:title", ""),
        first_text(tree, "//title"),
    ]
    candidates = [c for c in (clean_line(unescape(r or "")) for r in raw) if c]
    cleaned = [strip_site_name(c, h1, site_names) for c in candidates]
    headlines = [t for t in (clean_line(el.text_content() or "") for el in tree.xpath("//h1")[:_MAX_H1]) if t]
    # The headline the reader sees (<h1>) wins when the page's metadata agrees with it.
    for heading in headlines or [h1]:
        for title in cleaned:
            if squash(heading) and squash(title) == squash(heading):
                return title
    # Metadata often carries a title written for search or sharing ("HS Roundup: …" for "High School
    # Roundup: …"); the headline on the page is the one a reader knows the article by.
    for heading in headlines:
        if _is_headline(heading, cleaned, candidates, site_names):
            return heading
    return cleaned[0] if cleaned else h1


# <h1> elements looked at: a page's first ones are its logo, its headline, a section's title.
_MAX_H1 = 3
# Words this long carry a headline's subject (shorter ones are "the", "for", "and").
_SUBJECT_WORD_CHARS = 4


def _is_headline(heading: str, titles: list[str], raw: list[str], site_names: list[str]) -> bool:
    """Whether an ``<h1>`` that matches none of the metadata titles is the article's headline: not the
    site's name (nor the part of a metadata title that names the site, "… | Kabar tentang Dunia
    Islam"), three words or more (a CJK heading: ten characters), and about the same subject as the
    metadata title (a word of four letters or more in common). A teaser's or a sidebar's ``<h1>``
    shares no such word."""
    key = squash(heading)
    if not key or not titles or any(key == squash(s) or (len(key) >= 5 and key in squash(s)) for s in site_names):
        return False
    for title in raw:
        pieces = [squash(p) for p in _TITLE_SEPARATORS.split(title)]
        if len(pieces) > 1 and key in pieces:
            return False
    if len(heading.split()) < 3 and len(heading) < 10:
        return False
    subject = {w.lower() for w in WORD.findall(heading) if len(w) >= _SUBJECT_WORD_CHARS}
    return bool(subject & {w.lower() for w in WORD.findall(titles[0]) if len(w) >= _SUBJECT_WORD_CHARS})


def strip_site_name(title: str, h1: str, site_names: list[str]) -> str:
    """Remove " | Site", " - Site", "Opinion | ", "_栏目" and similar from a page title.

    The headline itself may contain a dash ("Harbor Bridge Authority - Quarterly Toll Report"),
    so a part is only cut when it matches the site's name (og:site_name, publisher, domain),
    when the page's <h1> is the rest, or when it is a short label set off by a pipe or underscore.
    """
    squash_h1 = squash(h1)
    if squash_h1 and squash(title) == squash_h1:
        return title
    sites = {squash(s) for s in site_names if squash(s)}

    def is_site(piece: str) -> bool:
        sq = squash(piece)
        if not sq:
            return False
        if sq in sites:
            return True
        return len(piece.split()) <= 5 and any(len(s) >= 5 and (s in sq or sq in s) for s in sites)

    def parts(text: str) -> tuple[list[str], list[re.Match]]:
        seps = list(_TITLE_SEPARATORS.finditer(text))
        pieces, start = [], 0
        for m in seps:
            pieces.append(text[start : m.start()])
            start = m.end()
        pieces.append(text[start:])
        return pieces, seps

    pieces, seps = parts(title)
    while seps and is_site(pieces[-1]):
        title = title[: seps[-1].start()].strip()
        pieces, seps = parts(title)
    while seps and is_site(pieces[0]):
        title = title[seps[0].end() :].strip()
        pieces, seps = parts(title)
    if not seps:
        return title
    # The <h1> is a leading or trailing run of the title's pieces.
    if squash_h1 and len(squash_h1) >= 8 and not is_site(h1):
        for m in seps:
            head, tail = title[: m.start()].strip(), title[m.end() :].strip()
            if squash(head) == squash_h1:
                return head
            if squash(tail) == squash_h1:
                return tail
    # A trailing "| Section" or "_栏目", or a leading "Opinion |", is a label, not the headline.
    while seps and seps[-1].group().strip() in ("|", "_") and len(pieces[-1]) < len(title) / 2:
        title = title[: seps[-1].start()].strip()
        pieces, seps = parts(title)
    if seps and seps[0].group().strip() == "|" and len(pieces[0].split()) <= 2 and len(pieces[0]) < len(title) / 3:
        title = title[seps[0].end() :].strip()
    return title
