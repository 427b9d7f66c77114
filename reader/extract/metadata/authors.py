"""The article's authors: JSON-LD ``author``, then author ``<meta>`` tags, then a byline in the page."""

from __future__ import annotations

import re
from html import unescape

import lxml.html

from reader.extract.cleanup import clean_line
from reader.extract.metadata.jsonld import as_list
from reader.extract.metadata.tags import squash

_NOT_A_NAME = re.compile(
    r"@|https?:|www\.|\.com\b|\bemail\b|\be-mail\b|\bfollow\b|\bcontact\b|\brss\b|\bstaff\b|"
    r"\bsubscribe\b|\bnewsletter\b|\btwitter\b|\bfacebook\b|\bview all\b|\bmore (from|by)\b|\bposts?\b|"
    r"\b(editor|writer|reporter|correspondent|contributor|columnist|producer|photographer)s?\b",
    re.IGNORECASE,
)
_BY_PREFIX = re.compile(
    r"^\s*(?:(?:analysis|opinion|commentary|story|text|words|written|posted|reporting)\s+)?"
    r"(by|von|par|por|di|door|av|af|מאת|بقلم|автор)\s*[:\-]?\s+",
    re.IGNORECASE,
)
# Academic and professional credentials after a comma ("Jane Doe, MS, RDN").
_CREDENTIAL = re.compile(r"^(?:[A-Z]{2,5}|Ph\.?D\.?|M\.?D\.?|Jr\.?|Sr\.?|I{2,3}|IV)$")
_DATE_WORD = re.compile(
    r"\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|"
    r"june|july|august|september|october|november|december|updated|published)\b.*$",
    re.IGNORECASE,
)
# Case-sensitive: "Bruce Y. Lee" is one person; "Marsh and Ngata", "Marsh y Ngata" are two.
_NAME_SPLIT = re.compile(r"\s*(?:,|&|;|\|)\s*|\s+(?:and|AND|And|und|UND|et|ET|y|e)\s+")
# <meta> names that carry an author, most specific first.
_AUTHOR_META_KEYS = ("author", "article:author", "dc.creator", "parsely-author", "sailthru.author", "byl")
# Elements that hold a byline.
_BYLINE_XPATH = (
    '//*[@rel="author" or @itemprop="author" or contains(concat(" ", normalize-space(@class), " "), " byline ")'
    ' or contains(@class, "byline") or contains(@class, "author-name") or contains(@class, "article-author")]'
)
# A byline naming more people than this is a list of contributors, not the article's authors.
_MAX_AUTHORS = 10


def find_authors(
    tree: lxml.html.HtmlElement,
    meta: dict[str, str],
    article_ld: dict,
    site_names: list[str],
) -> list[str]:
    """The article's authors, as people's names, at most ``_MAX_AUTHORS``.

    Inputs: the parsed page, its ``<meta>`` tags, its article JSON-LD node (or ``{}``) and the
    site's names. The first source that names anyone wins: JSON-LD ``author``, then the author
    ``<meta>`` tags, then a byline element (inside ``<article>`` or ``<main>`` when there is one).
    "By", credentials and dates are cut, shouted names get capital initials, and e-mail addresses,
    "Staff", handles and the publication itself are left out. Duplicates go (case-insensitive).
    """
    names: list[str] = []
    for author in as_list(article_ld.get("author") if article_ld else None):
        if isinstance(author, dict):
            value = author.get("name")
            if isinstance(value, list):
                names.extend(n for v in value if isinstance(v, str) for n in _split_names(v))
            elif isinstance(value, str):
                names.extend(_split_names(value))
        elif isinstance(author, str):
            names.extend(_split_names(author))
    if not names:
        for key in _AUTHOR_META_KEYS:
            value = meta.get(key, "")
            if value and not value.startswith("http"):
                names.extend(_split_names(value))
            if names := [n for n in names if _valid_name(n)]:
                break
    if not names:
        scope = tree.xpath("//article") or tree.xpath("//main") or [tree]
        # Anywhere inside the <article> (".//"), not only among its direct children.
        for el in scope[0].xpath("." + _BYLINE_XPATH):
            if el.tag in ("meta", "link"):
                continue
            found = [n for n in _split_names(clean_line(" ".join(el.itertext())), byline=True) if _valid_name(n)]
            if found:
                names = found
                break
    seen: set[str] = set()
    out = []
    sites = {squash(x) for x in site_names if squash(x)}
    for name in names:
        name = _normalise_name(name)
        if squash(name) in sites or any(len(x) >= 5 and x in squash(name) for x in sites):
            continue  # the publication itself ("BBC News", "CNN Business") is not an author
        if _valid_name(name) and name.lower() not in seen:
            seen.add(name.lower())
            out.append(name)
    return out[:_MAX_AUTHORS]


def _split_names(text: str, byline: bool = False) -> list[str]:
    """The names in an author string: "By" and what follows a separator (``·``, ``|``, a dash or a
    new line: an affiliation, a date) cut, split at commas, "&" and "and"; credentials after a
    name ("Jane Doe, MS, RDN") dropped. In a visible ``byline``, the first part stays even when it
    looks like a credential (the agency "PTI"), and a one-word part after a comma is the dateline's
    place ("By Jo Doe, Washington", "PTI, Washington, Nov 20"), not a person."""
    text = unescape(text or "")
    text = _BY_PREFIX.sub("", clean_line(text))
    text = re.split(r"\s+(?:[|•·—–]|-\s)\s*|\n", text)[0]
    text = _DATE_WORD.sub("", text)
    pieces = text.split(",")
    if byline:
        pieces = pieces[:1] + [p for p in pieces[1:] if len(p.split()) != 1 or not p.strip().istitle()]
    names: list[str] = []
    for piece in pieces:
        for part in _NAME_SPLIT.split(piece):
            part = part.strip(" .,:;")
            # A byline's first part is a name even when it looks like a credential: "PTI", "AP" are agencies.
            if part and not ((names or not byline) and _CREDENTIAL.match(part)):
                names.append(part)
    return names


def _valid_name(name: str) -> bool:
    if not name or _NOT_A_NAME.search(name) or _BY_PREFIX.match(name + " "):
        return False  # a byline's "By" label alone is no name
    words = name.split()
    if len(words) == 1 and name.islower():
        return False  # a user handle ("gto"), not a person's name
    return 1 <= len(words) <= 5 and len(name) <= 60 and not any(ch.isdigit() for ch in name)


def _normalise_name(name: str) -> str:
    name = _BY_PREFIX.sub("", clean_line(name)).strip(" .,:;")
    # "SHELBY MARSH" is a shouted name; "PTI" or "AP" is an agency and stays as it is.
    if name.isupper() and (" " in name or len(name) > 4):
        name = " ".join(w.capitalize() if w.isalpha() else w.title() for w in name.split())
    return name
