"""Full-text search over a person's articles: one interface, two engines.

What is searched: an article's title, text, site, tag names and the sentences of its READY summaries.

* SQLite (the default install): FTS5 table ``reader_search`` with the ``unicode61`` tokenizer
  (case and diacritics folded, ``remove_diacritics 2``), ranked by FTS5's ``bm25()``
  (``backends/sqlite.py``).
* PostgreSQL: table ``reader_search`` holding a ``tsvector`` (text search configuration
  ``digest_search``: the ``simple`` dictionary after ``unaccent``) under a GIN index, ranked by
  ``ts_rank()`` with the title weighted A, tags and site B, summary C and text D
  (``backends/postgres.py``).

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

Modules: ``query`` (the search box's language, plain Python), ``searching`` (filters, ranking through
the engine, hits), ``snippets``, ``indexing``, and ``backends`` (the engine interface in ``base``, one
class per engine, ``get_backend``).
"""

from __future__ import annotations

from reader.search.indexing import index_article, rebuild_index, remove_article
from reader.search.query import FLAG_ALIASES, ParsedQuery, Term, parse_query
from reader.search.searching import SearchHit, SearchResults, apply_filters, search
from reader.search.snippets import snippet_html

__all__ = [
    "FLAG_ALIASES",
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
    "snippet_html",
]
