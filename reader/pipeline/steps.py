"""The steps of the pipeline, in order: claim, fetch, store, extract, summarize, index; and the sweep.

Every write a worker makes to an ``Article`` goes through here. A queue message carries an article
id and nothing else, so a lost or duplicated message does no harm: ``process_article`` claims the
row with a conditional UPDATE and does nothing when another worker holds it or the article is done.

Nothing here sends a message: a step that wants the article tried again later returns the delay
(seconds), and the task in ``reader.pipeline.tasks`` sends it. That keeps this module free of
Celery, and the tasks thin.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from reader import conf
from reader.extract import ExtractionError, extract
from reader.fetch.client import FetchError, fetch
from reader.fetch.urls import safe_image_url, site_of
from reader.models import Article, FetchedPage, Lock
from reader.search import index_article
from reader.selectors import default_variant
from summaries.models import Summary
from summaries.summarizer import summarize

log = logging.getLogger(__name__)

Status = Article.Status

# A retry delay in seconds, or None when nothing needs sending.
Retry = float | None

# Errors of the database itself (a restart, a dropped connection): never the article's fault.
DATABASE_ERRORS = (OperationalError, InterfaceError)
INTERRUPTED = "Processing was interrupted too many times (the worker stopped while working on it)."


def process_article(article_id: int) -> Retry:
    """Run the whole pipeline for one article: fetch, store, extract, summarize, index.

    Idempotent: returns at once when the article is gone, finished or not yet due. When a live
    worker holds it (its lease is current), returns the seconds until that lease lapses, so a
    redelivered message looks again then and takes over from a worker that died. Every failure
    ends on the article as ``failed`` with a readable ``error``, or as ``queued`` with
    ``next_attempt_at`` for a temporary one; then the delay (seconds) before it should be tried
    again is returned. Database errors are not the article's fault: they propagate (the task
    tries again later) and leave the row to its lease. Nothing else escapes.
    """
    claim = _claim(article_id)
    if claim is not True:
        return claim
    article = Article.objects.get(pk=article_id)
    try:
        with _heartbeat(article_id):
            return _run(article)
    except DATABASE_ERRORS:
        raise
    except SoftTimeLimitExceeded:
        fail_timed_out(article_id)
        return None
    except Exception:
        log.exception("Unexpected error while processing article %s", article_id)
        _fail(
            article,
            "internal",
            "Something went wrong while processing this page. Try again, and report it if it keeps failing.",
        )
        return None


def _run(article: Article) -> Retry:
    try:
        response = fetch(article.url, conf.fetch_options())
    except FetchError as exc:
        flags = {"blocked": True} if exc.blocked else {}
        if exc.temporary:
            return _retry_later(article, exc.code, exc.message, at_least=exc.retry_after or 0, **flags)
        _fail(article, exc.code, exc.message, **flags)
        return None
    _store_page(article, response)
    return extract_and_summarize(
        article, body=response.body, content_type=response.content_type, charset=response.charset
    )


def _claim(article_id: int) -> bool | Retry:
    """Take the article for this worker: True only for the one caller that did.

    A queued, due article moves to ``fetching``; so does one whose worker died mid-way (its lease
    lapsed), as a new attempt, unless it has used all attempts (then it fails as interrupted). When
    a live worker holds the article, the seconds until its lease lapses are returned; otherwise None.
    """
    now = timezone.now()
    lease = timedelta(seconds=settings.DIGEST_LEASE_SECONDS)
    due = Q(status=Status.QUEUED) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    abandoned = Q(status__in=Article.RUNNING_STATUSES) & (Q(lease_expires_at__lt=now) | Q(lease_expires_at=None))
    claimed = (
        Article.objects.filter(pk=article_id)
        .filter(due | (abandoned & Q(attempts__lt=settings.DIGEST_MAX_ATTEMPTS)))
        .update(
            status=Status.FETCHING,
            attempts=F("attempts") + 1,
            status_changed_at=now,
            next_attempt_at=None,
            lease_expires_at=now + lease,
        )
    )
    if claimed:
        return True
    if (
        Article.objects.filter(pk=article_id)
        .filter(abandoned)
        .update(
            status=Status.FAILED,
            status_changed_at=now,
            lease_expires_at=None,
            error_code="interrupted",
            error=INTERRUPTED,
        )
    ):
        log.info("Article %s failed: interrupted too many times", article_id)
        return None
    held = Article.objects.filter(pk=article_id, status__in=Article.RUNNING_STATUSES).values_list(
        "lease_expires_at", flat=True
    )
    for expires in held:
        return max((expires - now).total_seconds(), 0.0) + 1.0
    return None


@contextmanager
def _heartbeat(article_id: int) -> Iterator[None]:
    """Renew the article's lease every third of ``DIGEST_LEASE_SECONDS`` while the body runs.

    A thread of its own (with its own database connection, closed at the end), so a long
    extraction or summary keeps the lease without checking in from every step.
    """
    seconds = float(settings.DIGEST_LEASE_SECONDS)
    stop = threading.Event()

    def renew() -> None:
        try:
            while not stop.wait(seconds / 3):
                Article.objects.filter(pk=article_id, status__in=Article.RUNNING_STATUSES).update(
                    lease_expires_at=timezone.now() + timedelta(seconds=seconds)
                )
        except DATABASE_ERRORS:
            log.warning("Could not renew the lease of article %s", article_id, exc_info=True)
        finally:
            connections.close_all()

    beat = threading.Thread(target=renew, name=f"lease-{article_id}", daemon=True)
    beat.start()
    try:
        yield
    finally:
        stop.set()
        beat.join(timeout=seconds)


def fail_timed_out(article_id: int) -> None:
    """End an article that ran past the task time limit as ``failed`` (never retried: it would only
    run out of time again)."""
    limit = round(settings.DIGEST_TASK_SOFT_TIME_LIMIT)
    message = f"This page took too long to process (over {limit} seconds), so Digest stopped working on it."
    Article.objects.filter(pk=article_id, status__in=Article.PENDING_STATUSES).update(
        status=Status.FAILED,
        status_changed_at=timezone.now(),
        lease_expires_at=None,
        next_attempt_at=None,
        error_code="too_long",
        error=message,
    )
    log.info("Article %s failed: over the time limit", article_id)


def _store_page(article: Article, response) -> None:
    """Keep the fetched bytes (compressed, apart from the article) and move on to ``extracting``."""
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


def extract_and_summarize(article: Article, *, body: bytes, content_type: str, charset: str | None) -> Retry:
    """Extract the article from fetched bytes, store it, summarize it, index it and mark it ready.

    Used after a fetch and by ``reextract`` on stored pages. A page with no article text ends as
    ``failed``; a bot-check page is queued again and the retry delay (seconds) returned.
    """
    url = article.final_url or article.url
    try:
        extracted = extract(body, url, content_type=content_type, charset=charset)
    except ExtractionError as exc:
        _fail(article, exc.code, exc.message)
        return None
    if extracted.blocked:
        return _retry_later(article, "blocked", "The site showed a bot check instead of the article.", blocked=True)
    text = extracted.text.strip()
    if not text:
        _fail(article, "no_text", "No article text was found on this page.", paywalled=extracted.paywalled)
        return None
    published = extracted.published_at
    shift = published.utcoffset() if published is not None else None
    offset = int(shift.total_seconds() // 60) if shift is not None else None
    fields = {
        "title": extracted.title[:2000],
        "authors": extracted.authors,
        "published_at": published,
        "published_offset": offset,
        # http/https only, checked like any link: a page's og:image may be javascript: or a private address.
        "top_image": safe_image_url(extracted.top_image, url, conf.url_policy()),
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
    return None


def summarize_article(article: Article, *, algorithm: str | None = None, sentences: int | None = None) -> Summary:
    """Compute and store one summary of ``article.text``; returns the ``Summary`` row.

    ``algorithm``/``sentences`` default to the owner's ``default_variant``. The row is unique per
    (article, algorithm, sentence count) and is overwritten when it exists. Sentences are stored in
    document order with their code-point spans in ``article.text``. Raises
    ``summaries.summarizer.UnknownAlgorithm`` for a bad name; any other error is stored on the row as
    ``failed`` and re-raised.
    """
    default_algorithm, default_sentences = default_variant(article.owner)
    algorithm = algorithm or default_algorithm
    sentences = sentences or default_sentences
    summary, _ = Summary.objects.get_or_create(
        article=article,
        algorithm=algorithm,
        sentence_count=sentences,
        defaults={"status": Summary.Status.PENDING, "language": article.language},
    )
    try:
        chosen = summarize(
            article.text,
            language=article.language or "en",
            algorithm=algorithm,
            sentences=sentences,
            title=article.title,
            options=conf.summary_options(),
        )
    except Exception:
        summary.status = Summary.Status.FAILED
        summary.error = "This summary could not be computed."
        summary.save(update_fields=["status", "error", "updated_at"])
        log.exception("Summary %s failed", summary.pk)
        raise
    summary.sentences = [{"text": s.text, "start": s.start, "end": s.end} for s in chosen]
    summary.language = article.language
    summary.status = Summary.Status.READY
    summary.error = ""
    summary.save(update_fields=["sentences", "language", "status", "error", "updated_at"])
    return summary


def compute_pending_summary(summary_id: int) -> None:
    """Compute a pending summary variant (asked for on the article page), then re-index its article.

    No-op for a missing or ready row; a failure is stored on the row by ``summarize_article``.
    """
    summary = Summary.objects.select_related("article", "article__owner").filter(pk=summary_id).first()
    if summary is None or summary.status == Summary.Status.READY:
        return
    try:
        summarize_article(summary.article, algorithm=summary.algorithm, sentences=summary.sentence_count)
    except Exception:
        return
    update_search_index(summary.article_id)


def update_search_index(article_id: int) -> None:
    """Index the article for search. A failure is logged, never lost work: the article stays ready,
    and ``manage.py rebuild_search_index`` repairs the index."""
    try:
        index_article(article_id)
    except Exception:
        log.exception("Could not index article %s for search", article_id)


def reextract(article: Article) -> tuple[bool, Retry]:
    """Run extraction and summaries again from the stored page, without fetching.

    Returns (whether a page was stored for the article, the retry delay in seconds or None).
    """
    try:
        page = article.fetched_page
    except FetchedPage.DoesNotExist:
        return False, None
    Article.objects.filter(pk=article.pk).update(status=Status.EXTRACTING, status_changed_at=timezone.now())
    try:
        return True, extract_and_summarize(
            article, body=page.body, content_type=page.content_type, charset=page.charset or None
        )
    except Exception:
        log.exception("Unexpected error while re-extracting article %s", article.pk)
        _fail(article, "internal", "Something went wrong while processing this page.")
        return True, None


def _set_status(article_id: int, status: str, **fields) -> None:
    if status not in Article.RUNNING_STATUSES:
        fields["lease_expires_at"] = None  # no worker holds a queued or finished article
    Article.objects.filter(pk=article_id).update(status=status, status_changed_at=timezone.now(), **fields)


def _fail(article: Article, code: str, message: str, **flags) -> None:
    log.info("Article %s failed (%s): %s", article.pk, code, message)
    _set_status(article.pk, Status.FAILED, error=message, error_code=code, next_attempt_at=None, **flags)


def _retry_later(article: Article, code: str, message: str, *, at_least: float = 0, **flags) -> Retry:
    """Queue a temporary failure again with exponential backoff, or fail it at the cap.

    ``at_least``: seconds the site asked us to wait (Retry-After), honoured up to the backoff cap.
    Returns the delay in seconds (None when the article failed for good).
    """
    if article.attempts >= settings.DIGEST_MAX_ATTEMPTS:
        _fail(article, code, f"{message} Gave up after {article.attempts} attempts.", **flags)
        return None
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
    return delay


def _seconds_words(seconds: float) -> str:
    if seconds < 90:
        return f"{round(seconds)} seconds"
    return f"{round(seconds / 60)} minutes"


SWEEP_LOCK = "sweep"


def sweep_stuck_articles() -> list[int]:
    """The articles that need a message again, marked as sent; returns their ids ([] when another
    sweep is running: two never run at once).

    - A running article whose lease lapsed (its worker died) is queued again, or fails as
      interrupted when it has used all attempts. A running article with a live lease is never
      touched, however long it runs: its worker is alive (the task time limit bounds it).
    - A queued, due article whose message could not be sent (the broker was down) or was sent over
      ``DIGEST_STUCK_AFTER`` seconds ago and never arrived (a lost message) is sent again.
    """
    if not _take_lock(SWEEP_LOCK, seconds=max(settings.DIGEST_SWEEP_INTERVAL, settings.DIGEST_LEASE_SECONDS)):
        log.info("Another sweep is running; this one does nothing")
        return []
    try:
        return _sweep()
    finally:
        Lock.objects.filter(name=SWEEP_LOCK).update(expires_at=timezone.now())


def _sweep() -> list[int]:
    now = timezone.now()
    lapsed = Q(status__in=Article.RUNNING_STATUSES) & (Q(lease_expires_at__lt=now) | Q(lease_expires_at=None))
    exhausted = (
        Article.objects.filter(lapsed)
        .filter(attempts__gte=settings.DIGEST_MAX_ATTEMPTS)
        .update(
            status=Status.FAILED,
            status_changed_at=now,
            lease_expires_at=None,
            error_code="interrupted",
            error=INTERRUPTED,
        )
    )
    abandoned = list(Article.objects.filter(lapsed).values_list("pk", flat=True))
    if abandoned:
        Article.objects.filter(lapsed, pk__in=abandoned).update(
            status=Status.QUEUED, status_changed_at=now, next_attempt_at=None, lease_expires_at=None
        )
    overdue = now - timedelta(seconds=settings.DIGEST_STUCK_AFTER)
    unsent = list(
        Article.objects.filter(status=Status.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        # Sent but never arrived: it was due (sent, or its retry time came) long ago.
        .filter(
            Q(enqueued_at__isnull=True)
            | Q(enqueued_at__lt=overdue, next_attempt_at=None)
            | Q(enqueued_at__lt=overdue, next_attempt_at__lt=overdue)
        )
        .values_list("pk", flat=True)
    )
    ids = sorted(set(abandoned) | set(unsent))
    # Marked as sent now, so the next sweep waits a full period (the send clears it if it fails).
    Article.objects.filter(pk__in=ids).update(enqueued_at=now)
    if ids:
        log.info("Sweep requeued %d articles (%d failed after too many attempts)", len(ids), exhausted)
    return ids


def _take_lock(name: str, *, seconds: float) -> bool:
    """Hold the lock ``name`` for ``seconds`` unless a live holder has it; True when taken."""
    now = timezone.now()
    until = now + timedelta(seconds=seconds)
    if Lock.objects.filter(name=name, expires_at__lt=now).update(expires_at=until):
        return True
    try:
        with transaction.atomic():
            Lock.objects.create(name=name, expires_at=until)
    except IntegrityError:
        return False
    return True
