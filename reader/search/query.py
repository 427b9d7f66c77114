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
    its bare words and quoted phrases; ``terms``: the ones every match must have, in order, as the
    engines search them; ``either``: groups of terms joined by ``OR`` (each group needs one of its
    terms); ``excluded``: terms written with a leading ``-``, which no match may have.
    Filters: ``flags`` (subset of unread, read, archived, favourite, pending, failed), ``tags``,
    ``sites`` and ``languages``; ``ignored``: operator tokens that meant nothing (``is:foo``).
    """

    text: str = ""
    words: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    terms: tuple[Term, ...] = ()
    either: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()
    flags: frozenset[str] = frozenset()
    tags: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()

    @property
    def has_filters(self) -> bool:
        """True when the query has any of the four kinds of filter."""
        return bool(self.flags or self.tags or self.sites or self.languages)

    @property
    def has_text(self) -> bool:
        """True when the query has free text to search for (or to exclude)."""
        return bool(self.terms or self.either or self.excluded)

    @property
    def wanted(self) -> tuple[Term, ...]:
        """Every term a match may show: the required ones and each ``OR`` alternative (for marking)."""
        return self.terms + tuple(t for group in self.either for t in group)


def is_cjk(text: str) -> bool:
    """True when ``text`` contains a character of ``CJK_RANGES``."""
    return bool(_CJK_RE.search(text))


def parse_query(query: str) -> ParsedQuery:
    """Split a search box query into free text and filters; never raises.

    Operators: ``is:unread|read|archived|favourite|pending|failed`` (``favorite``, ``starred`` too),
    ``tag:name``, ``site:example.com``, ``lang:de``; values may be quoted (``tag:"to read"``).
    Everything else is free text: bare words and "quoted phrases", all of which a match must have;
    ``a OR b`` (``OR`` in capitals) needs either; ``-word`` and ``-"a phrase"`` exclude. An unclosed
    quote runs to the end of the box. Words and phrases in Chinese, Japanese or Korean can be
    excluded but not joined by ``OR`` (an ``OR`` next to one is ignored). Other characters that mean
    something to FTS5 or tsquery (``* ^ : ( ) NEAR AND NOT``, a lower-case ``or``) are plain text here.
    The last word, or the last words of an unclosed phrase, is a prefix (as typed) unless the query
    ends with a space or it is shorter than ``PREFIX_MIN_CHARS``.
    """
    query = unicodedata.normalize("NFKC", query or "")
    flags: set[str] = set()
    tags: list[str] = []
    sites: list[str] = []
    languages: list[str] = []
    ignored: list[str] = []
    free: list[_Token] = []
    text_parts: list[str] = []
    matches = list(_TOKEN.finditer(query))
    minus_at = -1  # where a lone "-" ended: a phrase starting right there is excluded
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
            phrase = m.group("phrase").strip()
            if phrase:
                negate = m.start() == minus_at
                free.append(_Token(phrase, True, last, negate=negate, open=not m.group(0).endswith('"')))
                text_parts.append(("-" if negate else "") + f'"{phrase}"')
            continue
        word = m.group(0)
        if word == "-":
            minus_at = m.end()
            continue
        negate = word.startswith("-")
        free.append(_Token(word[1:] if negate else word, False, last, negate=negate))
        text_parts.append(word)

    typing = bool(query) and not query[-1].isspace()
    clauses: list[list[Term]] = []
    excluded: list[Term] = []
    join_next = False
    for n, token in enumerate(free):
        if not token.phrase and not token.negate and token.text == "OR":
            join_next = bool(clauses)
            continue
        term = _term(token, typing and token.last and n == len(free) - 1)
        if term is None:
            continue
        if token.negate:
            excluded.append(term)
            join_next = False
            continue
        if join_next and not term.cjk and not any(t.cjk for t in clauses[-1]):
            clauses[-1].append(term)
        else:
            clauses.append([term])
        join_next = False
    return ParsedQuery(
        text=" ".join(text_parts),
        words=tuple(t.text for t in free if not t.phrase and not t.negate and t.text != "OR"),
        phrases=tuple(t.text for t in free if t.phrase and not t.negate),
        terms=tuple(c[0] for c in clauses if len(c) == 1),
        either=tuple(tuple(c) for c in clauses if len(c) > 1),
        excluded=tuple(excluded),
        flags=frozenset(flags),
        tags=tuple(tags),
        sites=tuple(sites),
        languages=tuple(languages),
        ignored=tuple(ignored),
    )


@dataclass(frozen=True)
class _Token:
    """A piece of free text as typed: a word or a phrase's inside, whether it was the query's last
    token, written with a leading ``-`` (``negate``) or an unclosed quote (``open``)."""

    text: str
    phrase: bool
    last: bool
    negate: bool = False
    open: bool = False


def _term(token: _Token, typing_it: bool) -> Term | None:
    """The ``Term`` of one token (None when it has no letters or digits); ``typing_it``: it ends the box
    with no space after it, so its last word may be a prefix."""
    if is_cjk(token.text):
        return Term(text=token.text, pieces=(), phrase=token.phrase, cjk=True)
    pieces = tuple(p.lower() for p in _WORD_PIECE.findall(token.text))
    if not pieces:
        return None
    prefix = typing_it and not token.negate and (not token.phrase or token.open) and len(pieces[-1]) >= PREFIX_MIN_CHARS
    return Term(text=token.text, pieces=pieces, phrase=token.phrase or len(pieces) > 1, prefix=prefix)
