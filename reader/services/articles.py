"""Saving articles and moving them through the pipeline (fetch → extract → summarize).

Every write to an ``Article`` goes through here. Views, management commands and Celery tasks
only call these functions. A queue message carries an article id and nothing else, so a lost
or duplicated message does no harm: ``process_article`` claims the row with a conditional
UPDATE and does nothing when another worker holds it or the article is finished.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from reader.models import Article, FetchedPage
from reader.search import index_article
from reader.services.extraction import ExtractionError, extract
from reader.services.fetching import FetchError, fetch
from reader.services.urls import InvalidURL, canonicalize_url, parse_urls, site_of
from summaries.services import summarize_article

log = logging.getLogger(__name__)

Status = Article.Status


@dataclass
class SaveResult:
    """What one paste did.

    ``created``: new articles, in the order pasted; ``existing``: links already saved
    (the existing articles); ``in_order``: both, in the order pasted; ``errors``:
    ``(input, reason)`` for each piece that is not a usable http/https link.
    """

    created: list[Article] = field(default_factory=list)
    in_order: list[Article] = field(default_factory=list)
    existing: list[Article] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)


def save_urls(*, user, text: str) -> SaveResult:
    """Save every link in a pasted blob for ``user`` and queue the new ones.

    ``text`` holds one or many links separated by whitespace, newlines or commas. Links are
    normalized to a canonical URL (tracking parameters, default port, trailing slash and plain
    fragments dropped) and deduplicated per user. Rows are created in one transaction and the
    tasks are enqueued only after it commits, so a worker never looks for a row it cannot see.
    Never raises for bad input: bad pieces come back in ``SaveResult.errors``.
    """
    urls, errors = parse_urls(text)
    result = SaveResult(errors=list(errors))
    with transaction.atomic():
        for url in urls:
            try:
                canonical = canonicalize_url(url)
            except InvalidURL as exc:
                result.errors.append((url, str(exc)))
                continue
            found = Article.objects.for_user(user).filter(canonical_url=canonical).first()
            if found is not None:
                if found not in result.in_order:
                    result.existing.append(found)
                    result.in_order.append(found)
                continue
            try:
                with transaction.atomic():
                    article = Article.objects.create(
                        owner=user,
                        url=url,
                        canonical_url=canonical,
                        site=site_of(url),
                        status=Status.QUEUED,
                        status_changed_at=timezone.now(),
                    )
            except IntegrityError:
                # The same link saved at the same moment from another tab or script.
                found = Article.objects.for_user(user).get(canonical_url=canonical)
                result.existing.append(found)
                result.in_order.append(found)
                continue
            result.created.append(article)
            result.in_order.append(article)
        ids = [a.pk for a in result.created]
        transaction.on_commit(lambda: enqueue(ids))
    return result


def enqueue(article_ids: list[int], *, countdown: float | None = None) -> None:
    """Send one ``process_article`` task per id to the broker.

    A broker that is down must not lose a save: the rows are already in the database, so the
    error is logged and the periodic sweep enqueues them again once the broker is back.
    """
    from reader.tasks import process_article

    for article_id in article_ids:
        try:
            process_article.apply_async((article_id,), countdown=countdown)
        except Exception:  # kombu raises many kinds of OperationalError; the row is safe either way
            log.exception("Could not enqueue article %s; the sweep will retry", article_id)


def retry_article(*, article: Article) -> bool:
    """Queue a failed article again from scratch (attempts reset). Returns False if it was not failed."""
    updated = Article.objects.filter(pk=article.pk, status=Status.FAILED).update(
        status=Status.QUEUED,
        error="",
        error_code="",
        attempts=0,
        next_attempt_at=None,
        status_changed_at=timezone.now(),
        blocked=False,
    )
    if updated:
        transaction.on_commit(lambda: enqueue([article.pk]))
    return bool(updated)


def _claim(article_id: int) -> bool:
    """Move a queued, due article to ``fetching``; True only for the one caller that did it."""
    now = timezone.now()
    return (
        Article.objects.filter(pk=article_id, status=Status.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(
            status=Status.FETCHING,
            attempts=F("attempts") + 1,
            status_changed_at=now,
            next_attempt_at=None,
        )
        == 1
    )


def _set_status(article_id: int, status: str, **fields) -> None:
    Article.objects.filter(pk=article_id).update(status=status, status_changed_at=timezone.now(), **fields)


def _fail(article: Article, code: str, message: str, **flags) -> None:
    log.info("Article %s failed (%s): %s", article.pk, code, message)
    _set_status(article.pk, Status.FAILED, error=message, error_code=code, next_attempt_at=None, **flags)


def _retry_later(article: Article, code: str, message: str, *, at_least: float = 0, **flags) -> None:
    """Queue a temporary failure again with exponential backoff, or fail it at the cap.

    ``at_least``: seconds the site asked us to wait (Retry-After), honoured up to the backoff cap.
    """
    if article.attempts >= settings.DIGEST_MAX_ATTEMPTS:
        _fail(article, code, f"{message} Gave up after {article.attempts} attempts.", **flags)
        return
    backoff = settings.DIGEST_RETRY_BACKOFF * 2 ** max(article.attempts - 1, 0)
    delay = min(max(backoff, at_least), settings.DIGEST_RETRY_BACKOFF_MAX)
    _set_status(
        article.pk,
        Status.QUEUED,
        error=f"{message} Trying again in {_seconds_words(delay)}.",
        error_code=code,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
        **flags,
    )
    transaction.on_commit(lambda: enqueue([article.pk], countdown=delay))


def _seconds_words(seconds: float) -> str:
    if seconds < 90:
        return f"{round(seconds)} seconds"
    return f"{round(seconds / 60)} minutes"


def process_article(article_id: int) -> None:
    """Run the whole pipeline for one article: fetch, extract, summarize.

    Idempotent: returns at once when the article is gone, finished, not yet due, or claimed by
    another worker. Every failure ends on the article as ``failed`` with a readable ``error``
    (or as ``queued`` with ``next_attempt_at`` for a temporary one); nothing escapes.
    """
    if not _claim(article_id):
        return
    article = Article.objects.get(pk=article_id)
    try:
        _run_pipeline(article)
    except Exception:
        log.exception("Unexpected error while processing article %s", article_id)
        _fail(
            article,
            "internal",
            "Something went wrong while processing this page. Try again, and report it if it keeps failing.",
        )


def _run_pipeline(article: Article) -> None:
    try:
        response = fetch(article.url)
    except FetchError as exc:
        flags = {"blocked": True} if exc.blocked else {}
        if exc.temporary:
            _retry_later(article, exc.code, exc.message, at_least=exc.retry_after or 0, **flags)
        else:
            _fail(article, exc.code, exc.message, **flags)
        return

    now = timezone.now()
    FetchedPage.objects.update_or_create(
        article=article,
        defaults={
            "url": response.final_url,
            "status_code": response.status,
            "content_type": response.content_type,
            "charset": response.charset or "",
            "body_compressed": FetchedPage.compress(response.body),
            "size": len(response.body),
        },
    )
    article.final_url = response.final_url
    article.site = site_of(response.final_url) or article.site
    Article.objects.filter(pk=article.pk).update(
        final_url=article.final_url,
        site=article.site,
        fetched_at=now,
        status=Status.EXTRACTING,
        status_changed_at=now,
        blocked=False,
    )
    extract_and_summarize(article, body=response.body, content_type=response.content_type, charset=response.charset)


def extract_and_summarize(article: Article, *, body: bytes, content_type: str, charset: str | None) -> None:
    """Extract the article from fetched bytes, store it, then summarize and mark it ready.

    Used by the pipeline after a fetch and by ``reextract`` on stored pages. A page with no
    article text, or a bot-check page, ends as ``failed`` (blocked pages retry later).
    """
    url = article.final_url or article.url
    try:
        extracted = extract(body, url, content_type=content_type, charset=charset)
    except ExtractionError as exc:
        _fail(article, exc.code, exc.message)
        return
    if extracted.blocked:
        _retry_later(
            article,
            "blocked",
            "The site showed a bot check instead of the article.",
            blocked=True,
        )
        return
    text = extracted.text.strip()
    if not text:
        _fail(article, "no_text", "No article text was found on this page.", paywalled=extracted.paywalled)
        return
    published = extracted.published_at
    offset = None
    if published is not None and published.utcoffset() is not None:
        offset = int(published.utcoffset().total_seconds() // 60)
    fields = {
        "title": extracted.title[:2000],
        "authors": extracted.authors,
        "published_at": published,
        "published_offset": offset,
        "top_image": extracted.top_image[:2048],
        "language": extracted.language,
        "text": text,
        "word_count": len(text.split()),
        "paywalled": extracted.paywalled,
        "blocked": False,
    }
    for name, value in fields.items():
        setattr(article, name, value)
    _set_status(article.pk, Status.SUMMARIZING, **fields)

    summarize_article(article)
    _set_status(article.pk, Status.READY, ready_at=timezone.now(), error="", error_code="", next_attempt_at=None)
    update_search_index(article.pk)


def update_search_index(article_id: int) -> None:
    """Index the article for search. A failure is logged, never lost work: the article stays ready,
    and ``manage.py rebuild_search_index`` repairs the index."""
    try:
        index_article(article_id)
    except Exception:
        log.exception("Could not index article %s for search", article_id)


def reextract(article: Article) -> bool:
    """Run extraction and summaries again from the stored page, without fetching.

    Returns False when no page was stored for the article (it never got that far).
    """
    try:
        page = article.fetched_page
    except FetchedPage.DoesNotExist:
        return False
    Article.objects.filter(pk=article.pk).update(status=Status.EXTRACTING, status_changed_at=timezone.now())
    try:
        extract_and_summarize(article, body=page.body, content_type=page.content_type, charset=page.charset or None)
    except Exception:
        log.exception("Unexpected error while re-extracting article %s", article.pk)
        _fail(article, "internal", "Something went wrong while processing this page.")
    return True


def sweep_stuck_articles() -> int:
    """Requeue articles that a lost message or a killed worker left pending; returns how many.

    An article counts as stuck when it has sat in a non-final state for longer than
    ``DIGEST_STUCK_AFTER`` seconds (queued and due, or mid-pipeline). Mid-pipeline ones that have
    used all attempts fail with a readable error instead of looping forever.
    """
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.DIGEST_STUCK_AFTER)
    running = [Status.FETCHING, Status.EXTRACTING, Status.SUMMARIZING]
    exhausted = Article.objects.filter(
        status__in=running, status_changed_at__lt=cutoff, attempts__gte=settings.DIGEST_MAX_ATTEMPTS
    ).update(
        status=Status.FAILED,
        status_changed_at=now,
        error_code="interrupted",
        error="Processing was interrupted too many times (the worker stopped while working on it).",
    )
    stuck_ids = list(
        Article.objects.filter(status__in=running, status_changed_at__lt=cutoff).values_list("pk", flat=True)
    )
    if stuck_ids:
        Article.objects.filter(pk__in=stuck_ids, status__in=running, status_changed_at__lt=cutoff).update(
            status=Status.QUEUED, status_changed_at=now, next_attempt_at=None
        )
    due_ids = list(
        Article.objects.filter(status=Status.QUEUED, status_changed_at__lt=cutoff)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .values_list("pk", flat=True)
    )
    # Touch them so the next sweep waits a full period before sending them again.
    Article.objects.filter(pk__in=due_ids).update(status_changed_at=now)
    ids = sorted(set(stuck_ids) | set(due_ids))
    if ids:
        log.info("Sweep requeued %d articles (%d failed after too many attempts)", len(ids), exhausted)
        transaction.on_commit(lambda: enqueue(ids))
    return len(ids)
