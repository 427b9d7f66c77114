"""Where work enters the pipeline: a paste of links, a page the person already has, a retry, a
summary variant, a re-extraction.

Each function writes the rows first and sends the task only after the transaction commits
(``reader.pipeline.tasks.enqueue``), so a worker never looks for a row it cannot see.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from reader import conf
from reader.fetch.urls import CheckedURL, InvalidURL, check_url, parse_urls, site_of
from reader.models import Article, FetchedPage, ImportJob
from reader.pipeline import importing, steps
from reader.pipeline.tasks import enqueue, enqueue_summary, start_import
from summaries.models import Summary

Status = Article.Status

# A pending summary older than this (seconds) was probably never queued (broker down): queue it again.
STALE_PENDING_AFTER = 60


@dataclass
class SaveResult:
    """What one paste did.

    ``created``: new articles, in the order pasted; ``existing``: links already saved
    (the existing articles); ``retried``: those of ``existing`` that had failed, queued again;
    ``in_order``: created and existing, in the order pasted; ``duplicates``: links pasted again
    within the same paste (each as pasted the second time; saved once); ``errors``:
    ``(input, reason)`` for each piece that is not a usable http/https link.
    """

    created: list[Article] = field(default_factory=list)
    in_order: list[Article] = field(default_factory=list)
    existing: list[Article] = field(default_factory=list)
    retried: list[Article] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    # Ids of new articles whose queue message could not be sent (the broker was down): they are
    # saved, and the sweep sends them once the broker is back.
    unqueued: list[int] = field(default_factory=list)
    # Why nothing was saved, when the paste as a whole was refused (too large); "" otherwise.
    refused: str = ""
    # Good links past DIGEST_PASTE_MAX_LINKS, not saved (left in the box to paste again).
    over_limit: list[str] = field(default_factory=list)


def save_urls(*, user, text: str) -> SaveResult:
    """Save every link in a pasted blob for ``user`` and queue the new ones.

    ``text`` holds one or many links separated by whitespace, newlines or commas. Links are
    normalized to a canonical URL (tracking parameters, default port, trailing slash and plain
    fragments dropped) and deduplicated per user. Every piece is checked before it reaches the
    database (``reader.fetch.urls.check_url``: scheme, length, control characters, host). A paste
    over ``DIGEST_PASTE_MAX_CHARS`` characters saves nothing (``SaveResult.refused`` says why); past
    ``DIGEST_PASTE_MAX_LINKS`` links the rest are left in ``over_limit``. The rows are created in one
    transaction with a fixed number of queries (one lookup of the existing links, one insert),
    and the tasks are sent only after it commits. A link saved before whose article failed is queued
    again (``retried``): pasting it again is asking for it again. Never raises for bad input.
    """
    result = SaveResult()
    limit = settings.DIGEST_PASTE_MAX_CHARS
    if len(text) > limit:
        result.refused = (
            f"This paste is {len(text):,} characters long; the limit is {limit:,}. Paste fewer links at a time."
        )
        return result
    urls, errors = parse_urls(text, conf.url_policy(), duplicates=result.duplicates)
    result.errors = list(errors)
    most = settings.DIGEST_PASTE_MAX_LINKS
    if len(urls) > most:
        result.over_limit = [c.url for c in urls[most:]]
        urls = urls[:most]
    _save_checked(user, urls, result)
    return result


def save_url(*, user, url: str) -> SaveResult:
    """Save one link for ``user`` as ``save_urls`` saves a paste, without splitting it (a link may hold
    commas): for programs that send one URL (the wallabag API, the share target, the bookmarklet).
    A link ``check_url`` refuses is in ``errors``; nothing is saved then. Never raises for bad input."""
    result = SaveResult()
    try:
        checked = check_url(url.strip(), conf.url_policy())
    except InvalidURL as exc:
        result.errors.append((url, str(exc)))
        return result
    _save_checked(user, [checked], result)
    return result


def _save_checked(user, urls: list[CheckedURL], result: SaveResult) -> None:
    """Create the articles of ``urls`` (checked, distinct) that ``user`` has not saved, in one
    transaction, and queue them after it commits; fills ``result``."""
    with transaction.atomic():
        existing = {
            a.canonical_url: a
            for a in Article.objects.for_user(user).filter(canonical_url__in={c.canonical for c in urls})
        }
        new: dict[str, Article] = {}
        now = timezone.now()
        for checked in urls:
            found = existing.get(checked.canonical)
            if found is not None:
                result.existing.append(found)
                result.in_order.append(found)
            else:
                new[checked.canonical] = Article(
                    owner=user,
                    url=checked.url,
                    canonical_url=checked.canonical,
                    site=site_of(checked.url),
                    status=Status.QUEUED,
                    status_changed_at=now,
                    # Sent at the commit; a sweep in between must not take it for a lost message.
                    enqueued_at=now,
                )
                result.in_order.append(new[checked.canonical])
        result.created = _create(user, list(new.values()), result)
        failed = [a for a in result.existing if a.status == Status.FAILED]
        requeued = set(_requeue([a.pk for a in failed]))
        result.retried = [a for a in failed if a.pk in requeued]
        for article in result.retried:
            article.status, article.error, article.error_code, article.attempts = Status.QUEUED, "", "", 0
        enqueue([a.pk for a in result.created + result.retried], unsent=result.unqueued)


def _create(user, articles: list[Article], result: SaveResult) -> list[Article]:
    """Insert ``articles`` in one statement; the ones saved by another tab at the same moment (a
    unique-constraint race) become ``existing`` instead. Returns the articles created, in order."""
    if not articles:
        return []
    created, taken = importing.insert_new(user, articles)
    for article in articles:
        found = taken.get(article.canonical_url)
        if found is not None:
            result.existing.append(found)
            result.in_order[result.in_order.index(article)] = found
    return created


@dataclass
class SavedPage:
    """What ``save_page`` did: the ``article`` (new, or the person's existing one for that link) and
    whether it was ``created``."""

    article: Article
    created: bool


def save_page(
    *, user, url: str, body: bytes, content_type: str = "text/html", charset: str | None = None, title: str = ""
) -> SavedPage:
    """Save a page the person already has (captured in their browser, or from an import file) for
    ``user``, and queue its extraction and summary without fetching ``url``.

    ``body``: the page's bytes (at most ``DIGEST_FETCH_MAX_BYTES``), read as ``content_type`` in
    ``charset`` (None: detected as for a fetched page); ``title``: kept when the page gives none.
    A link the person saved before keeps its article and reading state; its page is replaced by
    this one and extracted again. Raises ``InvalidURL`` for a link ``save_urls`` would refuse and
    ``PageTooLarge`` for a body over the cap; nothing is saved then.
    """
    checked = check_url(url, conf.url_policy())
    canonical = checked.canonical
    limit = settings.DIGEST_FETCH_MAX_BYTES
    if len(body) > limit:
        raise PageTooLarge(f"The page is {len(body):,} bytes; the limit is {limit:,}.")
    now = timezone.now()
    queued = {
        "status": Status.QUEUED,
        "status_changed_at": now,
        "enqueued_at": now,
        "captured": True,
        "attempts": 0,
        "next_attempt_at": None,
        "lease_expires_at": None,
        "error": "",
        "error_code": "",
    }
    with transaction.atomic():
        article = Article.objects.for_user(user).filter(canonical_url=canonical).first()
        created = article is None
        if article is None:
            article = Article.objects.create(
                owner=user, url=checked.url, canonical_url=canonical, site=site_of(checked.url), title=title, **queued
            )
        else:
            # A worker on the old page keeps its lease but finds the article queued again when it
            # writes; the new page wins because every step re-reads the stored page.
            Article.objects.filter(pk=article.pk).update(**queued, title=article.title or title)
        FetchedPage.objects.update_or_create(
            article=article,
            defaults={
                "url": checked.url,
                "status_code": 200,
                "content_type": content_type,
                "charset": charset or "",
                "body_compressed": FetchedPage.compress(body),
                "size": len(body),
            },
        )
        enqueue([article.pk])
    article.refresh_from_db()
    return SavedPage(article=article, created=created)


class PageTooLarge(ValueError):
    """A page given to ``save_page`` is over ``DIGEST_FETCH_MAX_BYTES``; ``str(exc)`` says so in words."""


def retry_article(*, article: Article) -> bool:
    """Queue a failed article again from scratch (attempts reset). Returns False if it was not failed."""
    ids = _requeue([article.pk])
    enqueue(ids)
    return bool(ids)


def refetch_article(*, article: Article) -> bool:
    """Fetch a finished (ready or failed) article again from its link, extract and summarize it anew
    (wallabag's "reload"); a page the person gave (``captured``) is extracted again from that page
    instead, never fetched. Returns False while the article is still being processed."""
    # A captured article's fetch step hands its stored page on (steps.fetch_article): no request is made.
    ids = _requeue([article.pk], statuses=Article.FINAL_STATUSES)
    enqueue(ids)
    return bool(ids)


def _requeue(article_ids: list[int], statuses: Sequence[str] = (Status.FAILED,)) -> list[int]:
    """Set the articles among ``article_ids`` whose status is one of ``statuses`` (by default the
    failed ones) back to queued, from scratch (attempts reset, no error); the ids changed. The caller
    sends them (``enqueue``)."""
    if not article_ids:
        return []
    now = timezone.now()
    with transaction.atomic():
        ids = list(Article.objects.filter(pk__in=article_ids, status__in=statuses).values_list("pk", flat=True))
        Article.objects.filter(pk__in=ids, status__in=statuses).update(
            status=Status.QUEUED,
            error="",
            error_code="",
            attempts=0,
            next_attempt_at=None,
            status_changed_at=now,
            enqueued_at=now,
            blocked=False,
        )
    return ids


def request_summary(article: Article, *, algorithm: str, sentences: int) -> Summary:
    """The summary variant for a reader: the stored row, or a new pending one queued for a worker.

    Results are cached per (article, algorithm, sentence count): asking again returns the row. A
    row pending for over ``STALE_PENDING_AFTER`` seconds (its message lost) is queued again. Opening
    a page is a GET, so what it may start is capped: while the owner has
    ``DIGEST_MAX_PENDING_VARIANTS`` variants being computed, a new one is not started and an
    unsaved ``failed`` row saying so is returned.
    """
    stale = timezone.now() - timedelta(seconds=STALE_PENDING_AFTER)
    exists = Summary.objects.filter(article=article, algorithm=algorithm, sentence_count=sentences).exists()
    busy = Summary.objects.filter(
        article__owner_id=article.owner_id, status=Summary.Status.PENDING, updated_at__gte=stale
    ).count()
    if not exists and busy >= settings.DIGEST_MAX_PENDING_VARIANTS:
        return Summary(
            article=article,
            algorithm=algorithm,
            sentence_count=sentences,
            status=Summary.Status.FAILED,
            error=f"{busy} other summaries are being computed for you; reload in a moment to start this one.",
        )
    summary, created = Summary.objects.get_or_create(
        article=article,
        algorithm=algorithm,
        sentence_count=sentences,
        defaults={"status": Summary.Status.PENDING, "language": article.language},
    )
    if created or (summary.status == Summary.Status.PENDING and summary.updated_at < stale):
        if not created:
            summary.save(update_fields=["updated_at"])  # wait a full period before asking again
        enqueue_summary(summary.pk)
    return summary


def reextract(article: Article) -> bool:
    """Run extraction and summaries again from the stored page, without fetching (``manage.py
    reextract``); a page that now shows a bot check is queued again. Returns False when no page was
    stored for the article (it never got that far)."""
    stored, delay = steps.reextract(article)
    if delay is not None:
        enqueue([article.pk], countdown=delay)
    return stored


def import_upload(*, user, upload: File, name: str, folders_as_tags: bool = False, format: str = "") -> ImportJob:
    """Keep an uploaded import file and start its job in the background (``reader.pipeline.importing``):
    the job's first message is sent once the transaction commits. Raises ``importing.ImportTooLarge``
    over ``DIGEST_IMPORT_MAX_BYTES``, and ``UnreadableFile`` for a file that is plainly no export
    (``importing.create_job``)."""
    job = importing.create_job(user=user, upload=upload, name=name, folders_as_tags=folders_as_tags, format=format)
    start_import(job.pk, importing.new_token())
    return job


def import_now(
    *, user, upload: File, name: str, folders_as_tags: bool = False, format: str = "", on_outcome=None
) -> ImportJob:
    """Run an import in this process until every entry is stored (``manage.py import``, tests), calling
    ``on_outcome(importing.Outcome)`` for each entry in file order; its articles are then fed to the
    fetch worker in the background. Returns the job, read (``queueing``, or ``failed`` when the file
    could not be read; counts on it).
    Raises ``importing.ImportTooLarge`` over ``DIGEST_IMPORT_MAX_BYTES``, and ``UnreadableFile`` for a
    file that is plainly no export (``importing.create_job``)."""
    job = importing.create_job(user=user, upload=upload, name=name, folders_as_tags=folders_as_tags, format=format)
    token = importing.new_token()
    importing.read_import(job.pk, token=token, on_outcome=on_outcome)
    job.refresh_from_db()
    if job.state == ImportJob.State.QUEUEING:
        start_import(job.pk, token, reading=False)
    return job
