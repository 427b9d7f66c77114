"""Writing summaries of articles (the database side of ``summaries.summarizer``)."""
from __future__ import annotations

import logging

from django.conf import settings

from summaries.models import Summary

log = logging.getLogger(__name__)


def default_variant(user=None) -> tuple[str, int]:
    """The (algorithm, sentence count) used when none is asked for.

    From settings ``DIGEST_SUMMARY_ALGORITHM`` / ``DIGEST_SUMMARY_SENTENCES``.
    """
    return settings.DIGEST_SUMMARY_ALGORITHM, settings.DIGEST_SUMMARY_SENTENCES


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
    except Exception as exc:
        summary.status = Summary.Status.FAILED
        summary.error = str(exc)
        summary.save(update_fields=["status", "error", "updated_at"])
        raise
    summary.sentences = [{"text": s.text, "start": s.start, "end": s.end} for s in chosen]
    summary.language = article.language
    summary.status = Summary.Status.READY
    summary.error = ""
    summary.save(update_fields=["sentences", "language", "status", "error", "updated_at"])
    return summary
