"""Reads for what lets other programs in (reader/api/, the Preferences page's apps, feeds and
bookmarklet sections): API clients, personal tokens, and a wallabag client's entries, tags and URL
lookups. Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest, Lower
from oauth2_provider.models import Application

from reader import conf
from reader.fetch.urls import InvalidURL, check_url
from reader.models import Article, FetchedPage, PersonalToken, Tag, url_hashes
from reader.selectors import site_key


def api_clients_of(user) -> list[Application]:
    """``user``'s API clients (django-oauth-toolkit applications), newest first."""
    return list(Application.objects.filter(user=user).order_by("-created", "-id"))


def personal_token(user, kind: str) -> PersonalToken | None:
    """``user``'s token of ``kind`` (``PersonalToken.Kind``), or None when they have none."""
    return PersonalToken.objects.filter(user=user, kind=kind).first()


def token_owner(token: str, kind: str):
    """The active user whose token of ``kind`` is ``token``, or None (unknown, revoked, or not of that kind)."""
    if not token or len(token) > 64:
        return None
    found = PersonalToken.objects.filter(token=token, kind=kind, user__is_active=True).select_related("user").first()
    return found.user if found is not None else None


# wallabag's "archived" is Digest's read or archived: its unread list is Digest's unread view.
API_ARCHIVED = Q(read_at__isnull=False) | Q(archived_at__isnull=False)
API_SORTS = ("created", "updated", "archived")


def changed_at():
    """When an article last changed as a client sees it: the person's last change (``updated_at``) or
    the worker's (``status_changed_at``, e.g. when its summary arrived), whichever is later."""
    return Greatest("updated_at", Coalesce("status_changed_at", "updated_at"))


@dataclass(frozen=True)
class EntryQuery:
    """A wallabag client's list query: ``archived``/``starred`` (None: either), ``tags`` (labels the
    entry must all carry, any case), ``since`` (Unix seconds: changed after), ``sort`` (one of
    ``API_SORTS``), ``descending``, ``domain`` (a site, or its subdomains; "" for any)."""

    archived: bool | None = None
    starred: bool | None = None
    tags: tuple[str, ...] = ()
    since: int = 0
    sort: str = "created"
    descending: bool = True
    domain: str = ""


def api_entries(user, query: EntryQuery) -> QuerySet:
    """``user``'s live articles matching ``query``, in its order (ties by id), annotated with
    ``changed`` (``changed_at``) and ``mimetype`` (the stored page's content type). Articles still being
    fetched are left out: an e-reader that syncs the list downloads each entry once, so it must not
    see one before its text is there. A tag the person does not have keeps nothing."""
    articles = Article.objects.for_user(user).exclude(status__in=Article.PENDING_STATUSES)
    if query.archived is not None:
        articles = articles.filter(API_ARCHIVED) if query.archived else articles.exclude(API_ARCHIVED)
    if query.starred is not None:
        articles = articles.filter(favourite=query.starred)
    if query.tags:
        ids = Tag.objects.ids_named(user, query.tags)
        for name in query.tags:
            articles = articles.tagged(ids.get(name.lower(), []))
    if query.domain:
        articles = articles.from_sites([site_key(query.domain)])
    qs = with_api_fields(articles)
    if query.since:
        # Changed after ``since`` in whole seconds, as clients see the dates (wallabag keeps seconds):
        # an entry changed at 12:00:00.5 is not newer than since=12:00:00 it was given at.
        qs = qs.filter(changed__gte=datetime.fromtimestamp(query.since + 1, tz=UTC))
    key = {"created": "id", "updated": "changed", "archived": "archived_at"}[query.sort]
    if query.descending:
        return qs.order_by(F(key).desc(nulls_last=True), "-id")
    return qs.order_by(F(key).asc(nulls_first=True), "id")


def with_api_fields(qs: QuerySet) -> QuerySet:
    """``qs`` with ``changed`` (``changed_at``) and ``mimetype`` (the stored page's content type, or None)."""
    mimetype = FetchedPage.objects.filter(article=OuterRef("pk")).values("content_type")[:1]
    return qs.annotate(changed=changed_at(), mimetype=Subquery(mimetype))


def entries_by_urls(user, urls: list[str], hashes: list[str]) -> dict[str, int]:
    """Which of ``urls`` (as given, or as their canonical URL) and ``hashes`` (SHA-1 of a URL, raw or
    URL-decoded: ``reader.models.url_hashes``) ``user`` has saved: ``{url or hash: article id}``, the
    missing ones left out. Two queries at most."""
    found: dict[str, int] = {}
    # A hash may answer several keys: a URL asked for and its own hash asked for beside it.
    by_hash: dict[str, list[str]] = {}
    canonical: dict[str, str] = {}
    for url in urls:
        for value in url_hash_values(url):
            by_hash.setdefault(value, []).append(url)
        try:
            canonical[check_url(url, conf.url_policy()).canonical] = url
        except InvalidURL:
            pass
    for value in hashes:
        by_hash.setdefault(value.lower(), []).append(value)
    live = Article.objects.for_user(user)
    if by_hash:
        rows = live.filter(Q(url_sha1__in=list(by_hash)) | Q(url_decoded_sha1__in=list(by_hash)))
        for pk, raw, decoded in rows.order_by("id").values_list("pk", "url_sha1", "url_decoded_sha1"):
            for value in (raw, decoded):
                for key in by_hash.get(value, []):
                    found.setdefault(key, pk)
    missing = {c: u for c, u in canonical.items() if u not in found}
    if missing:
        for pk, url in live.filter(canonical_url__in=list(missing)).values_list("pk", "canonical_url"):
            found.setdefault(missing[url], pk)
    return found


def url_hash_values(url: str) -> set[str]:
    """The hashes an article saved as ``url`` is stored under (``reader.models.url_hashes``)."""
    return set(url_hashes(url).values())


def tags_with_counts(user) -> list[Tag]:
    """``user``'s tags by name, each with ``entries``: how many of their live articles carry it (one query)."""
    live = Q(articles__deleted_at__isnull=True)
    return list(
        Tag.objects.filter(owner=user).annotate(entries=Count("articles", filter=live)).order_by(Lower("name"), "id")
    )
