"""Celery tasks: thin wrappers that call ``reader.services.articles``."""

from __future__ import annotations

from celery import shared_task

from reader.services import articles, organize


@shared_task(name="reader.tasks.process_article", ignore_result=True)
def process_article(article_id: int) -> None:
    """Fetch, extract and summarize one article (by id). Safe to run twice or for a missing id."""
    articles.process_article(article_id)


@shared_task(name="reader.tasks.sweep_articles", ignore_result=True)
def sweep_articles() -> int:
    """Requeue articles left pending by a lost message or a killed worker, and purge articles
    deleted longer than ``DIGEST_PURGE_DELETED_AFTER`` ago (run by Celery beat)."""
    organize.purge_deleted()
    return articles.sweep_stuck_articles()
