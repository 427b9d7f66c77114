"""What every search engine does, and the parts they share.

An engine keeps two index tables, ``reader_search`` (words) and ``reader_search_cjk`` (substrings of
the articles holding Chinese, Japanese or Korean characters), made by migration 0003, and answers a
query in one ranking statement. The statement's frame is shared (``SearchBackend.ranked_ids``): common
table expressions ending in ``w``, the window of the newest ``rank_window`` matches passing the
filters, are ranked, counted and paged in one go. Each engine writes its own SQL for filling the
tables (``_insert``) and for the window and its rank (``window``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from reader.search.query import ParsedQuery

# Only the newest this many matches of a query are ranked, which bounds the cost of a common word.
RANK_WINDOW = 1000
# A filter keeping at most this many articles is applied as their list of ids (see
# ``SearchBackend.restriction``).
FILTERED_IDS_MAX = 2000

# SQL and its parameters.
Fragment = tuple[str, list[Any]]


@dataclass(frozen=True)
class Window:
    """An engine's part of the ranking statement.

    ``ctes``: common table expressions ending in ``w``, whose ``id`` column holds the ids of the
    newest ``rank_window`` matches passing the filters, newest first; ``rank``: the SQL of a row of
    ``w``'s rank (higher is better); ``join``: what the rank needs joined to ``w`` ("" for nothing);
    ``params`` and ``rank_params``: the parameters of ``ctes`` and of ``rank``, in order.
    """

    ctes: str
    params: list[Any]
    rank: str
    rank_params: list[Any]
    join: str = ""


class SearchBackend(ABC):
    """One database engine's full-text index: keeping it up to date and ranking a query over it.

    Subclasses set the class attributes below and write the engine's SQL in ``_clear_all``,
    ``_insert``, ``_after_insert_all``, ``_settle`` and ``window``; everything else is shared.
    """

    #: ``connection.vendor`` of the engine.
    vendor: str
    #: The index tables' column holding the article id.
    key: str
    #: What the ids of an index row ``d`` are compared with when the filters are a list of ids.
    listed_ids_column: str
    #: See the module constants; class attributes so that a test can make them small.
    rank_window: int = RANK_WINDOW
    filtered_ids_max: int = FILTERED_IDS_MAX

    # --- Index maintenance ---------------------------------------------------------------------

    def write(self, article_ids: list[int] | None) -> None:
        """Delete and re-insert the index entries of ``article_ids`` (all articles when None), in one
        transaction; an id of a missing or deleted article ends up with no entry."""
        with transaction.atomic(), connection.cursor() as cursor:
            if article_ids is None:
                self._clear_all(cursor)
                self._insert(cursor, None, [])
                self._after_insert_all(cursor)
            else:
                marks = ", ".join(["%s"] * len(article_ids))
                cursor.execute(f"DELETE FROM reader_search WHERE {self.key} IN ({marks})", article_ids)
                cursor.execute(f"DELETE FROM reader_search_cjk WHERE {self.key} IN ({marks})", article_ids)
                self._insert(cursor, marks, list(article_ids))

    def remove(self, article_id: int) -> None:
        """Delete the index entries of one article (no-op when it has none)."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM reader_search WHERE {self.key} = %s", [article_id])
            cursor.execute(f"DELETE FROM reader_search_cjk WHERE {self.key} = %s", [article_id])

    def rebuild(self) -> int:
        """Rebuild every entry in bulk, then settle the tables (``_settle``); returns the number of
        articles indexed."""
        self.write(None)
        with connection.cursor() as cursor:
            self._settle(cursor)
            cursor.execute("SELECT count(*) FROM reader_search")
            return cursor.fetchone()[0]

    @abstractmethod
    def _clear_all(self, cursor: CursorWrapper) -> None:
        """Empty both index tables before a full rebuild."""

    @abstractmethod
    def _insert(self, cursor: CursorWrapper, marks: str | None, article_ids: list[int]) -> None:
        """Insert the entries of the live articles listed (``marks``: their "%s, %s, ..."
        placeholders, ``article_ids`` the values), or of all live articles when ``marks`` is None."""

    @abstractmethod
    def _after_insert_all(self, cursor: CursorWrapper) -> None:
        """What a full rebuild does after inserting, inside its transaction."""

    @abstractmethod
    def _settle(self, cursor: CursorWrapper) -> None:
        """Make the rebuilt tables fast to query straight away (statistics, merged b-trees)."""

    # --- Searching -----------------------------------------------------------------------------

    @abstractmethod
    def window(self, owner_id: int, parsed: ParsedQuery, restrict: Fragment) -> Window:
        """The window of ``owner_id``'s articles matching ``parsed``'s free text (``terms``, ``either``
        and ``excluded``: there is at least one of them) and ``restrict`` (a condition on the index row
        ``d``; "" for none), and its rank."""

    def restriction(self, base: QuerySet, parsed: ParsedQuery) -> Fragment:
        """SQL keeping only the index rows ``d`` whose article is in ``base`` (the person's articles
        narrowed by the query's filters), or ("", []) when the query has no filters.

        When the filters keep few articles (at most ``filtered_ids_max``; one query reading at most
        that many ids finds out), their ids: a common word with such a filter would otherwise check
        every one of its matches ("said lang:de" at 100,000 articles, 61,000 matches and 950 German
        articles: 95 → 49 ms on PostgreSQL, 105 → 38 on SQLite). Otherwise a correlated EXISTS,
        checked per match while the window is read newest first: cheap when many articles pass.
        """
        if not parsed.has_filters:
            return "", []
        ids = list(base.order_by().values_list("id", flat=True)[: self.filtered_ids_max + 1])
        if len(ids) <= self.filtered_ids_max:
            return f"{self.listed_ids_column} IN ({', '.join(['%s'] * len(ids)) or 'NULL'})", ids
        outer = f"d.{self.key}"
        sql, params = base.filter(pk=RawSQL(outer, ())).order_by().values("id").query.sql_with_params()
        return f"EXISTS ({sql})", list(params)

    def ranked_ids(
        self,
        owner_id: int,
        parsed: ParsedQuery,
        base: QuerySet,
        limit: int,
        offset: int,
    ) -> tuple[list[tuple[int, float]], int | None]:
        """[(article id, rank)] of ``owner_id``'s articles in ``base`` matching ``parsed``'s text, best
        first (newest first among equals), ``limit`` from ``offset``; and the total (None when the
        window is full or the page is past the end). One query, two with filters (``restriction``)."""
        window = self.window(owner_id, parsed, self.restriction(base, parsed))
        # The window is materialized once: the count and the ranking both read it. Owner and deletion
        # are checked again when the articles are loaded.
        sql = (
            f"WITH {window.ctes} "
            f"SELECT w.id, {window.rank} AS r, (SELECT count(*) FROM w) FROM w {window.join} "
            "ORDER BY r DESC, w.id DESC LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*window.params, *window.rank_params, limit, offset])
            rows = cursor.fetchall()
        if not rows:
            return [], (0 if offset == 0 else None)
        window_size = rows[0][2]
        return [(r[0], float(r[1] or 0.0)) for r in rows], (window_size if window_size < self.rank_window else None)


def occurrences(text_sql: str, terms: list[str]) -> Fragment:
    """SQL counting how often the lower-case ``terms`` occur in ``text_sql`` (a lower-case text): a
    plain term frequency, the rank of a CJK-only search."""
    one = f"(length({text_sql}) - length(replace({text_sql}, %s, ''))) / length(%s)"
    return "(" + " + ".join([one] * len(terms)) + ")", [x for t in terms for x in (t, t)]
