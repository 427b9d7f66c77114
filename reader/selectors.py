"""Reads: a person's preferences and the summary they see, articles as plain data, and the reading
list's pages (views, filters, sort, keyset pagination, counts).

Nothing here writes. The filter predicates themselves are ``ArticleQuerySet`` methods (reader/models.py),
shared with the search backends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum, prefetch_related_objects
from django.db.models.functions import Lower

from reader import conf
from reader.fetch.urls import site_of
from reader.models import (
    FLAG_FILTERS,
    Article,
    ArticleQuerySet,
    ImportJob,
    ListCount,
    ReaderPreferences,
    Tag,
)
from summaries.models import Summary
from summaries.summarizer import MAX_SENTENCES, available_algorithms

# --- The person's choices and the summary they see ---------------------------------------------


def preferences_of(user) -> ReaderPreferences:
    """``user``'s ``ReaderPreferences``, or unsaved defaults when they have none yet.

    The one place preferences are looked up: the result is kept on the user object, so the
    templates, the context processor and ``default_variant`` share one query per request.
    """
    try:
        return user.reader_preferences
    except ReaderPreferences.DoesNotExist:
        prefs = ReaderPreferences(user=user)
        user.reader_preferences = prefs
        return prefs


def default_variant(user=None) -> tuple[str, int]:
    """The (algorithm, sentence count) shown to ``user`` when none is asked for.

    The person's choice in ``ReaderPreferences`` when they made one, else the site's
    ``DIGEST_SUMMARY_ALGORITHM`` / ``DIGEST_SUMMARY_SENTENCES``.
    """
    algorithm, sentences = settings.DIGEST_SUMMARY_ALGORITHM, settings.DIGEST_SUMMARY_SENTENCES
    if user is not None and user.pk:
        prefs = preferences_of(user)
        algorithm = prefs.summary_algorithm or algorithm
        sentences = prefs.summary_sentences or sentences
    return algorithm, sentences


def parse_variant(algorithm: str | None, sentences: str | int | None, user=None) -> tuple[str, int]:
    """A valid (algorithm, sentence count) from request values, falling back to ``default_variant``.

    Unknown names and counts outside 1..``MAX_SENTENCES`` fall back to the default.
    """
    default_algorithm, default_sentences = default_variant(user)
    if algorithm not in available_algorithms(conf.summary_options()):
        algorithm = default_algorithm
    try:
        count = int(sentences) if sentences is not None and sentences != "" else default_sentences
    except (TypeError, ValueError):
        count = default_sentences
    if not 1 <= count <= MAX_SENTENCES:
        count = default_sentences
    return algorithm or default_algorithm, count


def summaries_to_show(user, article_ids: list[int]) -> dict[int, Summary]:
    """The summary to show for each article id (absent when it has none), in one query.

    In this order, the first that is ready: the variant the person chose for the article on its page
    ("Use this summary": ``Article.summary_algorithm``/``summary_sentences``); their default variant;
    the first summary made for the article (made when it was saved, under the default of that time, so
    an article saved before they changed their default keeps the one it has). A variant only looked
    at on the article page is never shown here: looking is not choosing.
    """
    wanted = default_variant(user)
    chosen: dict[int, tuple[int, Summary]] = {}
    rows = (
        Summary.objects.filter(article__in=article_ids, status=Summary.Status.READY)
        .annotate(pinned_algorithm=F("article__summary_algorithm"), pinned_sentences=F("article__summary_sentences"))
        .order_by("created_at", "pk")
    )
    for summary in rows:
        variant = (summary.algorithm, summary.sentence_count)
        pinned = (getattr(summary, "pinned_algorithm"), getattr(summary, "pinned_sentences"))  # noqa: B009
        rank = 0 if variant == pinned else 1 if variant == wanted else 2
        current = chosen.get(summary.article_id)
        if current is None or rank < current[0]:
            chosen[summary.article_id] = (rank, summary)
    return {article_id: summary for article_id, (_, summary) in chosen.items()}


def attach_summaries(user, articles: list[Article]) -> None:
    """Give each article its summary to show as ``.summary`` (see ``summaries_to_show``), in one query."""
    by_article = summaries_to_show(user, [a.pk for a in articles])
    for article in articles:
        article.summary = by_article.get(article.pk)


def kept_in_place_of(article: Article) -> Article | None:
    """The live article that holds the story of ``article`` when ``article`` was folded into it as the
    same story under another address (``reader.pipeline.dedupe``: deleted, ``error_code`` "duplicate",
    the other's canonical URL kept as a pointer); None for any other article."""
    if article.deleted_at is None or article.error_code != "duplicate":
        return None
    return Article.objects.for_user(article.owner).filter(canonical_url=article.canonical_url).first()


def published_in_page_offset(article: Article) -> str | None:
    """``published_at`` as ISO 8601 in the offset the page gave (UTC when it gave none), or None."""
    if article.published_at is None:
        return None
    offset = article.published_offset or 0
    return article.published_at.astimezone(dt_timezone(timedelta(minutes=offset))).isoformat()


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def article_as_dict(article: Article) -> dict:
    """One article as JSON-ready data.

    Keys: ``id, url, canonical_url, final_url, status, error, title, authors (list of str),
    published_at (ISO 8601 or None), top_image, language (ISO 639-1), text, paywalled, blocked,
    summary`` (list of sentence strings of the summary the person sees, [] when there is none).
    """
    summary = summaries_to_show(article.owner, [article.pk]).get(article.pk)
    return {
        "id": article.pk,
        "url": article.url,
        "canonical_url": article.canonical_url,
        "final_url": article.final_url,
        "status": article.status,
        "error": article.error,
        "title": article.title,
        "authors": article.authors,
        "published_at": published_in_page_offset(article),
        "top_image": article.top_image,
        "language": article.language,
        "text": article.text,
        "paywalled": article.paywalled,
        "blocked": article.blocked,
        "summary": summary.sentence_texts if summary else [],
    }


# --- The reading list ---------------------------------------------------------------------------

# The list views (``?show=``); the default is "unread": not read and not archived.
SHOWS = ("unread", "archived", "favourites", "pending", "failed", "all")
SORTS = ("saved", "published")
SHOW_LABELS = {
    "unread": "Unread",
    "archived": "Archive",
    "favourites": "Favourites",
    "pending": "Pending",
    "failed": "Failed",
    "all": "All",
}
# How each view is written in the search box (reader.search.parse_query's operators).
SHOW_OPERATORS = {
    "unread": "is:unread",
    "archived": "is:archived",
    "favourites": "is:favourite",
    "pending": "is:pending",
    "failed": "is:failed",
    "all": "",
}
# A list view is a combination of the model's flags: "unread" is not read and not archived (the
# search box's ``is:unread`` is the flag alone).
SHOW_FILTERS = {
    "unread": Q(archived_at__isnull=True) & FLAG_FILTERS["unread"],
    "archived": FLAG_FILTERS["archived"],
    "favourites": FLAG_FILTERS["favourite"],
    "pending": FLAG_FILTERS["pending"],
    "failed": FLAG_FILTERS["failed"],
    "all": Q(),
}

# The ``ListCount`` column of each view.
LIST_COUNT_COLUMNS = {show: "total" if show == "all" else show for show in SHOWS}


@dataclass(frozen=True)
class ListFilters:
    """What the list page shows, from its query string.

    ``show``: one of ``SHOWS``; ``show_given``: it was in the URL (a search without one looks in
    all articles); ``tag``, ``site``, ``lang``: narrowing filters ("" = none); ``sort``: "saved" (date
    saved) or "published" (date published, undated last); ``q``: the search box text.
    """

    show: str = "unread"
    show_given: bool = False
    tag: str = ""
    site: str = ""
    lang: str = ""
    sort: str = "saved"
    q: str = ""
    # Tag ids, and the sites and languages the filters match, by owner id, looked up once per page.
    _tag_ids: dict = field(default_factory=dict, init=False, compare=False, repr=False)
    _names: dict = field(default_factory=dict, init=False, compare=False, repr=False)

    def tag_ids(self, user) -> list[int]:
        """Ids of ``user``'s tags named ``tag`` in any case (at most one; [] when there is none).

        One query, remembered on this object so the counts and the rows of a page share it. The
        ids go into the list queries as literals: with a subquery in their place PostgreSQL cannot
        tell a tag on 20,000 articles from one on 20, and walks every link of the tag's name through
        the primary key (54 ms at 100,000 articles) where a hash join over the list index takes 28.
        """
        if user.pk not in self._tag_ids:
            self._tag_ids[user.pk] = Tag.objects.ids_named(user, [self.tag]).get(self.tag.lower(), [])
        return self._tag_ids[user.pk]

    def names(self, user, kind: str) -> list[str]:
        """The sites (``kind`` "site": ``site`` and its subdomains) or languages ("lang": ``lang`` and
        its regional forms) of ``user``'s articles that this filter matches, as stored.

        One query on the counts the database keeps (``ListCount``, which has a row for every site and
        language of the person's articles), remembered on this object. The list then asks for
        ``site IN (...)`` instead of a pattern, which an index on the site can answer in order: a rare
        language's page reads its own articles instead of walking the whole list to find 30.
        """
        key = (user.pk, kind)
        if key not in self._names:
            rows = ListCount.objects.filter(owner=user, kind=kind)
            if kind == "site":
                rows = rows.filter(Q(name=self.site) | Q(name__endswith="." + self.site))
            else:
                rows = rows.filter(Q(name=self.lang) | Q(name__startswith=self.lang + "-"))
            self._names[key] = list(rows.values_list("name", flat=True))
        return self._names[key]

    def params(self, **changes) -> str:
        """This list's query string (no "?"), with ``changes`` applied; empty and default values left out."""
        values = {
            "q": self.q,
            "show": self.show if self.show_given else "",
            "tag": self.tag,
            "site": self.site,
            "lang": self.lang,
            "sort": self.sort if self.sort != "saved" else "",
        }
        values.update(changes)
        return urlencode([(k, v) for k, v in values.items() if v])

    @property
    def search_query(self) -> str:
        """The search box text with this list's view and filters appended as operators."""
        parts = [self.q]
        if self.show_given:
            parts.append(SHOW_OPERATORS[self.show])
        for op, value in (("tag", self.tag), ("site", self.site), ("lang", self.lang)):
            if value:
                parts.append(f'{op}:"{value}"' if " " in value else f"{op}:{value}")
        return " ".join(p for p in parts if p)


def list_filters(params) -> ListFilters:
    """``ListFilters`` from a ``QueryDict`` (or dict); unknown values fall back to the defaults."""
    show = params.get("show", "")
    sort = params.get("sort", "")
    q = (params.get("q") or "").strip()
    return ListFilters(
        show=show if show in SHOWS else ("all" if q else "unread"),
        show_given=show in SHOWS,
        tag=(params.get("tag") or "").strip()[: Tag.NAME_MAX_CHARS],
        site=site_key(params.get("site") or ""),
        lang=(params.get("lang") or "").strip().lower()[:8],
        sort=sort if sort in SORTS else "saved",
        q=q[:500],
    )


def site_key(value: str) -> str:
    """A site as the list stores and filters it, from what a person typed: "https://www.BBC.co.uk/news"
    gives "bbc.co.uk" ("" for nothing)."""
    value = value.strip()[:255]
    # As sites are stored: "https://www.BBC.co.uk/news" finds "bbc.co.uk".
    return (site_of(value) or value.lower()) if value else ""


def narrowed(qs: ArticleQuerySet, filters: ListFilters, user, *, patterns: bool = False) -> ArticleQuerySet:
    """``qs`` (``user``'s live articles) narrowed by tag, site (or its subdomains) and language (or its
    regional forms); the sites and languages as the list of those the person has (``ListFilters.names``),
    or with ``patterns`` compared with each article's own (what the search box does)."""
    if filters.tag:
        ids = filters.tag_ids(user)
        qs = qs.tagged(ids) if ids else qs.none()
    if patterns:
        qs = qs.from_sites([filters.site]) if filters.site else qs
        return qs.in_languages([filters.lang]) if filters.lang else qs
    for kind, column in (("site", "site"), ("lang", "language")):
        if getattr(filters, kind):
            names = filters.names(user, kind)
            qs = qs.filter(**{f"{column}__in": names}) if names else qs.none()
    return qs


def list_queryset(user, filters: ListFilters) -> QuerySet:
    """The user's live articles in the list ``filters`` describes (view and narrowing, no search, unordered)."""
    return narrowed(Article.objects.for_user(user), filters, user).filter(SHOW_FILTERS[filters.show])


def view_counts(user, filters: ListFilters) -> dict[str, int]:
    """Articles in each view (``SHOWS`` → count) within the tag/site/lang filters, in one query.

    Read from the counts the database keeps (``ListCount``, reader/counts.py): the whole list's row, or
    the rows of the one narrowing filter (a tag; a site and its subdomains; a language and its regional
    forms), so the cost does not grow with the articles. A page narrowed by two filters at once counts
    its articles instead (``counted_views``).
    """
    narrowing = [name for name in ("tag", "site", "lang") if getattr(filters, name)]
    if len(narrowing) > 1:
        return counted_views(user, filters)
    rows = ListCount.objects.filter(owner=user)
    if not narrowing:
        rows = rows.filter(kind="", name="")
    elif filters.tag:
        rows = rows.filter(kind="tag", name__in=[str(pk) for pk in filters.tag_ids(user)])
    elif filters.site:
        rows = rows.filter(Q(name=filters.site) | Q(name__endswith="." + filters.site), kind="site")
    else:
        rows = rows.filter(Q(name=filters.lang) | Q(name__startswith=filters.lang + "-"), kind="lang")
    sums = rows.aggregate(**{show: Sum(LIST_COUNT_COLUMNS[show]) for show in SHOWS})
    return {show: sums[show] or 0 for show in SHOWS}


def counted_views(user, filters: ListFilters) -> dict[str, int]:
    """``view_counts`` by counting the articles themselves (their list index), in one query."""
    qs = narrowed(Article.objects.for_user(user), filters, user, patterns=True)
    # No DISTINCT: a tag filter matches one tag per article (names are unique per person).
    return qs.aggregate(**{show: Count("pk", filter=SHOW_FILTERS[show]) for show in SHOWS})


def tags_of(user) -> list[Tag]:
    """The user's tags by name (one query). A tag left on no article is deleted by the organize
    service, so every tag listed leads somewhere; counting articles per tag here would read every
    tag link on each page view (about 60 ms at 100,000 articles), so the list does not."""
    return list(Tag.objects.filter(owner=user).order_by(Lower("name")))


def _sort_key(article: Article, sort: str):
    return article.published_at if sort == "published" else article.created_at


def encode_cursor(article: Article, sort: str) -> str:
    """The cursor after ``article``: its sort key (microseconds since the epoch, "n" when undated) and id."""
    key = _sort_key(article, sort)
    stamp = "n" if key is None else str(_micros(key))
    return f"{stamp}.{article.pk}"


def _micros(moment: datetime) -> int:
    delta = moment - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def decode_cursor(cursor: str) -> tuple[datetime | None, int] | None:
    """(sort key or None for undated, id) from ``encode_cursor``'s text; None when it is not one."""
    stamp, _, pk = (cursor or "").partition(".")
    if not pk.isdigit():
        return None
    if stamp == "n":
        return None, int(pk)
    try:
        return EPOCH + timedelta(microseconds=int(stamp)), int(pk)
    except (ValueError, OverflowError):
        return None


def after_cursor(qs: QuerySet, cursor: tuple[datetime | None, int]) -> QuerySet:
    """``qs`` keeps the rows that come after ``cursor`` in date-saved order (keyset pagination).

    The date-published order pages its dated and undated rows apart, in ``article_page``.
    """
    # "key <= k AND (key < k OR id < i)" rather than "key < k OR (key = k AND id < i)": the same rows,
    # but the first conjunct is a range an index on the key can start from, so a deep page costs
    # what the first one does.
    key, pk = cursor
    if key is None:
        return qs.none()
    return qs.filter(Q(created_at__lte=key) & (Q(created_at__lt=key) | Q(pk__lt=pk)))


def ordered(qs: QuerySet, sort: str) -> QuerySet:
    """``qs`` newest first by date saved, or by date published (undated last); ties by id, newest first."""
    if sort == "published":
        return qs.order_by(F("published_at").desc(nulls_last=True), "-id")
    return qs.order_by("-created_at", "-id")


@dataclass
class ArticlePage:
    """One page of the list: ``articles`` (tags prefetched, text deferred) and ``next_cursor`` (None on the last page)."""

    articles: list[Article]
    next_cursor: str | None


def article_page(user, filters: ListFilters, *, cursor: str = "", size: int = 30) -> ArticlePage:
    """A page of ``size`` articles of the list ``filters`` describes, after ``cursor`` (``encode_cursor``).

    At most three
    queries (the articles, dated then undated when sorting by date published, and their tags) whatever
    the page size or depth.
    """
    qs = list_queryset(user, filters).defer("text")
    parsed = decode_cursor(cursor)
    if filters.sort == "published":
        # Dated rows, then undated ones, as two range scans: "published_at IS NULL" in an OR would
        # keep the database from starting at the cursor, so each page would read the whole list.
        rows: list[Article] = []
        if parsed is None or parsed[0] is not None:
            dated = qs.filter(published_at__isnull=False)
            if parsed is not None:
                key, pk = parsed
                dated = dated.filter(Q(published_at__lte=key) & (Q(published_at__lt=key) | Q(pk__lt=pk)))
            rows = list(dated.order_by("-published_at", "-id")[: size + 1])
        if len(rows) <= size:
            undated = qs.filter(published_at__isnull=True)
            if parsed is not None and parsed[0] is None:
                undated = undated.filter(pk__lt=parsed[1])
            rows += list(undated.order_by("-id")[: size + 1 - len(rows)])
    else:
        if parsed is not None:
            qs = after_cursor(qs, parsed)
        rows = list(ordered(qs, filters.sort)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    prefetch_tags(rows)
    return ArticlePage(articles=rows, next_cursor=encode_cursor(rows[-1], filters.sort) if more and rows else None)


def tags_prefetch() -> Prefetch:
    """How every page loads an article's tags: one query for a whole page, sorted by name."""
    return Prefetch("tags", queryset=Tag.objects.order_by(Lower("name")))


def prefetch_tags(articles: list[Article]) -> None:
    """Load the tags of ``articles`` in one query (for rows built elsewhere, e.g. search hits)."""
    prefetch_related_objects(articles, tags_prefetch())


# --- Imports (reader/pipeline/importing.py, reader/views/transfer.py) -----------------------------


@dataclass(frozen=True)
class ImportProgress:
    """How far an import is: its ``job``; of its articles, ``fetched`` (ready), ``failed`` and
    ``pending``; ``finished`` when nothing more will change (read, and every article done, or failed)."""

    job: ImportJob
    fetched: int
    failed: int
    pending: int

    @property
    def finished(self) -> bool:
        if self.job.state == ImportJob.State.FAILED:
            return True
        return self.job.state in (ImportJob.State.QUEUEING, ImportJob.State.DONE) and self.pending == 0

    @property
    def done(self) -> int:
        """Articles fetched or failed: the progress bar's value (its maximum is ``job.created``)."""
        return self.fetched + self.failed


def import_progress(job: ImportJob) -> ImportProgress:
    """The progress of ``job`` (one query over its articles, through the ``article_import_job`` index)."""
    by_status = dict(
        Article.objects.filter(import_job=job).values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    pending = sum(n for status, n in by_status.items() if status in Article.PENDING_STATUSES)
    return ImportProgress(
        job=job,
        fetched=by_status.get(Article.Status.READY, 0),
        failed=by_status.get(Article.Status.FAILED, 0),
        pending=pending,
    )
