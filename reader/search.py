"""Full-text search over a person's articles: one interface, two engines.

What is searched: an article's title, text, site, tag names and the sentences of its READY summaries.

* SQLite (the default install): FTS5 table ``reader_search`` with the ``unicode61`` tokenizer
  (case and diacritics folded, ``remove_diacritics 2``), ranked by FTS5's ``bm25()``.
* PostgreSQL: table ``reader_search`` holding a ``tsvector`` (text search configuration
  ``digest_search``: the ``simple`` dictionary after ``unaccent``) under a GIN index, ranked by
  ``ts_rank()`` with the title weighted A, tags and site B, summary C and text D.

Both engines split text into words the same way (on every character that is not a letter or a digit)
and neither stems, so the same query finds the same articles on both.

Chinese, Japanese and Korean are written without spaces between words, so a word index cannot find
them. Articles containing such characters are also put in ``reader_search_cjk``: an FTS5 ``trigram``
table on SQLite, a text column under a ``pg_trgm`` GIN index on PostgreSQL; a query term containing
CJK characters is a substring search there. Terms of 1-2 characters are shorter than a trigram and
are found by scanning that table, which holds only the CJK articles.

Speed at any size: a query ranks only the newest ``RANK_WINDOW`` (1,000) of the person's matching
articles (read newest first from the index, filters checked on the way), so a common word costs about
what a rare one does; ``total`` is exact below that and None above it. The owner is part of every
index row, so the index itself keeps to one person's articles.

The index is kept up to date by the callers: ``index_article`` when an article is ready, re-extracted
or re-tagged, ``remove_article`` on delete; ``rebuild_index`` (``manage.py rebuild_search_index``)
rebuilds it all. Search results are always joined with the live ``Article`` rows, so a stale entry can
never show an article its owner cannot see.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape

from reader.models import Article
from reader.queries import language_q, site_q, tag_ids_named, tagged
from reader.services.urls import site_of
from summaries.models import Summary

__all__ = [
    "ParsedQuery",
    "SearchHit",
    "SearchResults",
    "Term",
    "apply_filters",
    "index_article",
    "parse_query",
    "rebuild_index",
    "remove_article",
    "search",
]

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
# The same set for SQLite's GLOB and PostgreSQL's regular expressions.
_CJK_GLOB = "*[" + "".join(f"{a}-{b}" for a, b in CJK_RANGES) + "]*"
_CJK_PG_RE = "[" + "".join(f"\\u{ord(a):04x}-\\u{ord(b):04x}" for a, b in CJK_RANGES) + "]"

# What FTS5's unicode61 tokenizer keeps in a word: letters and digits (no underscore).
_WORD_PIECE = re.compile(r"[^\W_]+")
# The prefix of the last word is searched only from this many characters: shorter prefixes match
# most of the vocabulary, cost the most and help nobody.
PREFIX_MIN_CHARS = 2
# PostgreSQL's tsvector is limited to 1 MB; text beyond this many characters is not indexed there.
PG_MAX_TEXT_CHARS = 300_000
# Column weights for SQLite's bm25(): title, text, summary, site, tags, owner (and title, body, owner
# for CJK). The owner column holds "owner<id>" so FTS5 itself keeps to one person's articles.
_BM25_WEIGHTS = "10.0, 1.0, 3.0, 5.0, 5.0, 0.0"
_BM25_CJK_WEIGHTS = "5.0, 1.0, 0.0"
_FTS5_TEXT_COLUMNS = "title body summary site tags"
# Only the newest this many matches of a query are ranked, which bounds the cost of a common word.
RANK_WINDOW = 1000

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
        return bool(self.flags or self.tags or self.sites or self.languages)


@dataclass
class SearchHit:
    """One result: the article, an HTML snippet (escaped, matches in ``<mark>``) and its rank.

    ``rank`` is higher for better matches; it compares hits of one search only (bm25 on SQLite,
    ts_rank on PostgreSQL, 0.0 when the query has filters only).
    """

    article: Article
    snippet_html: str
    rank: float


@dataclass
class SearchResults:
    """``hits`` best first; ``total``: matching articles in all (None when unknown, e.g. past the end)."""

    hits: list[SearchHit]
    total: int | None
    filters: ParsedQuery = field(default_factory=ParsedQuery)


# --- Query parsing ------------------------------------------------------------------------------


def _is_cjk(text: str) -> bool:
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
        if _is_cjk(text):
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


def apply_filters(qs: QuerySet, parsed: ParsedQuery, user) -> QuerySet:
    """``qs`` (``user``'s articles) narrowed by the query's filters; the free text is not applied.

    Flags combine with AND: unread = ``read_at`` empty, read = set, archived = ``archived_at`` set,
    favourite, pending = status not ready nor failed, failed. Every ``tag:`` must be on the article
    (names compared case-insensitively). ``site:`` matches the site or its subdomains, ``lang:`` the
    language or its regional forms ("pt" finds "pt-br"); several of either combine with OR.
    """
    flag_filters = {
        "unread": Q(read_at__isnull=True),
        "read": Q(read_at__isnull=False),
        "archived": Q(archived_at__isnull=False),
        "favourite": Q(favourite=True),
        "pending": Q(status__in=Article.PENDING_STATUSES),
        "failed": Q(status=Article.Status.FAILED),
    }
    for flag in sorted(parsed.flags):
        qs = qs.filter(flag_filters[flag])
    if parsed.tags:
        # The person's tag ids first (one query): each match is then checked against its own tag
        # links alone, not joined to the tags to compare names ("said is:unread tag:business" at
        # 100,000 articles on PostgreSQL: about 80 ms before, 58 after).
        ids = tag_ids_named(user, parsed.tags)
        for name in parsed.tags:
            found = ids.get(name.lower())
            qs = qs.filter(tagged(found)) if found else qs.none()
    if parsed.sites:
        q = Q()
        for site in parsed.sites:
            q |= site_q(site)
        qs = qs.filter(q)
    if parsed.languages:
        q = Q()
        for lang in parsed.languages:
            q |= language_q(lang)
        qs = qs.filter(q)
    return qs


# --- Index maintenance -------------------------------------------------------------------------

_SQLITE_INSERT = """
INSERT INTO reader_search (rowid, title, body, summary, site, tags, owner)
SELECT a.id, a.title, a.text,
  coalesce((SELECT group_concat(json_extract(j.value, '$.text'), ' ')
            FROM summaries_summary s, json_each(s.sentences) j
            WHERE s.article_id = a.id AND s.status = 'ready' AND json_type(s.sentences) = 'array'), ''),
  a.site,
  coalesce((SELECT group_concat(t.name, ' ') FROM reader_article_tags x
            JOIN reader_tag t ON t.id = x.tag_id WHERE x.article_id = a.id), ''),
  'owner' || a.owner_id
FROM reader_article a
WHERE a.deleted_at IS NULL {where}
"""
_SQLITE_INSERT_CJK = """
INSERT INTO reader_search_cjk (rowid, title, body, owner)
SELECT rowid, title, body || char(10) || summary || char(10) || tags, CAST(substr(owner, 6) AS INTEGER)
FROM reader_search
WHERE (title || body || summary || tags) GLOB %s {where}
"""
# The GIN indexes of migration 0003, dropped and rebuilt around a full rebuild.
_PG_GIN_INDEXES = {
    "reader_search_document": "reader_search USING gin (document)",
    "reader_search_cjk_body": "reader_search_cjk USING gin (body gin_trgm_ops)",
}
_PG_WORDS = "regexp_replace({}, '[^[:alnum:]]+', ' ', 'g')"
_PG_INSERT = f"""
WITH docs AS (
  SELECT a.id, a.owner_id, a.title, left(a.text, {PG_MAX_TEXT_CHARS}) AS text, a.site,
         coalesce(sm.text, '') AS summary, coalesce(tg.names, '') AS tags
  FROM reader_article a
  LEFT JOIN LATERAL (
    SELECT string_agg(e ->> 'text', ' ') AS text FROM summaries_summary s
    CROSS JOIN LATERAL jsonb_array_elements(
      CASE jsonb_typeof(s.sentences) WHEN 'array' THEN s.sentences ELSE '[]'::jsonb END) e
    WHERE s.article_id = a.id AND s.status = 'ready') sm ON true
  LEFT JOIN LATERAL (
    SELECT string_agg(t.name, ' ') AS names FROM reader_article_tags x
    JOIN reader_tag t ON t.id = x.tag_id WHERE x.article_id = a.id) tg ON true
  WHERE a.deleted_at IS NULL {{where}}
), words AS (
  INSERT INTO reader_search (article_id, owner_id, document)
  SELECT id, owner_id,
    setweight(to_tsvector('digest_search', {_PG_WORDS.format("title")}), 'A')
    || setweight(to_tsvector('digest_search', {_PG_WORDS.format("tags || ' ' || site")}), 'B')
    || setweight(to_tsvector('digest_search', {_PG_WORDS.format("summary")}), 'C')
    || setweight(to_tsvector('digest_search', {_PG_WORDS.format("text")}), 'D')
  FROM docs
)
INSERT INTO reader_search_cjk (article_id, owner_id, body)
SELECT id, owner_id, lower(concat_ws(E'\\n', title, text, summary, tags)) FROM docs
WHERE concat_ws(E'\\n', title, text, summary, tags) ~ %s
"""


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _write(article_ids: list[int] | None) -> None:
    """Delete and re-insert the index entries of ``article_ids`` (all articles when None)."""
    with transaction.atomic(), connection.cursor() as cursor:
        key = "article_id" if _is_postgres() else "rowid"
        if article_ids is None and _is_postgres():
            # Building a GIN index once is much faster than growing it row by row.
            cursor.execute("TRUNCATE reader_search, reader_search_cjk")
            # As migration 0003 does; repeated here for databases migrated before it did.
            cursor.execute("ALTER TABLE reader_search ALTER COLUMN document SET STATISTICS 0")
            for name in _PG_GIN_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
            where, params = "", []
        elif article_ids is None:
            cursor.execute("DELETE FROM reader_search")
            cursor.execute("DELETE FROM reader_search_cjk")
            where, params = "", []
        else:
            marks = ", ".join(["%s"] * len(article_ids))
            cursor.execute(f"DELETE FROM reader_search WHERE {key} IN ({marks})", article_ids)
            cursor.execute(f"DELETE FROM reader_search_cjk WHERE {key} IN ({marks})", article_ids)
            where, params = f"AND {{col}} IN ({marks})", list(article_ids)
        if _is_postgres():
            cursor.execute(_PG_INSERT.format(where=where.format(col="a.id")), [*params, _CJK_PG_RE])
            if article_ids is None:
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
                for name, definition in _PG_GIN_INDEXES.items():
                    cursor.execute(f"CREATE INDEX {name} ON {definition}")
        else:
            cursor.execute(_SQLITE_INSERT.format(where=where.format(col="a.id")), params)
            cursor.execute(
                _SQLITE_INSERT_CJK.format(where=where.format(col="rowid")),
                [_CJK_GLOB, *params],
            )


def index_article(article_id: int) -> None:
    """(Re)build the index entry of one article from its current title, text, site, tag names and
    READY summaries. Idempotent; a missing or deleted article is removed from the index instead."""
    _write([int(article_id)])


def remove_article(article_id: int) -> None:
    """Remove one article from the index (no-op when it is not there)."""
    with transaction.atomic(), connection.cursor() as cursor:
        key = "article_id" if _is_postgres() else "rowid"
        cursor.execute(f"DELETE FROM reader_search WHERE {key} = %s", [int(article_id)])
        cursor.execute(f"DELETE FROM reader_search_cjk WHERE {key} = %s", [int(article_id)])


def rebuild_index() -> int:
    """Rebuild the whole index in bulk (a few SQL statements, no per-article round trips).

    Returns the number of articles indexed. On SQLite the FTS5 b-trees are merged afterwards
    (``optimize``) and on PostgreSQL the tables analyzed, so queries are fast straight away.
    """
    _write(None)
    with connection.cursor() as cursor:
        if _is_postgres():
            cursor.execute("ANALYZE reader_search")
            cursor.execute("ANALYZE reader_search_cjk")
            cursor.execute("SELECT count(*) FROM reader_search")
        else:
            cursor.execute("INSERT INTO reader_search (reader_search) VALUES ('optimize')")
            cursor.execute("INSERT INTO reader_search_cjk (reader_search_cjk) VALUES ('optimize')")
            cursor.execute("SELECT count(*) FROM reader_search")
        return cursor.fetchone()[0]


# --- Searching ---------------------------------------------------------------------------------


def _fts5_query(owner_id: int, terms: list[Term]) -> str:
    # Every piece is letters and digits only, so quoting it cannot break the FTS5 syntax.
    phrases = " ".join('"' + " ".join(t.pieces) + '"' + ("*" if t.prefix else "") for t in terms)
    return f'owner : "owner{owner_id}" AND {{{_FTS5_TEXT_COLUMNS}}} : ({phrases})'


def _tsquery(terms: list[Term], *, adjacent: bool = True) -> str:
    """The tsquery text of ``terms``; ``adjacent=False`` drops the word order inside phrases (every
    word present anywhere: what the GIN index answers without reading a single document)."""
    # Pieces are letters and digits only, so they are safe inside tsquery quotes.
    parts = []
    for t in terms:
        lexemes = [f"'{p}'" for p in t.pieces]
        if t.prefix:
            lexemes[-1] += ":*"
        parts.append("(" + (" <-> " if adjacent else " & ").join(lexemes) + ")")
    return " & ".join(parts)


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts5_quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _occurrences(text_sql: str, terms: list[str]) -> tuple[str, list]:
    """SQL counting how often the lower-case ``terms`` occur in ``text_sql`` (a lower-case text): a
    plain term frequency, the rank of a CJK-only search."""
    one = f"(length({text_sql}) - length(replace({text_sql}, %s, ''))) / length(%s)"
    return "(" + " + ".join([one] * len(terms)) + ")", [x for t in terms for x in (t, t)]


def _window_sql(owner_id: int, parsed: ParsedQuery, restrict: tuple[str, list]) -> tuple[str, list, str, list]:
    """Common table expressions ending in ``w``: the ids (``id``) of the newest ``RANK_WINDOW``
    matches passing ``restrict``; and the rank expression for the outer query (over ``s``, the row of
    the driving index table, on PostgreSQL; ``w.rank`` or ``c``, the CJK row, on SQLite); each with
    its parameters."""
    words = [t for t in parsed.terms if not t.cjk]
    cjk = [t.text.lower() for t in parsed.terms if t.cjk]
    long_cjk = [t for t in cjk if len(t) >= 3]
    short_cjk = [t for t in cjk if len(t) < 3]
    restrict_sql, restrict_params = restrict
    if _is_postgres():
        # reader_search_cjk.body is stored lower-cased, so the terms compare case-insensitively.
        cjk_where = ["d.body LIKE %s"] * len(long_cjk) + ["strpos(d.body, %s) > 0"] * len(short_cjk)
        cjk_params = [_like_pattern(t) for t in long_cjk] + short_cjk
        if words:
            table = "reader_search"
            where = ["d.document @@ to_tsquery('digest_search', %s)"]
            params = [_tsquery(words, adjacent=False)]
            if any(len(t.pieces) > 1 for t in words):
                # Word order is only known from the document itself, which the index cannot check:
                # the index gives the articles with every word, and the order is checked while the
                # window is read newest first, so a common phrase reads about RANK_WINDOW documents
                # instead of all of them ("prime minister" at 100,000 articles: 55 ms before, 24-36 after).
                order = (
                    "EXISTS (SELECT 1 FROM reader_search p WHERE p.article_id = d.article_id"
                    " AND p.document @@ to_tsquery('digest_search', %s))"
                )
                restrict_sql = f"{order} AND {restrict_sql}" if restrict_sql else order
                restrict_params = [_tsquery(words), *restrict_params]
            if cjk:
                where.append(
                    "d.article_id IN (SELECT d.article_id FROM reader_search_cjk d WHERE d.owner_id = %s AND "
                    + " AND ".join(cjk_where)
                    + ")"
                )
                params += [owner_id, *cjk_params]
            rank = "ts_rank(s.document, to_tsquery('digest_search', %s))"
            rank_params = [_tsquery(words)]
        else:
            table, where, params = "reader_search_cjk", cjk_where, cjk_params
            rank, rank_params = _occurrences("s.body", cjk)
            rank = f"({rank})::float"
        # All matches first (from the GIN index alone: reading the tsvectors is what costs), then
        # newest first, checking the filters (OFFSET 0 keeps them after the sort) until the window
        # is full. Migration 0003 also hides the tsvector statistics from the planner, which would
        # otherwise scan the whole table for a common word, reading every tsvector.
        sql = (
            f"m AS MATERIALIZED (SELECT d.article_id FROM {table} d WHERE d.owner_id = %s AND "
            + " AND ".join(where)
            + "), w AS (SELECT d.article_id AS id"
            + " FROM (SELECT article_id FROM m ORDER BY article_id DESC OFFSET 0) d"
            + (f" WHERE {restrict_sql}" if restrict_sql else "")
            + f" LIMIT {RANK_WINDOW})"
        )
        return sql, [owner_id, *params, *restrict_params], rank, rank_params
    else:
        cjk_conds, cjk_params = [], []
        if long_cjk:
            cjk_conds.append(
                "+d.rowid IN (SELECT rowid FROM reader_search_cjk WHERE reader_search_cjk MATCH %s AND owner = %s)"
            )
            cjk_params += [" ".join(_fts5_quote(t) for t in long_cjk), owner_id]
        for t in short_cjk:
            cjk_conds.append(
                "+d.rowid IN (SELECT rowid FROM reader_search_cjk c "
                "WHERE c.owner = %s AND instr(lower(c.title || ' ' || c.body), %s) > 0)"
            )
            cjk_params += [owner_id, t]
        if words:
            table, where, params = (
                "reader_search",
                ["reader_search MATCH %s"],
                [_fts5_query(owner_id, words)],
            )
            rank, rank_params = "s.rank", []
            window_rank = f"-bm25(reader_search, {_BM25_WEIGHTS})"
        elif long_cjk:
            table = "reader_search_cjk"
            where = ["reader_search_cjk MATCH %s", "d.owner = %s"] + cjk_conds[1:]
            params = cjk_params
            cjk_conds, cjk_params = [], []
            rank, rank_params = "s.rank", []
            window_rank = f"-bm25(reader_search_cjk, {_BM25_CJK_WEIGHTS})"
        else:
            table = "reader_search_cjk"
            where = ["d.owner = %s"] + ["instr(lower(d.title || ' ' || d.body), %s) > 0"] * len(short_cjk)
            params = [owner_id, *short_cjk]
            cjk_conds, cjk_params = [], []
            window_rank = "0.0"
            rank, rank_params = _occurrences("lower(c.title || ' ' || c.body)", short_cjk)
            rank = f"({rank} * 1.0)"
    sql = (
        f"w AS (SELECT d.rowid AS id, {window_rank} AS rank FROM {table} d WHERE "
        + " AND ".join([*where, *cjk_conds] + ([restrict_sql] if restrict_sql else []))
        + f" ORDER BY d.rowid DESC LIMIT {RANK_WINDOW})"
    )
    return sql, [*params, *cjk_params, *restrict_params], rank, rank_params


def _ranked_ids(
    owner_id: int,
    parsed: ParsedQuery,
    restrict: tuple[str, list],
    limit: int,
    offset: int,
) -> tuple[list[tuple[int, float]], int | None]:
    """[(article id, rank)] best first, and the total (None when the window is full or past the end)."""
    window, window_params, rank, rank_params = _window_sql(owner_id, parsed, restrict)
    if _is_postgres():
        table = "reader_search" if any(not t.cjk for t in parsed.terms) else "reader_search_cjk"
        # A subquery per window row: one primary-key lookup each, whatever the planner estimates.
        rank, join = f"(SELECT {rank} FROM {table} s WHERE s.article_id = w.id)", ""
    else:
        join = "JOIN reader_search_cjk c ON c.rowid = w.id" if "c.title" in rank else ""
        rank = rank.replace("s.rank", "w.rank")
    # The window is materialized once: the count and the ranking both read it. Owner and deletion
    # are checked again when the articles are loaded.
    sql = (
        f"WITH {window} "
        f"SELECT w.id, {rank} AS r, (SELECT count(*) FROM w) FROM w {join} "
        "ORDER BY r DESC, w.id DESC LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*window_params, *rank_params, limit, offset])
        rows = cursor.fetchall()
    if not rows:
        return [], (0 if offset == 0 else None)
    window_size = rows[0][2]
    return [(r[0], float(r[1] or 0.0)) for r in rows], (window_size if window_size < RANK_WINDOW else None)


# A filter keeping at most this many articles is applied as their list of ids (see _restriction).
FILTERED_IDS_MAX = 2000


def _restriction(base: QuerySet, parsed: ParsedQuery) -> tuple[str, list]:
    """SQL keeping only the index rows ``d`` whose article passes the query's filters, or ("", [])
    without filters.

    When the filters keep few articles (at most ``FILTERED_IDS_MAX``; one query reading at most that
    many ids finds out), their ids: a common word with such a filter would otherwise check every
    one of its matches ("said lang:de" at 100,000 articles, 61,000 matches and 950 German articles:
    95 → 49 ms on PostgreSQL, 105 → 38 on SQLite). Otherwise a correlated EXISTS, checked per match
    while the window is read newest first: cheap when many articles pass.
    """
    if not parsed.has_filters:
        return "", []
    outer = "d.article_id" if _is_postgres() else "d.rowid"
    ids = list(base.order_by().values_list("id", flat=True)[: FILTERED_IDS_MAX + 1])
    if len(ids) <= FILTERED_IDS_MAX:
        # "+" on SQLite: FTS5 would otherwise run the text query once per listed id (5 s for 972).
        plus = "" if _is_postgres() else "+"
        return f"{plus}{outer} IN ({', '.join(['%s'] * len(ids)) or 'NULL'})", ids
    sql, params = base.filter(pk=RawSQL(outer, ())).order_by().values("id").query.sql_with_params()
    return f"EXISTS ({sql})", list(params)


def search(user, query: str, *, limit: int = 30, offset: int = 0) -> SearchResults:
    """Ranked search of ``user``'s non-deleted articles; never raises on what a person types.

    ``query`` is parsed by ``parse_query``: its free text must all match (words AND phrases; the
    last word as a prefix) and its filters apply as ``apply_filters``. Returns at most ``limit`` hits
    from ``offset``, best first (newest first among equals, and for a query of filters only).

    To stay fast at any size, only the newest ``RANK_WINDOW`` (1,000) matching articles are ranked:
    a query matching more ranks those, and ``total`` is then None ("more than 1,000"); ``total`` is
    exact otherwise. Three SQL queries however many hits: the ranked ids with the total, the
    articles, their READY summaries (for snippets); one when nothing matches. Words with filters
    add one (the ids the filters keep, see ``_restriction``), and ``tag:`` one (the tag ids).
    """
    parsed = parse_query(query)
    limit, offset = max(0, int(limit)), max(0, int(offset))
    base = apply_filters(Article.objects.for_user(user), parsed, user)
    if base.query.is_empty():  # a tag:x the person has no tag called
        return SearchResults(hits=[], total=0, filters=parsed)
    if parsed.terms:
        ranked, total = _ranked_ids(user.pk, parsed, _restriction(base, parsed), limit, offset)
        # for_user: an index entry left behind by a deletion never shows.
        articles = Article.objects.for_user(user).in_bulk([pk for pk, _ in ranked]) if ranked else {}
    else:
        articles = {a.pk: a for a in base.order_by("-id")[offset : offset + limit]}
        ranked = [(pk, 0.0) for pk in articles]
        total = base.values("id")[: RANK_WINDOW + 1].count() if ranked or offset else 0
        total = total if total is not None and total <= RANK_WINDOW else None
    if not ranked:
        return SearchResults(hits=[], total=total, filters=parsed)
    ids = [pk for pk, _ in ranked]
    summaries: dict[int, list[str]] = {}
    for article_id, sentences in (
        Summary.objects.filter(article_id__in=ids, status=Summary.Status.READY)
        .order_by("id")
        .values_list("article_id", "sentences")
    ):
        if isinstance(sentences, list) and article_id not in summaries:
            summaries[article_id] = [s.get("text", "") for s in sentences if isinstance(s, dict)]
    pattern = _highlight_pattern(parsed.terms)
    hits = [
        SearchHit(
            article=articles[pk],
            snippet_html=snippet_html(articles[pk], " ".join(summaries.get(pk, [])), pattern),
            rank=rank,
        )
        for pk, rank in ranked
        if pk in articles
    ]
    return SearchResults(hits=hits, total=total, filters=parsed)


# --- Snippets ----------------------------------------------------------------------------------

SNIPPET_CHARS = 240
SNIPPET_BEFORE = 80

# Folding accented Latin letters to their base letter, one character for one so that positions in
# the folded text are positions in the original: what the index does with remove_diacritics/unaccent.
_FOLD = {
    cp: unicodedata.normalize("NFD", chr(cp))[0]
    for cp in range(0xC0, 0x250)
    if len(unicodedata.normalize("NFD", chr(cp))) > 1
}


def _highlight_pattern(terms: tuple[Term, ...]) -> re.Pattern | None:
    alternatives = []
    for t in terms:
        if t.cjk:
            alternatives.append(re.escape(t.text))
            continue
        body = r"[\W_]+".join(re.escape(p.translate(_FOLD)) for p in t.pieces)
        alternatives.append(r"(?<![^\W_])" + body + (r"[^\W_]*" if t.prefix else r"(?![^\W_])"))
    if not alternatives:
        return None
    # Longest first, so a phrase is marked as a whole rather than word by word.
    alternatives.sort(key=len, reverse=True)
    return re.compile("|".join(alternatives), re.IGNORECASE)


def _cut(text: str, start: int, end: int) -> tuple[int, int]:
    """Move the window ends to whitespace when there is some nearby, so no word is cut in two."""
    if start > 0:
        space = text.find(" ", start, start + 20)
        start = space + 1 if space != -1 else start
    if end < len(text):
        space = text.rfind(" ", end - 20, end)
        end = space if space > start else end
    return start, end


def snippet_html(article: Article, summary_text: str, pattern: re.Pattern | None) -> str:
    """About ``SNIPPET_CHARS`` characters of the article text (else summary, else title) around the first
    match of ``pattern``, HTML-escaped, each match in ``<mark>``; the start of the summary or text
    when nothing matches there (a site or tag match)."""
    for source in (article.text or "", summary_text, article.title or ""):
        folded = source if source.isascii() else source.translate(_FOLD)
        match = pattern.search(folded) if pattern else None
        if match:
            start, end = _cut(
                source,
                max(0, match.start() - SNIPPET_BEFORE),
                match.start() + SNIPPET_CHARS,
            )
            break
    else:
        source = summary_text or article.text or ""
        folded = source
        match = None
        start, end = _cut(source, 0, SNIPPET_CHARS)
    out = ["…" if start > 0 else ""]
    pos = start
    if match:
        for m in pattern.finditer(folded, start, end):
            out.append(escape(source[pos : m.start()]))
            out.append("<mark>" + escape(source[m.start() : m.end()]) + "</mark>")
            pos = m.end()
    out.append(escape(source[pos:end]))
    if end < len(source):
        out.append("…")
    return " ".join("".join(out).split())
