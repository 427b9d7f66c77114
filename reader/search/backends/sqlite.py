"""The SQLite engine: FTS5 tables ranked by ``bm25()``.

``reader_search``: one row per article (``rowid`` = article id), columns title, body, summary, site,
tags and owner, tokenizer ``unicode61 remove_diacritics 2`` (case and diacritics folded). The owner
column holds "owner<id>", so FTS5 itself keeps to one person's articles. ``reader_search_cjk``: the
articles holding CJK characters, tokenizer ``trigram`` (substrings of 3 characters and more), owner
as an UNINDEXED integer column.
"""

from __future__ import annotations

from django.db.backends.utils import CursorWrapper

from reader.search.backends.base import Fragment, SearchBackend, Window, occurrences
from reader.search.query import CJK_RANGES, ParsedQuery, Term

# Column weights for bm25(): title, text, summary, site, tags, owner (and title, body, owner for CJK).
_BM25_WEIGHTS = "10.0, 1.0, 3.0, 5.0, 5.0, 0.0"
_BM25_CJK_WEIGHTS = "5.0, 1.0, 0.0"
_FTS5_TEXT_COLUMNS = "title body summary site tags"
# The CJK characters as a GLOB pattern: text containing any of them.
_CJK_GLOB = "*[" + "".join(f"{a}-{b}" for a, b in CJK_RANGES) + "]*"

_INSERT = """
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
# Filled from the rows just written to reader_search: the same text, and the owner's id back as a number.
_INSERT_CJK = """
INSERT INTO reader_search_cjk (rowid, title, body, owner)
SELECT rowid, title, body || char(10) || summary || char(10) || tags, CAST(substr(owner, 6) AS INTEGER)
FROM reader_search
WHERE (title || body || summary || tags) GLOB %s {where}
"""
# A CJK term of 3 characters or more, through the trigram index.
_LONG_CJK_IN = "+d.rowid IN (SELECT rowid FROM reader_search_cjk WHERE reader_search_cjk MATCH %s AND owner = %s)"
# A CJK term of 1-2 characters, shorter than a trigram: a scan of the person's CJK articles.
_SHORT_CJK_IN = (
    "+d.rowid IN (SELECT rowid FROM reader_search_cjk c "
    "WHERE c.owner = %s AND instr(lower(c.title || ' ' || c.body), %s) > 0)"
)


class SQLiteBackend(SearchBackend):
    """FTS5 over ``reader_search`` and ``reader_search_cjk``; rank = ``-bm25()`` (higher is better)."""

    vendor = "sqlite"
    key = "rowid"
    # "+": FTS5 would otherwise run the text query once per listed id (5 s for 972).
    listed_ids_column = "+d.rowid"

    def _clear_all(self, cursor: CursorWrapper) -> None:
        cursor.execute("DELETE FROM reader_search")
        cursor.execute("DELETE FROM reader_search_cjk")

    def _insert(self, cursor: CursorWrapper, marks: str | None, article_ids: list[int]) -> None:
        cursor.execute(_INSERT.format(where=f"AND a.id IN ({marks})" if marks else ""), article_ids)
        cursor.execute(
            _INSERT_CJK.format(where=f"AND rowid IN ({marks})" if marks else ""),
            [_CJK_GLOB, *article_ids],
        )

    def _after_insert_all(self, cursor: CursorWrapper) -> None:
        """Nothing: FTS5 builds its index as rows are inserted."""

    def _settle(self, cursor: CursorWrapper) -> None:
        # Merge each table's b-trees into one.
        cursor.execute("INSERT INTO reader_search (reader_search) VALUES ('optimize')")
        cursor.execute("INSERT INTO reader_search_cjk (reader_search_cjk) VALUES ('optimize')")

    def window(self, owner_id: int, parsed: ParsedQuery, restrict: Fragment) -> Window:
        """Read newest first (``ORDER BY rowid DESC``) from the index table the query starts at: the
        words table when there are words (or ``OR`` groups, or only exclusions), else the CJK table;
        every other CJK term is a semi-join on the CJK table, every excluded term an anti-join. The
        bm25 rank is computed in the window (``w.rank``), since FTS5 gives it only while matching; a
        search of short CJK terms alone ranks by how often they occur."""
        words = [t for t in parsed.terms if not t.cjk]
        cjk = [t.text.lower() for t in parsed.terms if t.cjk]
        long_cjk = [t for t in cjk if len(t) >= 3]
        short_cjk = [t for t in cjk if len(t) < 3]
        short_in = [_SHORT_CJK_IN] * len(short_cjk)
        short_in_params = [x for t in short_cjk for x in (owner_id, t)]
        restrict = _both(restrict, _excluding(owner_id, parsed.excluded))
        if words or parsed.either or not cjk:
            where = ["reader_search MATCH %s"]
            params: list = [_fts5_query(owner_id, words, parsed.either)]
            if long_cjk:
                where.append(_LONG_CJK_IN)
                params += [_fts5_phrases(long_cjk), owner_id]
            return self._window(
                "reader_search",
                f"-bm25(reader_search, {_BM25_WEIGHTS})",
                [*where, *short_in],
                [*params, *short_in_params],
                restrict,
            )
        if long_cjk:
            return self._window(
                "reader_search_cjk",
                f"-bm25(reader_search_cjk, {_BM25_CJK_WEIGHTS})",
                ["reader_search_cjk MATCH %s", "d.owner = %s", *short_in],
                [_fts5_phrases(long_cjk), owner_id, *short_in_params],
                restrict,
            )
        rank, rank_params = occurrences("lower(c.title || ' ' || c.body)", short_cjk)
        return self._window(
            "reader_search_cjk",
            "0.0",
            ["d.owner = %s"] + ["instr(lower(d.title || ' ' || d.body), %s) > 0"] * len(short_cjk),
            [owner_id, *short_cjk],
            restrict,
            rank=f"({rank} * 1.0)",
            rank_params=rank_params,
            join="JOIN reader_search_cjk c ON c.rowid = w.id",
        )

    def _window(
        self,
        table: str,
        window_rank: str,
        where: list[str],
        params: list,
        restrict: Fragment,
        *,
        rank: str = "w.rank",
        rank_params: list | None = None,
        join: str = "",
    ) -> Window:
        """The window ``w``: the newest ``rank_window`` rows ``d`` of ``table`` meeting ``where`` and
        ``restrict``, each with its ``window_rank``; ranked by ``rank`` (the window's own by default)."""
        restrict_sql, restrict_params = restrict
        ctes = (
            f"w AS (SELECT d.rowid AS id, {window_rank} AS rank FROM {table} d WHERE "
            + " AND ".join(where + ([restrict_sql] if restrict_sql else []))
            + f" ORDER BY d.rowid DESC LIMIT {self.rank_window})"
        )
        return Window(
            ctes=ctes,
            params=[*params, *restrict_params],
            rank=rank,
            rank_params=rank_params or [],
            join=join,
        )


def _fts5_query(owner_id: int, terms: list[Term], either: tuple[tuple[Term, ...], ...] = ()) -> str:
    """The MATCH text finding ``owner_id``'s articles with every term, and one term of each group of
    ``either``, in a text column (all of their articles when there are neither)."""
    owner = f'owner : "owner{owner_id}"'
    parts = [_fts5_phrase(t) for t in terms] + ["(" + " OR ".join(_fts5_phrase(t) for t in g) + ")" for g in either]
    if not parts:
        return owner
    return f"{owner} AND {{{_FTS5_TEXT_COLUMNS}}} : ({' AND '.join(parts)})"


def _fts5_phrase(term: Term) -> str:
    # Every piece is letters and digits only, so quoting it cannot break the FTS5 syntax.
    return '"' + " ".join(term.pieces) + '"' + ("*" if term.prefix else "")


def _excluding(owner_id: int, excluded: tuple[Term, ...]) -> Fragment:
    """SQL keeping the index rows ``d`` of articles with none of the ``excluded`` terms ("" for none):
    one anti-join on the words table for the words and phrases, and on the CJK table for the rest."""
    words = [t for t in excluded if not t.cjk]
    cjk = [t.text.lower() for t in excluded if t.cjk]
    sql: list[str] = []
    params: list = []
    if words:
        any_word = " OR ".join(_fts5_phrase(t) for t in words)
        sql.append("+d.rowid NOT IN (SELECT rowid FROM reader_search WHERE reader_search MATCH %s)")
        params.append(f'owner : "owner{owner_id}" AND {{{_FTS5_TEXT_COLUMNS}}} : ({any_word})')
    long_cjk = [t for t in cjk if len(t) >= 3]
    if long_cjk:
        sql.append(
            "+d.rowid NOT IN (SELECT rowid FROM reader_search_cjk WHERE reader_search_cjk MATCH %s AND owner = %s)"
        )
        params += [" OR ".join('"' + t.replace('"', '""') + '"' for t in long_cjk), owner_id]
    for text in (t for t in cjk if len(t) < 3):
        sql.append(_SHORT_CJK_IN.replace("+d.rowid IN", "+d.rowid NOT IN"))
        params += [owner_id, text]
    return " AND ".join(sql), params


def _both(first: Fragment, second: Fragment) -> Fragment:
    """Two conditions as one ("" when both are empty)."""
    sql = " AND ".join(part for part in (first[0], second[0]) if part)
    return sql, [*first[1], *second[1]]


def _fts5_phrases(texts: list[str]) -> str:
    """The MATCH text finding every one of ``texts`` (each quoted as an FTS5 phrase)."""
    return " ".join('"' + text.replace('"', '""') + '"' for text in texts)
