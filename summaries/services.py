"""Writing summaries of articles (the database side of ``summaries.summarizer``)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from summaries.models import Summary

log = logging.getLogger(__name__)

MAX_SENTENCES = 10  # longest summary a reader can ask for, sentences
# A pending summary older than this (seconds) was probably never queued (broker down): queue it again.
STALE_PENDING_AFTER = 60


def default_variant(user=None) -> tuple[str, int]:
    """The (algorithm, sentence count) shown to ``user`` when none is asked for.

    The person's choice in ``ReaderPreferences`` when they made one, else the site's
    ``DIGEST_SUMMARY_ALGORITHM`` / ``DIGEST_SUMMARY_SENTENCES``.
    """
    algorithm, sentences = settings.DIGEST_SUMMARY_ALGORITHM, settings.DIGEST_SUMMARY_SENTENCES
    prefs = getattr(user, "reader_preferences", None) if user is not None and user.pk else None
    if prefs is not None:
        algorithm = prefs.summary_algorithm or algorithm
        sentences = prefs.summary_sentences or sentences
    return algorithm, sentences


def summaries_to_show(user, article_ids: list[int]) -> dict[int, Summary]:
    """The summary to show for each article id (absent when it has none), in one query.

    The person's default variant when it exists, else the newest ready summary: an article saved
    before they changed their default keeps showing the one it has.
    """
    wanted = default_variant(user)
    chosen: dict[int, Summary] = {}
    rows = Summary.objects.filter(article__in=article_ids, status=Summary.Status.READY).order_by("updated_at")
    for summary in rows:
        current = chosen.get(summary.article_id)
        if current is None or (current.algorithm, current.sentence_count) != wanted:
            chosen[summary.article_id] = summary
    return chosen


def parse_variant(algorithm: str | None, sentences: str | int | None, user=None) -> tuple[str, int]:
    """A valid (algorithm, sentence count) from request values, falling back to ``default_variant``.

    Unknown names and counts outside 1..``MAX_SENTENCES`` fall back to the default.
    """
    from summaries.summarizer import available_algorithms

    default_algorithm, default_sentences = default_variant(user)
    if algorithm not in available_algorithms():
        algorithm = default_algorithm
    try:
        count = int(sentences) if sentences not in (None, "") else default_sentences
    except (TypeError, ValueError):
        count = default_sentences
    if not 1 <= count <= MAX_SENTENCES:
        count = default_sentences
    return algorithm, count


def summarize_article(article, *, algorithm: str | None = None, sentences: int | None = None) -> Summary:
    """Compute and store one summary of ``article.text``; returns the ``Summary`` row.

    The row is unique per (article, algorithm, sentence count) and is overwritten when it
    exists. Sentences are stored in document order with their code-point spans in
    ``article.text``. Raises ``summaries.summarizer.UnknownAlgorithm`` for a bad name; any other
    error is stored on the row as ``failed`` and re-raised.
    """
    from summaries.summarizer import summarize

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


def request_summary(article, *, algorithm: str, sentences: int) -> Summary:
    """The summary variant for a reader: the stored row, or a new pending one queued for a worker.

    Results are cached per (article, algorithm, sentence count): asking again returns the row.
    """
    summary, created = Summary.objects.get_or_create(
        article=article,
        algorithm=algorithm,
        sentence_count=sentences,
        defaults={"status": Summary.Status.PENDING, "language": article.language},
    )
    stale = timezone.now() - timedelta(seconds=STALE_PENDING_AFTER)
    if created or (summary.status == Summary.Status.PENDING and summary.updated_at < stale):
        from summaries.tasks import summarize_variant

        if not created:
            summary.save(update_fields=["updated_at"])  # wait a full period before asking again
        transaction.on_commit(lambda: _enqueue(summarize_variant, summary.pk))
    return summary


def _enqueue(task, *args) -> None:
    try:
        task.apply_async(args)
    except Exception:  # the row stays pending; asking again re-queues it
        log.exception("Could not enqueue %s%r", task.name, args)


def compute_pending_summary(summary_id: int) -> None:
    """Compute a pending summary row (the worker side of ``request_summary``); no-op otherwise."""
    summary = Summary.objects.select_related("article", "article__owner").filter(pk=summary_id).first()
    if summary is None or summary.status == Summary.Status.READY:
        return
    try:
        summarize_article(summary.article, algorithm=summary.algorithm, sentences=summary.sentence_count)
    except Exception:
        return  # stored on the row as failed by summarize_article
    from reader.services.articles import update_search_index

    update_search_index(summary.article_id)
