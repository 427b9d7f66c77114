"""Celery tasks for summaries: thin wrappers around ``summaries.services``."""

from __future__ import annotations

from celery import shared_task

from summaries import services


@shared_task(name="summaries.tasks.summarize_variant", ignore_result=True)
def summarize_variant(summary_id: int) -> None:
    """Compute one pending ``Summary`` row (by id). Safe to run twice or for a missing row."""
    services.compute_pending_summary(summary_id)
