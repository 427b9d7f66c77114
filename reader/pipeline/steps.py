"""The steps of the pipeline, in order: claim, fetch, store and hand off; claim, extract, summarize,
index; and the sweep.

Every write a worker makes to an ``Article`` goes through here. A queue message carries an article
id and nothing else, so a lost or duplicated message does no harm: each step claims the row with a
conditional UPDATE and does nothing when another worker holds it or the article is done.

Two steps, on two queues (``reader.pipeline.tasks``): ``fetch_article`` waits on the network (a
thread pool), ``extract_article`` on the CPU (one process per core). The lease covers the whole
article: a fetch claim gives it (``FETCHING``), the stored page hands it off (``EXTRACTING`` with
``next_attempt_at`` set: due for the CPU step, held by no worker, for up to ``DIGEST_STUCK_AFTER``
seconds while its message waits in the queue), and the CPU claim takes it back (``next_attempt_at``
None again, a worker's lease). ``next_attempt_at`` is None exactly while a worker holds the article.
A redelivered message of either step takes over an article whose worker died (its lease lapsed) as
a new attempt.

Nothing here sends a message: a step that wants something to happen later returns a ``Next`` (which
step, in how many seconds), and the task sends it. That keeps this module free of Celery, and the
tasks thin.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils import timezone

from reader import conf
from reader.extract import ExtractionError, extract, next_page_of
from reader.fetch.client import FetchedResponse, FetchError, fetch_image
from reader.fetch.multipage import fetch_pages
from reader.fetch.urls import safe_image_url, site_of
from reader.models import Article, FetchedPage, LeadImage
from reader.pages.multipart import MULTIPAGE_TYPE, Page, pack_pages
from reader.pipeline.dedupe import fold_duplicate
from reader.pipeline.leases import (
    DATABASE_ERRORS,
    Retry,
    claim_fetch,
    claim_handed_off,
    claimable,
    heartbeat,
)
from reader.pipeline.politeness import HostLimiter, host_of
from reader.search import index_article
from reader.selectors import default_variant
from summaries.models import Summary
from summaries.summarizer import summarize

log = logging.getLogger(__name__)

Status = Article.Status

INTERNAL = "Something went wrong while processing this page. Try again, and report it if it keeps failing."

# The steps a message can ask for: the page, the article, its lead image.
FETCH = "fetch"
EXTRACT = "extract"
IMAGE = "image"


@dataclass(frozen=True)
class Next:
    """What a step asks for after it: run ``step`` (``FETCH`` or ``EXTRACT``) for the article again
    in ``delay`` seconds (0: now)."""

    step: str
    delay: float = 0.0


def later(step: str, delay: Retry) -> Next | None:
    """``Next(step, delay)``, or None for no delay (nothing to send)."""
    return None if delay is None else Next(step, delay)


def process_article(article_id: int) -> Retry:
    """Run the whole pipeline for one article in this process: ``fetch_article``, then at once
    ``extract_article`` on the page it stored and ``fetch_lead_image`` (what a direct call of the
    fetch task does: a test, the shell, a command; workers run the steps on their own queues).

    Idempotent, like each step. Returns the seconds before the article should be fetched again
    (a temporary failure, or a live worker holds it), or None. No per-site limits apply here.
    Database errors propagate (see ``fetch_article``).
    """
    after = fetch_article(article_id)
    if after is not None and after.step == EXTRACT and not after.delay:
        after = extract_article(article_id)
    if after is not None and after.step == IMAGE:
        fetch_lead_image(article_id)
        return None
    return None if after is None else after.delay


def fetch_article(article_id: int, limiter: HostLimiter | None = None) -> Next | None:
    """The I/O step: claim the article, fetch its page, store it, and hand it off to the CPU step.

    Returns ``Next(EXTRACT)`` once the page is stored (the caller sends the CPU message),
    ``Next(FETCH, seconds)`` when it should be tried again later (a temporary failure; a live worker
    holds it: then just after its lease lapses; the site's politeness turn is later), or None
    (done, failed, gone, not due, or already handed off). With a ``limiter``, the fetch starts
    only when the site's limits allow, and nothing is claimed until then. Every failure ends on the
    article as ``failed`` with a readable ``error``, or as ``queued`` with ``next_attempt_at`` for a
    temporary one. Database errors are not the article's fault: they propagate (the task tries again
    later) and leave the row to its lease. Nothing else escapes.
    """
    found = claimable(article_id).values_list("url", "captured").first()
    if found is None:
        return later(FETCH, claim_fetch(article_id))  # what the claim says: held by a live worker, or nothing
    url, captured = found
    # A captured page is handed on from the database: no request reaches the site, so no turn to wait for.
    grant = limiter.acquire(host_of(url), str(article_id)) if limiter is not None and not captured else None
    if grant is not None and grant.wait:
        _wait_for_turn(article_id, grant.wait)
        return Next(FETCH, grant.wait)
    with grant or nullcontext():
        claim = claim_fetch(article_id)
        if claim is not True:
            return later(FETCH, claim)
        article = Article.objects.get(pk=article_id)
        return _guarded(article, lambda: _fetch_and_store(article, grant))


def _wait_for_turn(article_id: int, seconds: float) -> None:
    """Write a politeness wait on the queued row: due in ``seconds``, its message sent now. Without
    it the sweep would take a link that waits its site's turn (for longer than ``DIGEST_STUCK_AFTER``
    on a busy site) for a lost message and send it again."""
    now = timezone.now()
    Article.objects.filter(pk=article_id, status=Status.QUEUED).update(
        next_attempt_at=now + timedelta(seconds=seconds), enqueued_at=now
    )


def extract_article(article_id: int) -> Next | None:
    """The CPU step: claim the handed-off article, extract its stored page, summarize, index, ready.

    A redelivered message whose worker died takes the article over once the lease lapses (a new
    attempt, from the stored page). Returns ``Next(EXTRACT, seconds)`` while a live worker holds it,
    ``Next(FETCH, seconds)`` when the page must be fetched again (a bot check), ``Next(IMAGE)`` when
    the article is ready with a lead image to download (``DIGEST_LEAD_IMAGES``), else None. Failures
    and database errors as in ``fetch_article``.
    """
    claim = claim_handed_off(article_id)
    if claim is not True:
        return later(EXTRACT, claim)
    article = Article.objects.get(pk=article_id)
    after = _guarded(article, lambda: later(FETCH, _extract_stored(article)))
    if after is None and settings.DIGEST_LEAD_IMAGES and _wants_image(article_id):
        return Next(IMAGE)
    return after


def _wants_image(article_id: int) -> bool:
    return Article.objects.missing_lead_image().filter(pk=article_id).exists()


def fetch_lead_image(article_id: int) -> bool:
    """The image step: download the ready article's lead image (``top_image``) through the fetcher's
    checks, at most ``DIGEST_IMAGE_MAX_BYTES`` bytes and of an image type a browser shows without
    running anything, and keep it as a ``LeadImage``. Returns whether it stored one now. Best effort:
    a failure is logged and leaves the article without a picture, never failed nor retried. Safe to
    run twice or for a missing id (nothing is downloaded for an article that has its copy).
    Database errors propagate."""
    article = Article.objects.missing_lead_image().filter(pk=article_id).first()
    if article is None:
        return False
    try:
        body, content_type = fetch_image(article.top_image, conf.fetch_options(), settings.DIGEST_IMAGE_MAX_BYTES)
    except FetchError as exc:
        log.info("No lead image for article %s (%s): %s", article_id, exc.code, exc.message)
        return False
    LeadImage.objects.update_or_create(
        article_id=article_id,
        defaults={"url": article.top_image, "content_type": content_type, "body": body, "size": len(body)},
    )
    return True


def _guarded(article: Article, work) -> Next | None:
    """Run one step's ``work`` under the article's heartbeat; a time limit or an unexpected error
    ends the article as ``failed`` (database errors propagate)."""
    try:
        with heartbeat(article.pk):
            return work()
    except DATABASE_ERRORS:
        raise
    except SoftTimeLimitExceeded:
        fail_timed_out(article.pk)
        return None
    except Exception:
        log.exception("Unexpected error while processing article %s", article.pk)
        _fail(article, "internal", INTERNAL)
        return None


def _fetch_and_store(article: Article, grant) -> Next | None:
    if article.captured and _hand_off_captured(article):
        return Next(EXTRACT)
    try:
        # An article split over pages (rel="next") comes back as all of them, up to DIGEST_FETCH_MAX_PAGES.
        pages = fetch_pages(article.url, conf.fetch_options(), _next_page)
    except FetchError as exc:
        flags = {"blocked": True} if exc.blocked else {}
        if exc.temporary:
            return later(FETCH, _retry_later(article, exc.code, exc.message, at_least=exc.retry_after or 0, **flags))
        _fail(article, exc.code, exc.message, **flags)
        return None
    finally:
        if grant is not None:
            grant.release()  # the site is free again as soon as its bytes are in
    _store_page(article, pages)
    return Next(EXTRACT)


def _next_page(page: FetchedResponse) -> str:
    return next_page_of(page.body, page.final_url, page.content_type, page.charset)


def _extract_stored(article: Article) -> Retry:
    try:
        page = article.fetched_page
    except FetchedPage.DoesNotExist:
        # Handed off without a page (a row changed by hand): fetch it again.
        return _retry_later(article, "no_page", "The fetched page was not kept.")
    return extract_and_summarize(article, body=page.body, content_type=page.content_type, charset=page.charset or None)


def hand_off_not_sent(article_id: int) -> None:
    """The CPU message for a handed-off article could not be sent (the broker is down): let its
    hand-off lapse now, so the next sweep sends it again instead of waiting ``DIGEST_STUCK_AFTER``."""
    Article.objects.filter(pk=article_id, status=Status.EXTRACTING, next_attempt_at__isnull=False).update(
        lease_expires_at=timezone.now()
    )


def fail_timed_out(article_id: int) -> None:
    """End an article that ran past the task time limit as ``failed`` (never retried: it would only
    run out of time again)."""
    limit = round(settings.DIGEST_TASK_SOFT_TIME_LIMIT)
    message = f"This page took too long to process (over {limit} seconds), so Digest stopped working on it."
    pending = Article.objects.filter(pk=article_id, status__in=Article.PENDING_STATUSES)
    if pending.filter(status=Status.SUMMARIZING).exists():
        message = f"This page is too long to summarize (over {limit} seconds), so Digest stopped working on it."
    pending.update(
        status=Status.FAILED,
        status_changed_at=timezone.now(),
        lease_expires_at=None,
        next_attempt_at=None,
        error_code="too_long",
        error=message,
    )
    log.info("Article %s failed: over the time limit", article_id)


def _store_page(article: Article, pages: list[FetchedResponse]) -> None:
    """Keep the fetched bytes (compressed, apart from the article) and hand the article off to the
    CPU step: ``extracting``, due now, held for ``DIGEST_STUCK_AFTER`` seconds while its message waits
    (a lost message lets the hand-off lapse, and the sweep queues the article again). The pages of an
    article split over pages are kept as one ``multipart/mixed`` body (``reader.pages.multipart``). A page
    the person gave while this one was being fetched is kept instead (``captured``)."""
    if _hand_off_captured(article):
        return
    response = pages[0]
    body, content_type, charset = response.body, response.content_type, response.charset or ""
    if len(pages) > 1:
        body = pack_pages([Page(p.final_url, p.content_type, p.charset, p.body) for p in pages])
        content_type, charset = MULTIPAGE_TYPE, ""
    FetchedPage.objects.update_or_create(
        article=article,
        defaults={
            "url": response.final_url,
            "status_code": response.status,
            "content_type": content_type,
            "charset": charset,
            "body_compressed": FetchedPage.compress(body),
            "size": len(body),
        },
    )
    article.final_url = response.final_url
    article.site = site_of(response.final_url) or article.site
    _hand_off(article.pk, final_url=article.final_url, site=article.site)


def _hand_off_captured(article: Article) -> bool:
    """Hand on the page the person gave for ``article`` (it is ``captured`` and its page is stored);
    True when it did, False when the page must be fetched."""
    page_url = (
        FetchedPage.objects.filter(article_id=article.pk, article__captured=True).values_list("url", flat=True).first()
    )
    if page_url is None:
        return False
    _hand_off(article.pk, final_url=page_url, site=site_of(page_url) or article.site)
    return True


def _hand_off(article_id: int, *, final_url: str, site: str) -> None:
    """Move an article whose page is stored to the CPU step: ``extracting``, due now, held for
    ``DIGEST_STUCK_AFTER`` seconds while its message waits in the queue."""
    now = timezone.now()
    Article.objects.filter(pk=article_id).update(
        final_url=final_url,
        site=site,
        fetched_at=now,
        status=Status.EXTRACTING,
        status_changed_at=now,
        next_attempt_at=now,
        lease_expires_at=now + timedelta(seconds=settings.DIGEST_STUCK_AFTER),
        blocked=False,
    )


def extract_and_summarize(article: Article, *, body: bytes, content_type: str, charset: str | None) -> Retry:
    """Extract the article from fetched bytes, store it, summarize it, index it and mark it ready.

    Used after a fetch and by ``reextract`` on stored pages. A page with no article text ends as
    ``failed``; a bot-check page is queued again and the retry delay (seconds) returned; a page whose
    story the person saved before under another address is folded into that article
    (``reader.pipeline.dedupe``) and not summarized.
    """
    url = article.final_url or article.url
    try:
        extracted = extract(body, url, content_type=content_type, charset=charset)
    except ExtractionError as exc:
        _fail(article, exc.code, exc.message)
        return None
    if extracted.blocked and article.captured:
        # A page given to us stays the same page: trying it again would show the same bot check.
        _fail(article, "blocked", "The page you saved shows a bot check instead of the article.", blocked=True)
        return None
    if extracted.blocked:
        return _retry_later(article, "blocked", "The site showed a bot check instead of the article.", blocked=True)
    text = extracted.text.strip()
    if not text:
        _fail(article, "no_text", "No article text was found on this page.", paywalled=extracted.paywalled)
        return None
    # The same story saved before under another address (AMP, m./www., a redirect): one article.
    if fold_duplicate(article, extracted) is not None:
        return None
    published = extracted.published_at
    shift = published.utcoffset() if published is not None else None
    offset = int(shift.total_seconds() // 60) if shift is not None else None
    fields = {
        # A title the page does not give keeps the one the article came with (an import file's, a client's).
        "title": extracted.title[:2000] or article.title,
        # An import file's authors and date stand when the page gives none.
        "authors": extracted.authors or article.authors,
        "published_at": published or article.published_at,
        "published_offset": offset if published is not None else article.published_offset,
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
