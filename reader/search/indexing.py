"""Keeping the search index up to date: the calls the pipeline, the organize service and
``manage.py rebuild_search_index`` make."""

from __future__ import annotations

from reader.search.backends import get_backend


def index_article(article_id: int) -> None:
    """(Re)build the index entry of one article from its current title, text, site, tag names and
    READY summaries. Idempotent; a missing or deleted article is removed from the index instead."""
    get_backend().write([int(article_id)])


def remove_article(article_id: int) -> None:
    """Remove one article from the index (no-op when it is not there)."""
    get_backend().remove(int(article_id))


def rebuild_index() -> int:
    """Rebuild the whole index in bulk (a few SQL statements, no per-article round trips).

    Returns the number of articles indexed. On SQLite the FTS5 b-trees are merged afterwards
    (``optimize``) and on PostgreSQL the tables analyzed, so queries are fast straight away.
    """
    return get_backend().rebuild()
