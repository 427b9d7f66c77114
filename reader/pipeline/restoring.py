"""Digest's own JSON export, both ways: an article as a record (``article_record``) and a record back
into an article (``restore_fields``, ``restore_summaries``), so export and import cannot drift apart.

A record keeps every field a person or the pipeline set: the link, the extracted text and metadata,
the status and its error, the reading state and its dates, tags, notes, the summary the person chose
("Use this summary": ``summary_algorithm`` and ``summary_sentences``, null when the article follows
their default), and every summary with its algorithm, length and sentence spans, the one they see
marked ``shown``. Not kept: the fetched page's bytes (an imported ready article is
not extracted again; a pending or failed one is fetched again) and internal worker state (leases,
attempts). ``RECORD_VERSION`` goes up when the shape changes; the importer reads every older version.
Keys added without changing the version (the choice, ``shown``) are optional: a record without them
reads as before.
"""

from __future__ import annotations

from datetime import UTC, datetime

from reader.models import Article
from reader.selectors import published_in_page_offset
from summaries.models import Summary
from summaries.summarizer import MAX_SENTENCES

RECORD_VERSION = 1
Status = Article.Status


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _time(value) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def article_record(article: Article, tags: list[str], summaries: list[Summary], shown_id: int | None = None) -> dict:
    """``article`` as a record of Digest JSON: JSON-ready data (dates ISO 8601 in UTC with
    microseconds; ``published_at`` in the page's own offset, kept in ``published_offset``, minutes).
    ``summaries``: all of the article's; ``shown_id``: the id of the one the person sees
    (``reader.selectors.summaries_to_show``), marked ``"shown": true``."""
    return {
        "url": article.url,
        "canonical_url": article.canonical_url,
        "final_url": article.final_url,
        "site": article.site,
        "title": article.title,
        "authors": list(article.authors or []),
        "published_at": published_in_page_offset(article),
        "published_offset": article.published_offset,
        "top_image": article.top_image,
        "language": article.language,
        "text": article.text,
        "word_count": article.word_count,
        "status": article.status,
        "error": article.error,
        "error_code": article.error_code,
        "paywalled": article.paywalled,
        "blocked": article.blocked,
        "notes": article.notes,
        "saved_at": _iso(article.created_at),
        "fetched_at": _iso(article.fetched_at),
        "ready_at": _iso(article.ready_at),
        "read_at": _iso(article.read_at),
        "archived_at": _iso(article.archived_at),
        "favourite": article.favourite,
        "tags": tags,
        "summary_algorithm": article.summary_algorithm or None,
        "summary_sentences": article.summary_sentences if article.summary_algorithm else None,
        "summaries": [
            {
                "algorithm": s.algorithm,
                "sentence_count": s.sentence_count,
                "language": s.language,
                "status": s.status,
                "error": s.error,
                "sentences": s.sentences,
                "shown": s.pk == shown_id,
            }
            for s in summaries
        ],
    }


def restore_fields(article: Article, record: dict) -> None:
    """Set on a new ``article`` the fields of a Digest JSON ``record`` (unsaved; its owner, URLs and
    import job are set by the caller). An article that was ready or failed stays so; one still being
    processed when it was exported is queued to be fetched again."""

    def text(name: str) -> str:
        value = record.get(name)
        return value if isinstance(value, str) else ""

    status = str(record.get("status") or "")
    finished = status in (Status.READY, Status.FAILED)
    article.status = status if finished else Status.QUEUED
    article.final_url = text("final_url") if finished else ""
    article.site = text("site") or article.site
    article.title = text("title")
    article.authors = [a for a in record.get("authors") or [] if isinstance(a, str)]
    article.published_at = _time(record.get("published_at"))
    offset = record.get("published_offset")
    article.published_offset = offset if isinstance(offset, int) else None
    article.top_image = text("top_image")
    article.language = text("language")[:8]
    article.text = text("text")
    word_count = record.get("word_count")
    article.word_count = word_count if isinstance(word_count, int) and word_count >= 0 else len(article.text.split())
    article.error = text("error") if status == Status.FAILED else ""
    article.error_code = text("error_code") if status == Status.FAILED else ""
    article.paywalled = bool(record.get("paywalled"))
    article.blocked = bool(record.get("blocked"))
    article.notes = text("notes")
    article.read_at = _time(record.get("read_at"))
    article.archived_at = _time(record.get("archived_at"))
    article.favourite = bool(record.get("favourite"))
    article.fetched_at = _time(record.get("fetched_at")) if finished else None
    article.ready_at = _time(record.get("ready_at")) if status == Status.READY else None
    article.captured = False
    algorithm, sentences = record.get("summary_algorithm"), record.get("summary_sentences")
    # Both or neither: a half choice would pin nothing the summaries could match.
    if isinstance(algorithm, str) and algorithm and type(sentences) is int and 0 < sentences <= MAX_SENTENCES:
        article.summary_algorithm, article.summary_sentences = algorithm[:32], sentences


def restore_summaries(pairs: list[tuple[Article, dict]]) -> None:
    """Create the summaries of each saved article from its record's ``summaries`` (one query)."""
    rows = []
    for article, record in pairs:
        for item in record.get("summaries") or []:
            if not isinstance(item, dict) or not isinstance(item.get("algorithm"), str):
                continue
            count = item.get("sentence_count")
            sentences = item.get("sentences")
            rows.append(
                Summary(
                    article=article,
                    algorithm=item["algorithm"][:32],
                    sentence_count=count if isinstance(count, int) and count > 0 else len(sentences or []),
                    language=str(item.get("language") or "")[:8],
                    status=str(item["status"]) if item.get("status") in Summary.Status.values else Summary.Status.READY,
                    error=str(item.get("error") or ""),
                    sentences=sentences if isinstance(sentences, list) else [],
                )
            )
    Summary.objects.bulk_create(rows, ignore_conflicts=True)
