"""Every Celery task of Digest, each a few lines around ``reader.pipeline.steps``, and the enqueue.

A message carries only an id. The task names are the ones messages were sent with before the
tasks moved here, so messages queued by an older version are still understood after an upgrade.
Every task is bounded by ``CELERY_TASK_SOFT_TIME_LIMIT``/``CELERY_TASK_TIME_LIMIT`` (settings).
"""

from __future__ import annotations

import logging

from billiard.exceptions import TimeLimitExceeded
from celery import Task, shared_task
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from reader.models import Article
from reader.pipeline import steps
from reader.services.organize import purge_deleted

log = logging.getLogger(__name__)

# Seconds before a task whose database was unreachable tries again (a restart takes a few).
DATABASE_RETRY_DELAY = 10.0


class PipelineTask(Task):
    """A task on one article: when the worker kills it at the hard time limit, the article fails
    with a readable reason instead of waiting for its lease to lapse and running out of time again.
    (``on_failure`` runs in the worker's main process, which outlives the killed child.)"""

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        if isinstance(exc, TimeLimitExceeded) and args:
            steps.fail_timed_out(args[0])


@shared_task(name="reader.tasks.process_article", base=PipelineTask, ignore_result=True)
def process_article(article_id: int) -> None:
    """Fetch, extract and summarize one article (by id). Safe to run twice or for a missing id."""
    try:
        delay = steps.process_article(article_id)
    except steps.DATABASE_ERRORS:
        log.warning("Database unavailable while processing article %s; trying again later", article_id, exc_info=True)
        if not connection.in_atomic_block:  # a broken connection is dropped; a caller's transaction is not
            close_old_connections()
        delay = DATABASE_RETRY_DELAY
    if delay is not None:
        enqueue([article_id], countdown=delay)


@shared_task(name="reader.tasks.sweep_articles", ignore_result=True)
def sweep_articles() -> int:
    """Requeue articles left pending by a lost message or a dead worker, and purge articles
    deleted longer than ``DIGEST_PURGE_DELETED_AFTER`` ago (run by Celery beat). Returns how many
    were requeued."""
    purge_deleted()
    ids = steps.sweep_stuck_articles()
    enqueue(ids)
    return len(ids)


@shared_task(name="summaries.tasks.summarize_variant", ignore_result=True)
def summarize_variant(summary_id: int) -> None:
    """Compute one pending ``Summary`` row (by id). Safe to run twice or for a missing row."""
    steps.compute_pending_summary(summary_id)


def enqueue(article_ids: list[int], *, countdown: float | None = None, unsent: list[int] | None = None) -> None:
    """Send one ``process_article`` task per id, after the current transaction commits.

    A broker that is down must not hold up a request nor lose a save: the rows are already in the
    database, so one short attempt is made (a connection timeout of about a second, no retries),
    and after the first failure nothing more is tried; the periodic sweep sends what was not
    sent once the broker is back. The ids that could not be sent are appended to ``unsent``.
    """
    ids = list(article_ids)
    if ids:
        transaction.on_commit(lambda: _send_all(ids, countdown, unsent))


def _send_all(ids: list[int], countdown: float | None, unsent: list[int] | None) -> None:
    failed: list[int] = []
    for position, article_id in enumerate(ids):
        if not _send(process_article, (article_id,), countdown):
            failed = ids[position:]
            break
    sent = ids[: len(ids) - len(failed)]
    if sent:
        Article.objects.filter(pk__in=sent).update(enqueued_at=timezone.now())
    if failed:
        # Not sent: the next sweep sends them, whenever the article was last queued.
        Article.objects.filter(pk__in=failed).update(enqueued_at=None)
        if unsent is not None:
            unsent.extend(failed)


def enqueue_summary(summary_id: int) -> None:
    """Send one ``summarize_variant`` task after the current transaction commits (logged on failure:
    the row stays pending and asking for it again sends it again)."""
    transaction.on_commit(lambda: _send(summarize_variant, (summary_id,), None))


def _send(task: Task, args: tuple, countdown: float | None) -> bool:
    # Not Celery's apply_async_on_commit: a broker error there would escape into the request that
    # committed (an HTTP 500 after the save succeeded). Here it is logged and the row waits.
    try:
        if countdown is None:
            task.apply_async(args, retry=False)
        else:
            task.apply_async(args, countdown=countdown, retry=False)
    except Exception:  # kombu raises many kinds of OperationalError; the row is safe either way
        log.exception("Could not enqueue %s%r; the sweep will send it", task.name, args)
        return False
    return True
