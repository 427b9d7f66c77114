"""Organizing the reading list: read state, archive, favourites, tags, delete and restore.

Every function takes the person (``user``) and article ids, touches only that person's articles
(another person's ids are ignored, never an error) and returns the ids it actually changed, so an
"Undo" can reverse exactly those. Writes are narrow ``UPDATE``s of the reading-state columns, so
they never overwrite what a worker writes at the same time (status, text, summaries).

Deleting is soft (``Article.deleted_at``) so it can be undone. Deleted articles are purged for
good ``DIGEST_PURGE_DELETED_AFTER`` seconds later (default one day): on the person's next delete,
and for everyone by ``purge_deleted()`` (meant for the periodic sweep).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from reader.models import Article, Tag
from reader.search import index_article, remove_article
from summaries.models import Summary

log = logging.getLogger(__name__)

PURGE_BATCH = 500  # hard-deleted per call, so one purge never holds a long transaction


def purge_after() -> float:
    """Seconds a deleted article is kept for undo before it is purged (``DIGEST_PURGE_DELETED_AFTER``)."""
    return float(settings.DIGEST_PURGE_DELETED_AFTER)


def _ids(article_ids: Iterable[int | str]) -> list[int]:
    out: list[int] = []
    for value in article_ids:
        try:
            out.append(int(value))
        except (TypeError, ValueError):
            continue
    return sorted(set(out))


def _reindex(article_ids: Iterable[int]) -> None:
    """Refresh the search entries of these articles (tag names are indexed). A failure is logged:
    the change itself is saved, and ``manage.py rebuild_search_index`` repairs the index."""
    for article_id in article_ids:
        try:
            index_article(article_id)
        except Exception:
            log.exception("Could not index article %s for search", article_id)


def _change(user, article_ids: Iterable[int | str], only, **values) -> list[int]:
    """Set ``values`` on the user's live articles among ``article_ids`` that match ``only``; the ids changed."""
    qs = Article.objects.for_user(user).filter(pk__in=_ids(article_ids)).filter(**only)
    ids = list(qs.values_list("pk", flat=True))
    if ids:
        Article.objects.filter(pk__in=ids).update(**values, updated_at=timezone.now())
    return sorted(ids)


@transaction.atomic
def mark_read(*, user, article_ids: Iterable[int | str]) -> list[int]:
    """Mark unread articles read (``read_at`` = now; a read article keeps its first read time)."""
    return _change(user, article_ids, {"read_at__isnull": True}, read_at=timezone.now())


@transaction.atomic
def mark_unread(*, user, article_ids: Iterable[int | str]) -> list[int]:
    """Mark read articles unread again."""
    return _change(user, article_ids, {"read_at__isnull": False}, read_at=None)


@transaction.atomic
def archive(*, user, article_ids: Iterable[int | str]) -> list[int]:
    """Archive articles (they leave the default, unread list)."""
    return _change(user, article_ids, {"archived_at__isnull": True}, archived_at=timezone.now())


@transaction.atomic
def unarchive(*, user, article_ids: Iterable[int | str]) -> list[int]:
    """Take articles out of the archive."""
    return _change(user, article_ids, {"archived_at__isnull": False}, archived_at=None)


@transaction.atomic
def favourite(*, user, article_ids: Iterable[int | str]) -> list[int]:
    """Mark articles as favourites."""
    return _change(user, article_ids, {"favourite": False}, favourite=True)


@transaction.atomic
def unfavourite(*, user, article_ids: Iterable[int | str]) -> list[int]:
    """Remove articles from the favourites."""
    return _change(user, article_ids, {"favourite": True}, favourite=False)


# Longest title a person may give an article, characters (the extractor keeps as many).
TITLE_MAX_CHARS = 2000


@transaction.atomic
def set_title(*, user, article_ids: Iterable[int | str], title: str) -> list[int]:
    """Give the user's articles the title ``title`` (whitespace runs collapsed, at most
    ``TITLE_MAX_CHARS`` characters); an empty title changes nothing. Returns the ids changed."""
    title = re.sub(r"\s+", " ", title).strip()[:TITLE_MAX_CHARS]
    if not title:
        return []
    changed = _change(user, article_ids, {}, title=title)
    _reindex(changed)  # titles are searched
    return changed


def clean_tag_names(text: str | Iterable[str]) -> list[str]:
    """Tag names from what a person typed: split on commas, whitespace runs collapsed, at most
    ``Tag.NAME_MAX_CHARS`` characters, duplicates (case-insensitive) dropped, order kept."""
    parts = text.split(",") if isinstance(text, str) else [p for t in text for p in str(t).split(",")]
    names: list[str] = []
    seen: set[str] = set()
    for part in parts:
        name = re.sub(r"\s+", " ", part).strip()[: Tag.NAME_MAX_CHARS].strip()
        if name and name.lower() not in seen:
            seen.add(name.lower())
            names.append(name)
    return names


def _get_or_create_tags(user, names: list[str]) -> list[Tag]:
    existing = {
        t.name.lower(): t
        for t in Tag.objects.filter(owner=user).annotate(low=Lower("name")).filter(low__in=[n.lower() for n in names])
    }
    tags: list[Tag] = []
    for name in names:
        tag = existing.get(name.lower())
        if tag is None:
            try:
                with transaction.atomic():
                    tag = Tag.objects.create(owner=user, name=name)
            except IntegrityError:  # created at the same moment by another request
                tag = Tag.objects.get(owner=user, name__iexact=name)
        tags.append(tag)
    return tags


@transaction.atomic
def add_tags(*, user, article_ids: Iterable[int | str], names: str | Iterable[str]) -> list[int]:
    """Put the tags ``names`` (see ``clean_tag_names``; created when new, matched case-insensitively)
    on the user's articles; returns the ids that gained at least one tag. Re-indexes them for search."""
    names = clean_tag_names(names)
    ids = list(Article.objects.for_user(user).filter(pk__in=_ids(article_ids)).values_list("pk", flat=True))
    if not names or not ids:
        return []
    tags = _get_or_create_tags(user, names)
    through = Article.tags.through
    have = set(through.objects.filter(article_id__in=ids, tag__in=tags).values_list("article_id", "tag_id"))
    new = [through(article_id=a, tag_id=t.pk) for a in ids for t in tags if (a, t.pk) not in have]
    through.objects.bulk_create(new, ignore_conflicts=True)
    changed = sorted({row.article_id for row in new})
    _reindex(changed)
    return changed


@transaction.atomic
def remove_tags(*, user, article_ids: Iterable[int | str], names: str | Iterable[str]) -> list[int]:
    """Take the tags ``names`` (case-insensitive) off the user's articles; returns the ids changed.

    A tag left on no article (deleted ones included) is deleted, so the tag list stays short.
    """
    names = clean_tag_names(names)
    ids = list(Article.objects.for_user(user).filter(pk__in=_ids(article_ids)).values_list("pk", flat=True))
    if not names or not ids:
        return []
    tags = list(Tag.objects.filter(owner=user).annotate(low=Lower("name")).filter(low__in=[n.lower() for n in names]))
    through = Article.tags.through
    links = through.objects.filter(article_id__in=ids, tag__in=tags)
    changed = sorted(set(links.values_list("article_id", flat=True)))
    links.delete()
    Tag.objects.filter(pk__in=[t.pk for t in tags], articles__isnull=True).delete()
    _reindex(changed)
    return changed


@transaction.atomic
def delete_articles(*, user, article_ids: Iterable[int | str]) -> list[int]:
    """Soft-delete articles (hidden everywhere, link can be saved again, ``restore_articles`` undoes it).

    Also purges this person's articles deleted more than ``purge_after()`` seconds ago.
    """
    changed = _change(user, article_ids, {}, deleted_at=timezone.now())
    purge_deleted(user=user)
    return changed


@transaction.atomic
def restore_articles(*, user, article_ids: Iterable[int | str]) -> list[int]:
    """Undo a delete; returns the ids restored.

    An article whose link was saved again since it was deleted stays deleted (the newer save wins;
    one person never has the same link twice).
    """
    deleted = Article.objects.filter(owner=user, pk__in=_ids(article_ids), deleted_at__isnull=False)
    rows = list(deleted.values_list("pk", "canonical_url"))
    taken = set(
        Article.objects.for_user(user)
        .filter(canonical_url__in=[url for _, url in rows])
        .values_list("canonical_url", flat=True)
    )
    ids = sorted({pk for pk, url in rows if url not in taken})
    if ids:
        Article.objects.filter(pk__in=ids).update(deleted_at=None, updated_at=timezone.now())
        _reindex(ids)
    return ids


def purge_deleted(*, user=None, older_than: float | None = None) -> int:
    """Delete for good (rows, fetched pages, summaries, search entries) the articles soft-deleted more
    than ``older_than`` seconds ago (default ``purge_after()``), of ``user`` or of everyone when None.

    At most ``PURGE_BATCH`` articles per call. Returns how many were purged.
    """
    cutoff = timezone.now() - timedelta(seconds=purge_after() if older_than is None else older_than)
    qs = Article.objects.filter(deleted_at__lt=cutoff)
    if user is not None:
        qs = qs.filter(owner=user)
    with transaction.atomic():
        ids = list(qs.order_by("deleted_at").values_list("pk", flat=True)[:PURGE_BATCH])
        if not ids:
            return 0
        Article.objects.filter(pk__in=ids).delete()
        for article_id in ids:
            remove_article(article_id)
    log.info("Purged %d deleted articles", len(ids))
    return len(ids)


def choose_summary(*, user, article_id: int, algorithm: str, sentences: int, default: tuple[str, int]) -> bool:
    """Make the summary ``algorithm``/``sentences`` of one of the user's articles the one shown for it in
    the list, on its plain page and in exports ("Use this summary" on the article page). Choosing the
    person's ``default`` variant clears the choice, so the article follows their default again.

    Returns False (and changes nothing) when the article is not the user's live one or that summary is
    not ready.
    """
    ready = Summary.objects.filter(
        article_id=article_id, algorithm=algorithm, sentence_count=sentences, status=Summary.Status.READY
    ).exists()
    if not ready:
        return False
    pinned = (algorithm, sentences) != tuple(default)
    changed = (
        Article.objects.for_user(user)
        .filter(pk=article_id)
        .update(
            summary_algorithm=algorithm if pinned else "",
            summary_sentences=sentences if pinned else None,
            updated_at=timezone.now(),
        )
    )
    return bool(changed)


# The action names the views accept, each with the service doing it and the one undoing it.
ACTIONS: dict[str, tuple[Callable[..., list[int]], str]] = {
    "read": (mark_read, "unread"),
    "unread": (mark_unread, "read"),
    "archive": (archive, "unarchive"),
    "unarchive": (unarchive, "archive"),
    "favourite": (favourite, "unfavourite"),
    "unfavourite": (unfavourite, "favourite"),
    "delete": (delete_articles, "restore"),
    "restore": (restore_articles, "delete"),
    "tag": (add_tags, "untag"),
    "untag": (remove_tags, "tag"),
}


def apply_action(*, user, action: str, article_ids: Iterable[int | str], names: str = "") -> list[int]:
    """Run one of ``ACTIONS`` by name (``names``: the tags, for ``tag``/``untag``); the ids changed.

    Raises ``KeyError`` for an unknown action.
    """
    service, _ = ACTIONS[action]
    if action in ("tag", "untag"):
        return service(user=user, article_ids=article_ids, names=names)
    return service(user=user, article_ids=article_ids)
