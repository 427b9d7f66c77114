"""The PostgreSQL engine: ``tsvector`` under a GIN index, ranked by ``ts_rank()``.

``reader_search``: one row per article (article_id, owner_id, document), the document a ``tsvector``
of text search configuration ``digest_search`` (the ``simple`` dictionary after ``unaccent``) with
the title weighted A, tags and site B, summary C and text D. ``reader_search_cjk``: the articles
holding CJK characters, their lower-cased text under a ``pg_trgm`` GIN index.
"""

from __future__ import annotations

from django.db.backends.utils import CursorWrapper

from reader.search.backends.base import Fragment, SearchBackend, Window, occurrences
from reader.search.query import CJK_RANGES, ParsedQuery, Term

# A tsvector is limited to 1 MB; text beyond this many characters is not indexed.
PG_MAX_TEXT_CHARS = 300_000
# The CJK characters as a regular expression: text containing any of them.
_CJK_RE = "[" + "".join(f"\\u{ord(a):04x}-\\u{ord(b):04x}" for a, b in CJK_RANGES) + "]"
# The GIN indexes of migration 0003, dropped and rebuilt around a full rebuild.
_GIN_INDEXES = {
    "reader_search_document": "reader_search USING gin (document)",
    "reader_search_cjk_body": "reader_search_cjk USING gin (body gin_trgm_ops)",
}
# A text split into words as FTS5's unicode61 splits it (on every character not a letter or digit),
# so both engines find the same words.
_WORDS = "regexp_replace({}, '[^[:alnum:]]+', ' ', 'g')"
_INSERT = f"""
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
    setweight(to_tsvector('digest_search', {_WORDS.format("title")}), 'A')
    || setweight(to_tsvector('digest_search', {_WORDS.format("tags || ' ' || site")}), 'B')
    || setweight(to_tsvector('digest_search', {_WORDS.format("summary")}), 'C')
    || setweight(to_tsvector('digest_search', {_WORDS.format("text")}), 'D')
  FROM docs
)
INSERT INTO reader_search_cjk (article_id, owner_id, body)
SELECT id, owner_id, lower(concat_ws(E'\\n', title, text, summary, tags)) FROM docs
WHERE concat_ws(E'\\n', title, text, summary, tags) ~ %s
"""
# Word order is only known from the document itself, which the GIN index cannot check.
_IN_ORDER = (
    "EXISTS (SELECT 1 FROM reader_search p WHERE p.article_id = d.article_id"
    " AND p.document @@ to_tsquery('digest_search', %s))"
)


class PostgresBackend(SearchBackend):
    """tsvector/GIN over ``reader_search``, pg_trgm over ``reader_search_cjk``; rank = ``ts_rank()``."""

    vendor = "postgresql"
    key = "article_id"
    listed_ids_column = "d.article_id"

    def _clear_all(self, cursor: CursorWrapper) -> None:
        # Building a GIN index once is much faster than growing it row by row.
        cursor.execute("TRUNCATE reader_search, reader_search_cjk")
        # As migration 0003 does; repeated here for databases migrated before it did.
        cursor.execute("ALTER TABLE reader_search ALTER COLUMN document SET STATISTICS 0")
        for name in _GIN_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")

    def _insert(self, cursor: CursorWrapper, marks: str | None, article_ids: list[int]) -> None:
        cursor.execute(
            _INSERT.format(where=f"AND a.id IN ({marks})" if marks else ""),
            [*article_ids, _CJK_RE],
        )

    def _after_insert_all(self, cursor: CursorWrapper) -> None:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for name, definition in _GIN_INDEXES.items():
            cursor.execute(f"CREATE INDEX {name} ON {definition}")

    def _settle(self, cursor: CursorWrapper) -> None:
        cursor.execute("ANALYZE reader_search")
        cursor.execute("ANALYZE reader_search_cjk")

    def window(self, owner_id: int, parsed: ParsedQuery, restrict: Fragment) -> Window:
        """All matches first, from the GIN index of the words table (when there are words; the CJK
        table otherwise) alone: reading the tsvectors is what costs. Then newest first, checking
        word order and the filters (``OFFSET 0`` keeps them after the sort) until the window is
        full. Migration 0003 also hides the tsvector statistics from the planner, which would
        otherwise scan the whole table for a common word, reading every tsvector. The rank is one
        primary-key lookup per window row, whatever the planner estimates."""
        words = [t for t in parsed.terms if not t.cjk]
        either = parsed.either
        cjk = [t.text.lower() for t in parsed.terms if t.cjk]
        long_cjk = [t for t in cjk if len(t) >= 3]
        short_cjk = [t for t in cjk if len(t) < 3]
        restrict_sql, restrict_params = restrict
        excluding, excluding_params = _excluding(owner_id, parsed.excluded)
        if excluding:
            restrict_sql = f"{restrict_sql} AND {excluding}" if restrict_sql else excluding
            restrict_params = [*restrict_params, *excluding_params]
        # reader_search_cjk.body is stored lower-cased, so the terms compare case-insensitively.
        cjk_where = ["d.body LIKE %s"] * len(long_cjk) + ["strpos(d.body, %s) > 0"] * len(short_cjk)
        cjk_params = [_like_pattern(t) for t in long_cjk] + short_cjk
        if words or either:
            table = "reader_search"
            where = ["d.document @@ to_tsquery('digest_search', %s)"]
            params: list = [_tsquery(words, either, adjacent=False)]
            if any(len(t.pieces) > 1 for t in [*words, *(t for g in either for t in g)]):
                # The index gives the articles with every word, and the order is checked while the
                # window is read newest first, so a common phrase reads about rank_window documents
                # instead of all of them ("prime minister" at 100,000 articles: 55 ms before, 24-36 after).
                restrict_sql = f"{_IN_ORDER} AND {restrict_sql}" if restrict_sql else _IN_ORDER
                restrict_params = [_tsquery(words, either), *restrict_params]
            if cjk:
                where.append(
                    "d.article_id IN (SELECT d.article_id FROM reader_search_cjk d WHERE d.owner_id = %s AND "
                    + " AND ".join(cjk_where)
                    + ")"
                )
                params += [owner_id, *cjk_params]
            rank = "ts_rank(s.document, to_tsquery('digest_search', %s))"
            rank_params = [_tsquery(words, either)]
        elif cjk:
            table, where, params = "reader_search_cjk", cjk_where, cjk_params
            occurring, rank_params = occurrences("s.body", cjk)
            rank = f"({occurring})::float"
        else:
            # Only exclusions: every article of the person's, newest first, less the excluded ones.
            table, where, params, rank, rank_params = "reader_search", ["true"], [], "0.0", []
        ctes = (
            f"m AS MATERIALIZED (SELECT d.article_id FROM {table} d WHERE d.owner_id = %s AND "
            + " AND ".join(where)
            + "), w AS (SELECT d.article_id AS id"
            + " FROM (SELECT article_id FROM m ORDER BY article_id DESC OFFSET 0) d"
            + (f" WHERE {restrict_sql}" if restrict_sql else "")
            + f" LIMIT {self.rank_window})"
        )
        return Window(
            ctes=ctes,
            params=[owner_id, *params, *restrict_params],
            rank=f"(SELECT {rank} FROM {table} s WHERE s.article_id = w.id)",
            rank_params=rank_params,
        )


def _tsquery(terms: list[Term], either: tuple[tuple[Term, ...], ...] = (), *, adjacent: bool = True) -> str:
    """The tsquery text of ``terms`` (all of them) and ``either`` (one term of each group);
    ``adjacent=False`` drops the word order inside phrases (every word present anywhere: what the
    GIN index answers without reading a single document)."""
    parts = [_tsterm(t, adjacent) for t in terms]
    parts += ["(" + " | ".join(_tsterm(t, adjacent) for t in group) + ")" for group in either]
    return " & ".join(parts)


def _tsterm(term: Term, adjacent: bool) -> str:
    # Pieces are letters and digits only, so they are safe inside tsquery quotes.
    lexemes = [f"'{p}'" for p in term.pieces]
    if term.prefix:
        lexemes[-1] += ":*"
    return "(" + (" <-> " if adjacent else " & ").join(lexemes) + ")"


def _excluding(owner_id: int, excluded: tuple[Term, ...]) -> Fragment:
    """SQL keeping the rows ``d`` of articles with none of the ``excluded`` terms ("" for none): the
    ids having one, found through the GIN indexes once, left out."""
    words = [t for t in excluded if not t.cjk]
    cjk = [t.text.lower() for t in excluded if t.cjk]
    sql: list[str] = []
    params: list = []
    if words:
        sql.append(
            "d.article_id NOT IN (SELECT article_id FROM reader_search"
            " WHERE owner_id = %s AND document @@ to_tsquery('digest_search', %s))"
        )
        params += [owner_id, " | ".join(_tsterm(t, True) for t in words)]
    if cjk:
        found = ["body LIKE %s" if len(t) >= 3 else "strpos(body, %s) > 0" for t in cjk]
        sql.append(
            "d.article_id NOT IN (SELECT article_id FROM reader_search_cjk WHERE owner_id = %s AND ("
            + " OR ".join(found)
            + "))"
        )
        params += [owner_id, *(_like_pattern(t) if len(t) >= 3 else t for t in cjk)]
    return " AND ".join(sql), params


def _like_pattern(text: str) -> str:
    """A LIKE pattern finding ``text`` anywhere (its ``\\``, ``%`` and ``_`` escaped)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
