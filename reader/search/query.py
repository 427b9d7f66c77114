"""The search box's language: a query split into the terms the engines search and the filters.

Plain Python (no database): ``parse_query`` turns what a person typed into a ``ParsedQuery`` of
``Term``s (words and phrases, as both engines' indexes see them) and filters (``is:``, ``tag:``,
``site:``, ``lang:``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from reader.fetch.urls import site_of

# Hiragana, Katakana, CJK ideographs (with extension A and compatibility forms), Hangul syllables and
# jamo, and half-width Katakana: the scripts written without spaces between words (Korean has spaces,
# but particles attach to nouns, so it needs substring search as well).
CJK_RANGES = (
    ("\u1100", "\u11ff"),
    ("\u3040", "\u30ff"),
    ("\u3130", "\u318f"),
    ("\u3400", "\u4dbf"),
    ("\u4e00", "\u9fff"),
    ("\uac00", "\ud7af"),
    ("\uf900", "\ufaff"),
    ("\uff66", "\uff9f"),
)
_CJK_RE = re.compile("[" + "".join(f"{a}-{b}" for a, b in CJK_RANGES) + "]")

# What FTS5's unicode61 tokenizer keeps in a word: letters and digits (no underscore).
_WORD_PIECE = re.compile(r"[^\W_]+")
# The prefix of the last word is searched only from this many characters: shorter prefixes match
# most of the vocabulary, cost the most and help nobody.
PREFIX_MIN_CHARS = 2

# ``is:`` values and the flag each means (the keys of ``reader.models.FLAG_FILTERS``).
FLAG_ALIASES = {
    "unread": "unread",
    "read": "read",
    "archived": "archived",
    "archive": "archived",
    "favourite": "favourite",
    "favorite": "favourite",
    "fav": "favourite",
    "starred": "favourite",
    "pending": "pending",
    "failed": "failed",
}
_OPERATORS = {"is", "tag", "site", "lang", "language"}
_TOKEN = re.compile(
    r"""(?P<op>[A-Za-z]+):(?:"(?P<opq>[^"]*)"?|(?P<opv>[^\s"]+))?
      | "(?P<phrase>[^"]*)"?
      | (?P<word>[^\s"]+)""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Term:
    """One thing to find: a word, or a phrase typed in double quotes.

    ``pieces`` are the words the index sees (letters and digits; "e-mail" is the phrase "e mail").
    ``prefix``: the last piece matches any word it begins (the word being typed).
    ``cjk``: the term contains Chinese, Japanese or Korean characters and is found as a substring
    (``text``, case-insensitive) instead.
    """

    text: str
    pieces: tuple[str, ...]
    phrase: bool = False
    prefix: bool = False
    cjk: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    """A search box query split into its free text and its filters.

    ``text``: the free-text part as typed, operators removed ("" when none); ``words`` and ``phrases``:
    its bare words and quoted phrases; ``terms``: both, in order, as the engines search them.
    Filters: ``flags`` (subset of unread, read, archived, favourite, pending, failed), ``tags``,
    ``sites`` and ``languages``; ``ignored``: operator tokens that meant nothing (``is:foo``).
    """

    text: str = ""
    words: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    terms: tuple[Term, ...] = ()
    flags: frozenset[str] = frozenset()
    tags: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()

    @property
    def has_filters(self) -> bool:
        """True when the query has any of the four kinds of filter."""
        return bool(self.flags or self.tags or self.sites or self.languages)


def is_cjk(text: str) -> bool:
    """True when ``text`` contains a character of ``CJK_RANGES``."""
    return bool(_CJK_RE.search(text))


def parse_query(query: str) -> ParsedQuery:
    """Split a search box query into free text and filters; never raises.

    Operators: ``is:unread|read|archived|favourite|pending|failed`` (``favorite``, ``starred`` too),
    ``tag:name``, ``site:example.com``, ``lang:de``; values may be quoted (``tag:"to read"``).
    Everything else is free text: bare words and "quoted phrases"; an unclosed quote runs to the end.
    Characters that mean something to FTS5 or tsquery (``* ^ - : ( ) NEAR AND OR``) are plain text here.
    The last bare word is a prefix (as typed) unless the query ends with a space or it is shorter than
    ``PREFIX_MIN_CHARS``.
    """
    query = unicodedata.normalize("NFKC", query or "")
    flags: set[str] = set()
    tags: list[str] = []
    sites: list[str] = []
    languages: list[str] = []
    ignored: list[str] = []
    # (text, is a phrase, is the last token of the query)
    free: list[tuple[str, bool, bool]] = []
    text_parts: list[str] = []
    matches = list(_TOKEN.finditer(query))
    for i, m in enumerate(matches):
        last = i == len(matches) - 1
        op = (m.group("op") or "").lower()
        if m.group("op") is not None and op in _OPERATORS:
            value = (m.group("opq") if m.group("opq") is not None else m.group("opv") or "").strip()
            if not value:
                continue
            if op == "is":
                flag = FLAG_ALIASES.get(value.lower())
                (flags.add(flag) if flag else ignored.append(m.group(0)))
            elif op == "tag":
                tags.append(value)
            elif op == "site":
                sites.append(site_of(value) or value.lower())
            else:
                languages.append(value.lower())
            continue
        if m.group("phrase") is not None:
            if m.group("phrase").strip():
                free.append((m.group("phrase").strip(), True, last))
                text_parts.append(f'"{m.group("phrase").strip()}"')
            continue
        free.append((m.group(0), False, last))
        text_parts.append(m.group(0))

    terms: list[Term] = []
    typing = bool(query) and not query[-1].isspace()
    for n, (text, phrase, last) in enumerate(free):
        if is_cjk(text):
            terms.append(Term(text=text, pieces=(), phrase=phrase, cjk=True))
            continue
        pieces = tuple(p.lower() for p in _WORD_PIECE.findall(text))
        if not pieces:
            continue
        prefix = not phrase and last and typing and n == len(free) - 1 and len(pieces[-1]) >= PREFIX_MIN_CHARS
        terms.append(
            Term(
                text=text,
                pieces=pieces,
                phrase=phrase or len(pieces) > 1,
                prefix=prefix,
            )
        )
    return ParsedQuery(
        text=" ".join(text_parts),
        words=tuple(t for t, phrase, _ in free if not phrase),
        phrases=tuple(t for t, phrase, _ in free if phrase),
        terms=tuple(terms),
        flags=frozenset(flags),
        tags=tuple(tags),
        sites=tuple(sites),
        languages=tuple(languages),
        ignored=tuple(ignored),
    )
