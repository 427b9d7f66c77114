"""Reads: articles as plain data for the command line (and later the API)."""
from __future__ import annotations

from datetime import timedelta, timezone as dt_timezone

from reader.models import Article
from summaries.models import Summary
from summaries.services import default_variant


def published_in_page_offset(article: Article) -> str | None:
    """``published_at`` as ISO 8601 in the offset the page gave (UTC when it gave none), or None."""
    if article.published_at is None:
        return None
    offset = article.published_offset or 0
    return article.published_at.astimezone(dt_timezone(timedelta(minutes=offset))).isoformat()


def article_as_dict(article: Article) -> dict:
    """One article as JSON-ready data.

    Keys: ``id, url, canonical_url, final_url, status, error, title, authors (list of str),
    published_at (ISO 8601 or None), top_image, language (ISO 639-1), text, paywalled, blocked,
    summary`` (list of sentence strings of the default summary, [] when there is none).
    """
    algorithm, sentences = default_variant(article.owner)
    summary = Summary.objects.filter(
        article=article, algorithm=algorithm, sentence_count=sentences, status=Summary.Status.READY
    ).first()
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
