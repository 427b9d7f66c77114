"""The article's authors: JSON-LD ``author``, then author ``<meta>`` tags, then a byline in the page."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import lxml.etree
import lxml.html

from reader.extract.cleanup import clean_line
from reader.extract.metadata.jsonld import as_list
from reader.extract.metadata.tags import squash

_NOT_A_NAME = re.compile(
    r"@|https?:|www\.|\.com\b|\bemail\b|\be-mail\b|\bfollow\b|\bcontact\b|\brss\b|\bstaff\b|"
    r"\bsubscribe\b|\bnewsletter\b|\btwitter\b|\bfacebook\b|\bview all\b|\bmore (from|by)\b|\bposts?\b|"
    r"\b(editor|writer|reporter|correspondent|contributor|columnist|producer|photographer)s?\b|"
    r"^(?:editorial|the editors|editorial (?:board|staff|team)|staff reports?|news desk|newsroom|wire services?)$",
    re.IGNORECASE,
)
_BY_PREFIX = re.compile(
    r"^\s*(?:(?:(?:analysis|opinion|commentary|story|text|words|written|posted|reporting|publicado|publié)\s+)?"
    r"(?:by|von|par|por|di|door|av|af|מאת|بقلم|автор)\s*[:\-]?\s+|"
    r"(?:text|texto|texte|текст|autor|author|words)\s*:\s*)",
    re.IGNORECASE,
)
# Academic and professional credentials after a comma ("Jane Doe, MS, RDN").
_CREDENTIAL = re.compile(r"^(?:[A-Z]{2,5}|Ph\.?D\.?|M\.?D\.?|Jr\.?|Sr\.?|I{2,3}|IV)$")
_DATE_WORD = re.compile(
    r"\s+(?:(?:on|at|am|le|el|il)\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|"
    r"february|march|april|may|june|july|august|september|october|november|december|updated|published|"
    r"publiziert|veröffentlicht|publicado|publié|\d+\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?)\s+ago)\b.*$",
    re.IGNORECASE,
)
# An agency written right after the name in the same element ("Tom Davies Associated Press").
_AGENCY_AFTER = re.compile(
    r"(?<=\w)\s+(?:the\s+)?(?:associated press|reuters|agence france-presse|afp|bloomberg|usa today|dpa|pti|ians|"
    r"ap|cnn|efe|ansa|kyodo|xinhua)$",
    re.IGNORECASE,
)
# A name ends before the first word with a digit (a date, a time, "5 Min Read").
_FROM_DIGIT = re.compile(r"\s+\S*\d.*$")
# A job title after a name: "Tom Gillespie News reporter", "Ryan Reed Reporter".
_ROLE = re.compile(
    r"\s+(?:(?:senior|chief|staff|news|business|political|sports|national|contributing|managing|deputy|"
    r"associate|executive|science|health|tech|freelance)\s+)*(?:reporter|writer|correspondent|editor|"
    r"columnist|contributor|producer)\b.*$",
    re.IGNORECASE,
)
# Case-sensitive: "Bruce Y. Lee" is one person; "Marsh and Ngata", "Marsh y Ngata" are two.
_NAME_SPLIT = re.compile(r"\s*(?:,|&|;|\|)\s*|\s+(?:and|AND|And|und|UND|et|ET|y|e)\s+")
# <meta> names that carry an author, most specific first.
_AUTHOR_META_KEYS = ("author", "article:author", "dc.creator", "parsely-author", "sailthru.author", "byl")
# Elements that hold a byline.
# The XPath keeps what may be one (cheap tests, in libxml2); ``_is_byline`` decides.
_BYLINE_XPATH = lxml.etree.XPath(
    './/*[@rel="author" or contains(@itemprop, "author") or contains(@class, "byline") or contains(@class, "author")]'
)
_BYLINE_CLASS = re.compile(r"byline|author-name|article-author|(?:^|\s)author(?:\s|$)")
# A byline naming more people than this is a list of contributors, not the article's authors.
_MAX_AUTHORS = 10


def find_authors(
    tree: lxml.html.HtmlElement,
    meta: dict[str, str],
    article_ld: dict,
    site_names: list[str],
) -> list[str]:
    """The article's authors, as people's names, at most ``_MAX_AUTHORS``.

    Inputs: the parsed page, its ``<meta>`` tags, its article JSON-LD node (or ``{}``, ``@id``
    references already resolved) and the site's names. The page's statements come first: JSON-LD
    ``author``, else the author ``<meta>`` tags; the first of them that names a person wins (one that
    names only the publication, its staff or a desk does not count). The visible byline
    (:func:`byline_names`) is used when those name nobody, or when it names everyone they name and
    more (JSON-LD often keeps only the first of several). "By", credentials, job titles, handles,
    dates and affiliations ("· Associated Press", ", CNN") are cut, shouted names get capital
    initials, and e-mail addresses, "Staff", handles and the publication itself are left out.
    Duplicates go (case-insensitive).
    """
    sites = _site_keys(site_names)
    stated = _people(_ld_names(article_ld), sites)
    if not stated:
        for key in _AUTHOR_META_KEYS:
            value = meta.get(key, "")
            if value and not value.startswith("http") and (stated := _people(_split_names(value), sites)):
                break
    if len(stated) > 1:
        return stated[:_MAX_AUTHORS]  # the page's statement names several: it keeps them all
    shown = _people(byline_names(tree), sites)
    if shown and (not stated or _keys(stated) < _keys(shown)):
        return shown[:_MAX_AUTHORS]
    return stated[:_MAX_AUTHORS]


def _ld_names(article_ld: dict) -> list[str]:
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
    return names


def _site_keys(site_names: list[str]) -> set[str]:
    return {squash(x) for x in site_names if squash(x)}


def _is_publication(name: str, sites: set[str]) -> bool:
    """The publication itself ("BBC News", "CNN Business", a one-word brand inside the site's domain:
    "Beachbody" of beachbodyondemand.com), not a person."""
    key = squash(name)
    if key in sites or any(len(x) >= 5 and x in key for x in sites):
        return True
    words = {squash(w) for w in name.split()}
    if any(len(x) >= 3 and x in words for x in sites):
        return True
    return " " not in name.strip() and len(key) >= 5 and any(key in x for x in sites)


def _people(names: list[str], sites: set[str]) -> list[str]:
    """``names`` normalised, without the publication, non-names and duplicates, in order."""
    seen: set[str] = set()
    out = []
    for name in names:
        name = _normalise_name(name)
        if not _valid_name(name) or _is_publication(name, sites) or name.lower() in seen:
            continue
        seen.add(name.lower())
        out.append(name)
    return out


def _keys(names: list[str]) -> set[str]:
    return {squash(n) for n in names}


# Where a visible byline is looked for: the article (or the page's main part), its direct children
# and what follows the headline.
_MAX_BYLINE_ELEMENTS = 60
_MAX_BYLINE_CHILDREN = 8
_MAX_BYLINE_CHARS = 300
_BYLINE_TEXT = re.compile(
    r"(?:^|\s[-|·•]\s)((?:by|von|par|por|di|door|publicado por|posted by|written by|text|texto|texte|"
    r"текст|автор|autor|author)\s*:?\s.{2,150})$",
    re.IGNORECASE,
)


def byline_names(tree: lxml.html.HtmlElement) -> list[str]:
    """The names of the page's visible byline, or [].

    Two kinds of element are read, inside ``<article>`` or ``<main>`` when the page has one: those
    marked as a byline (``rel``/``itemprop`` author, a ``byline``, ``author`` or ``author-name``
    class), the first that names someone winning; else a short element among the article's direct
    children, or near the headline, whose text is a byline ("By …", "Von …", "Publicado por: …",
    "Text: …"), whatever its markup.
    """
    # Bylines of other stories (teasers, the next article) sit outside the article; the headline's
    # own header may too.
    scopes = tree.xpath("//article")[:1] or tree.xpath("//main") or [tree]
    h1 = _first_h1(scopes[0], tree)
    if h1 is not None and h1.getparent() is not None and scopes[0] is not tree:
        # The headline's own header, when it stands outside the article (inside it, it was searched).
        if not any(scope in h1.iterancestors() for scope in scopes):
            scopes = [*scopes, *_headline_region(h1)]
    for scope in scopes:
        marked = [el for el in _BYLINE_XPATH(scope) if _is_byline(el) and not _in_comments(el)]
        for group in _byline_groups(marked):
            # Read as one byline ("A, B, Washington, Nov 20"): places and dates after a name drop out.
            text = ", ".join(t for t in (byline_text(el).strip(" ,") for el in group) if t)
            found = [n for n in _split_names(text, byline=True) if _valid_name(n)]
            if found:
                return list(dict.fromkeys(found))
    for el in _near_headline(tree, scopes[0]):
        # A byline is a line: an element holding more (a section, the article) is not one.
        if len(el) > _MAX_BYLINE_CHILDREN or len(el.text_content() or "") > _MAX_BYLINE_CHARS:
            continue
        text = byline_text(el)
        if not text or len(text.split()) > 30:
            continue
        match = _BYLINE_TEXT.search(text)
        if match:
            # The first byline under the headline is the article's, naming someone or not; later
            # ones belong to other stories.
            return [n for n in _split_names(match.group(1), byline=True) if _valid_name(n)]
    return []


# Elements that run on inside a line; any other element starts a new part of a byline.
_INLINE_TAGS = frozenset(
    {"a", "span", "strong", "b", "em", "i", "u", "small", "abbr", "cite", "font", "bdi", "bdo", "mark", "sub", "sup"}
)
# What joins two names: a boundary next to one of these is no separator.
_JOINED_BEFORE = re.compile(r"(?:,|&|\b(?:and|und|et|y|e|by|von|par|por))$", re.IGNORECASE)
_JOINED_AFTER = re.compile(r"^(?:,|&|(?:and|und|et|y|e)\b)", re.IGNORECASE)


def byline_text(el: Any) -> str:
    """The text of a byline element on one line, its parts in separate blocks (a name, then the
    agency, then the date, each in its ``<div>``) joined by " · " unless a comma or "and" joins them
    ("By A, B and C · Associated Press · Nov 20, 2019")."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("script", "style", "svg", "button", "noscript"):
            return
        block = node is not el and tag not in _INLINE_TAGS
        if block:
            parts.append("\x00")
        parts.append(node.text or "")
        for child in node:
            walk(child)
            parts.append(child.tail or "")
        if block:
            parts.append("\x00")

    walk(el)
    text = ""
    for segment in "".join(parts).split("\x00"):
        segment = " ".join(clean_line(segment).split())
        if not segment:
            continue
        joined = not text or _JOINED_BEFORE.search(text) or _JOINED_AFTER.match(segment)
        text = f"{text} {segment}" if joined else f"{text} · {segment}"
    return text.strip()


def _is_byline(el: Any) -> bool:
    """Marked as a byline: ``rel="author"``, ``itemprop`` author, or a ``byline``, ``author``,
    ``author-name`` or ``article-author`` class."""
    if el.tag in ("meta", "link"):
        return False
    return (
        el.get("rel") == "author"
        or "author" in (el.get("itemprop") or "").split()
        or bool(_BYLINE_CLASS.search(el.get("class") or ""))
    )


def _byline_groups(marked: list[Any]) -> list[list[Any]]:
    """The byline elements read together, outermost byline by outermost byline: its innermost marked
    elements ("<div class=byline><span class=author>A and B</span> Argus Leader …" reads the span;
    one ``rel=author`` link per author reads them all; of several, the one that says "By …" alone),
    or itself when it holds none."""
    ids = {id(el) for el in marked}
    ancestors = {id(el): [id(a) for a in el.iterancestors() if id(a) in ids] for el in marked}
    outer = {a for chain in ancestors.values() for a in chain}
    groups = []
    for top in (el for el in marked if not ancestors[id(el)]):
        leaves = [el for el in marked if id(top) in ancestors[id(el)] and id(el) not in outer]
        signed = [el for el in leaves if _BY_PREFIX.match(byline_text(el))]
        groups.append(signed[:1] or leaves or [top])
        if leaves:
            groups.append([top])
    return groups


def _in_comments(el: Any) -> bool:
    return any("comment" in (a.get("class") or a.get("id") or "").lower() for a in el.iterancestors())


def _near_headline(tree: lxml.html.HtmlElement, scope: Any) -> list[Any]:
    """The article's direct children, then the elements after the first headline (within its parent
    and the parent's next siblings); at most ``_MAX_BYLINE_ELEMENTS``."""
    elements: list[Any] = [c for c in scope if isinstance(c.tag, str)] if scope is not tree else []
    h1 = _first_h1(scope, tree)
    if h1 is not None and h1.getparent() is not None:
        for block in _headline_region(h1):
            elements.extend(e for e in block.iter("p", "span", "div", "small", "li", "address") if e is not h1)
    return [e for e in elements if e.tag not in ("script", "style", "h1")][:_MAX_BYLINE_ELEMENTS]


def _first_h1(scope: Any, tree: lxml.html.HtmlElement) -> Any:
    found = next(iter(scope.iter("h1")), None)
    return found if found is not None else next(iter(tree.iter("h1")), None)


def _headline_region(h1: Any) -> list[Any]:
    """The headline's parent and the three elements after it: where a byline under a headline is."""
    parent = h1.getparent()
    return [parent, *list(parent.itersiblings())[:3]]


def _split_names(text: str, byline: bool = False) -> list[str]:
    """The names in an author string: "By" and what follows a separator (``·``, ``|``, a dash or a
    new line: an affiliation, a date) cut, split at commas, "&" and "and"; credentials after a
    name ("Jane Doe, MS, RDN") dropped. In a visible ``byline``, the first part stays even when it
    looks like a credential (the agency "PTI"), and a one-word part after a comma is the dateline's
    place ("By Jo Doe, Washington", "PTI, Washington, Nov 20"), not a person."""
    text = unescape(text or "")
    text = _BY_PREFIX.sub("", clean_line(text))
    text = re.split(r"\s+(?:[|•·—–／/]|-\s)\s*|\n", text)[0]
    if (agency := _AGENCY_AFTER.search(text)) and len(text[: agency.start()].split()) >= 2:
        text = text[: agency.start()]
    text = _FROM_DIGIT.sub("", _DATE_WORD.sub("", text))
    text = re.sub(r"\s*@\w+", "", text)  # "Chris Pokorny@DawgsByNature": a handle
    # A job title ends the name it follows; after a comma it is the whole piece ("…, AP National Security Writer").
    pieces = [_ROLE.sub("", p) for i, p in enumerate(text.split(",")) if i == 0 or not _ROLE.search(p)]
    if byline:
        # After a comma, one capitalized word is a place or an agency ("…, Washington", "…, CNN").
        pieces = pieces[:1] + [
            p for p in pieces[1:] if len(p.split()) != 1 or not (p.strip().istitle() or p.strip().isupper())
        ]
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
