"""Answering a search: the query's filters as an article queryset, the ranked ids from the engine,
then the articles and their snippets."""

from __future__ import annotations

from dataclasses import dataclass, field

from reader.models import Article, ArticleQuerySet, Tag
from reader.search.backends import get_backend
from reader.search.query import ParsedQuery, parse_query
from reader.search.snippets import highlight_pattern, snippet_html
from summaries.models import Summary


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


def apply_filters(qs: ArticleQuerySet, parsed: ParsedQuery, user) -> ArticleQuerySet:
    """``qs`` (``user``'s articles) narrowed by the query's filters; the free text is not applied.

    Flags combine with AND (``reader.models.FLAG_FILTERS``: unread = ``read_at`` empty, read = set,
    archived = ``archived_at`` set, favourite, pending = status not ready nor failed, failed). Every
    ``tag:`` must be on the article (names compared case-insensitively). ``site:`` matches the site
    or its subdomains, ``lang:`` the language or its regional forms ("pt" finds "pt-br"); several of
    either combine with OR.
    """
    for flag in sorted(parsed.flags):
        qs = qs.with_flag(flag)
    if parsed.tags:
        # The person's tag ids first (one query): each match is then checked against its own tag
        # links alone, not joined to the tags to compare names ("said is:unread tag:business" at
        # 100,000 articles on PostgreSQL: about 80 ms before, 58 after). A name the person has no
        # tag called keeps nothing.
        ids = Tag.objects.ids_named(user, parsed.tags)
        for name in parsed.tags:
            qs = qs.tagged(ids.get(name.lower(), []))
    if parsed.sites:
        qs = qs.from_sites(parsed.sites)
    if parsed.languages:
        qs = qs.in_languages(parsed.languages)
    return qs


def search(user, query: str, *, limit: int = 30, offset: int = 0) -> SearchResults:
    """Ranked search of ``user``'s non-deleted articles; never raises on what a person types.

    ``query`` is parsed by ``parse_query``: its free text must all match (words AND phrases; one of
    the terms joined by ``OR``; none of the ``-excluded`` ones; the last word as a prefix) and its
    filters apply as ``apply_filters``. Returns at most ``limit`` hits
    from ``offset``, best first (newest first among equals, and for a query of filters only).

    To stay fast at any size, only the newest ``RANK_WINDOW`` (1,000) matching articles are ranked:
    a query matching more ranks those, and ``total`` is then None ("more than 1,000"); ``total`` is
    exact otherwise. Three SQL queries however many hits: the ranked ids with the total, the
    articles, their READY summaries (for snippets); one when nothing matches. Words with filters
    add one (the ids the filters keep, see ``SearchBackend.restriction``), and ``tag:`` one (the tag ids).
    """
    parsed = parse_query(query)
    limit, offset = max(0, int(limit)), max(0, int(offset))
    base = apply_filters(Article.objects.for_user(user), parsed, user)
    if base.query.is_empty():  # a tag:x the person has no tag called
        return SearchResults(hits=[], total=0, filters=parsed)
    backend = get_backend()
    if parsed.has_text:
        ranked, total = backend.ranked_ids(user.pk, parsed, base, limit, offset)
        # for_user: an index entry left behind by a deletion never shows.
        articles = Article.objects.for_user(user).in_bulk([pk for pk, _ in ranked]) if ranked else {}
    else:
        articles = {a.pk: a for a in base.order_by("-id")[offset : offset + limit]}
        ranked = [(pk, 0.0) for pk in articles]
        counted = base.values("id")[: backend.rank_window + 1].count() if ranked or offset else 0
        total = counted if counted <= backend.rank_window else None
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
    pattern = highlight_pattern(parsed.wanted)
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
