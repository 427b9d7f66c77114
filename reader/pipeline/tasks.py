"""Every Celery task of Digest, each a few lines around ``reader.pipeline.steps``, and the enqueue.

Two queues (``CELERY_TASK_ROUTES`` in settings): ``process_article``, the fetch step, goes to
``DIGEST_FETCH_QUEUE``, served by a thread pool (it waits on the network); everything else
(``extract_article``, summary variants, the sweep) goes to ``DIGEST_QUEUE``, served by one process
per core. A message carries only an id. The task names are the ones messages were sent with
before the split and the move here (``reader.tasks.process_article`` is the fetch step, which
hands off to the CPU step), so messages queued by an older version are still understood after an
upgrade. Every task is bounded: by ``CELERY_TASK_SOFT_TIME_LIMIT``/``CELERY_TASK_TIME_LIMIT`` in
the prefork pool; in the fetch worker's thread pool, where Celery cannot interrupt a thread, by
the fetch's own total timeout (``DIGEST_FETCH_TOTAL_TIMEOUT``).
"""

from __future__ import annotations

import logging
import random
from typing import Any

import redis
from billiard.exceptions import TimeLimitExceeded
from celery import Task, current_app, shared_task
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from kombu.transport.redis import Channel as RedisChannel

from reader.models import Article, ImportJob
from reader.pipeline import importing, leases, steps, sweep
from reader.pipeline.politeness import HostLimiter, HostLimits, redis_client
from reader.services.access import clear_expired_tokens as clear_expired_api_tokens
from reader.services.organize import purge_deleted

log = logging.getLogger(__name__)

# Seconds before a task whose database was unreachable tries again (a restart takes a few).
DATABASE_RETRY_DELAY = 10.0
# Seconds a politeness slot outlives the longest fetch, so that only a dead worker's slot lapses.
SLOT_MARGIN = 10.0
# A key the sweep keeps in the broker's Redis: gone means the broker lost its messages.
BROKER_MARKER = "digest:broker-marker"


class PipelineTask(Task):
    """A task on one article: when the worker kills it at the hard time limit, the article fails
    with a readable reason instead of waiting for its lease to lapse and running out of time again.
    (``on_failure`` runs in the worker's main process, which outlives the killed child.)"""

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        if isinstance(exc, TimeLimitExceeded) and args:
            steps.fail_timed_out(args[0])


@shared_task(name="reader.tasks.process_article", base=PipelineTask, bind=True, ignore_result=True)
def process_article(self: Task, article_id: int) -> None:
    """Fetch one article (by id) within the site's limits and hand the stored page to
    ``extract_article``. Called as a plain function (a test, the shell) it runs the whole pipeline
    in this process instead, as it always did. Safe to run twice or for a missing id."""
    try:
        if self.request.called_directly:
            after = steps.later(steps.FETCH, steps.process_article(article_id))
        else:
            after = steps.fetch_article(article_id, limiter=_limiter())
    except leases.DATABASE_ERRORS:
        after = _database_unavailable(steps.FETCH, article_id)
    # A link waiting for its site's turn goes back to the queue it came from (an import's stays behind pastes).
    _send_next(article_id, after, queue=(self.request.delivery_info or {}).get("routing_key"))


@shared_task(name="reader.tasks.extract_article", base=PipelineTask, ignore_result=True)
def extract_article(article_id: int) -> None:
    """Extract, summarize and index one fetched article (by id). Safe to run twice or for a missing id."""
    try:
        after = steps.extract_article(article_id)
    except leases.DATABASE_ERRORS:
        after = _database_unavailable(steps.EXTRACT, article_id)
    _send_next(article_id, after)


@shared_task(name="reader.tasks.sweep_articles", ignore_result=True)
def sweep_articles() -> int:
    """Send again the messages of articles left pending by a lost message or a dead worker, start again
    the imports whose chain of messages died, and purge articles deleted longer than
    ``DIGEST_PURGE_DELETED_AFTER`` ago (run by Celery beat). Returns how many messages were sent again."""
    purge_deleted()
    resend = sweep.sweep_stuck_articles(_broker_view())
    enqueue(resend.fetch)
    for article_id in resend.extract:
        if not _send(extract_article, (article_id,), None):
            steps.hand_off_not_sent(article_id)
    for job_id, state in importing.stalled_jobs():
        task = feed_import if state == ImportJob.State.QUEUEING else import_library
        _send(task, (job_id, importing.new_token()), None)
    return len(resend.fetch) + len(resend.extract)


def _broker_view() -> sweep.BrokerView:
    """What the broker holds, for the sweep: whether it lost its messages since the last look (the
    marker ``BROKER_MARKER`` is gone: Redis restarted without persistence, or was flushed; also true
    on the very first sweep, when sending again costs nothing), and whether each queue is empty.
    A broker that cannot be asked gives the view that knows nothing."""
    url = str(current_app.conf.broker_url or "").split(";")[0]
    client = redis_client(url)
    try:
        lost = bool(client.set(BROKER_MARKER, timezone.now().isoformat(), nx=True))
        # The fetch worker's queues (a person's links, then imports') and the CPU worker's.
        sides = {"fetch": {settings.DIGEST_FETCH_QUEUE, import_queue()}, "cpu": {settings.DIGEST_QUEUE}}
        if settings.DIGEST_FETCH_QUEUE == settings.DIGEST_QUEUE:
            sides = {side: sides["fetch"] | sides["cpu"] for side in sides}
        waiting = {}
        for side, queues in sides.items():
            with client.pipeline(transaction=False) as pipe:
                for queue in sorted(queues):
                    for key in _queue_keys(queue):
                        pipe.llen(key)
                waiting[side] = sum(pipe.execute())
    except redis.RedisError:
        log.warning("Could not look at the broker's queues before the sweep", exc_info=True)
        return sweep.BrokerView()
    finally:
        client.close()
    if lost:
        log.warning("The broker lost its messages (restarted empty or flushed); pending articles are sent again")
    return sweep.BrokerView(lost=lost, fetch_queue_empty=waiting["fetch"] == 0, cpu_queue_empty=waiting["cpu"] == 0)


def _queue_keys(queue: str) -> list[str]:
    """The Redis lists kombu keeps one queue in: the queue's name, and one list per message priority
    step after the first (as kombu's Redis transport names them)."""
    return [queue] + [f"{queue}{RedisChannel.sep}{step}" for step in RedisChannel.priority_steps[1:]]


@shared_task(name="reader.tasks.fetch_lead_image", ignore_result=True)
def fetch_lead_image(article_id: int) -> None:
    """Download a ready article's lead image (by id), on the fetch queue. Safe to run twice."""
    try:
        steps.fetch_lead_image(article_id)
    except leases.DATABASE_ERRORS:
        # Only a picture: not worth a retry loop (the article is ready either way).
        log.warning("Database unavailable while keeping the lead image of article %s", article_id, exc_info=True)
        close_old_connections()


@shared_task(name="reader.tasks.clear_expired_tokens", ignore_result=True)
def clear_expired_tokens() -> None:
    """Delete the API's expired access and refresh tokens (run daily by Celery beat)."""
    clear_expired_api_tokens()


# Seconds one run of an import's reading takes at most before it hands on to the next message, well
# inside the task time limits.
IMPORT_RUN_SECONDS = 30.0


@shared_task(name="reader.tasks.import_library", ignore_result=True)
def import_library(job_id: int, token: str) -> None:
    """Read and store the next part of an import file (about ``IMPORT_RUN_SECONDS``), then send the
    next part, or start feeding its articles to the fetch worker. Safe to run twice: a run whose
    ``token`` does not hold the job does nothing."""
    seconds = min(IMPORT_RUN_SECONDS, float(settings.DIGEST_TASK_SOFT_TIME_LIMIT) / 4)
    if importing.read_import(job_id, token=token, seconds=seconds):
        _send(import_library, (job_id, token), None)
    else:
        _send(feed_import, (job_id, token), None)


@shared_task(name="reader.tasks.feed_import", ignore_result=True)
def feed_import(job_id: int, token: str) -> None:
    """Send the next window of an import's articles to ``DIGEST_IMPORT_QUEUE`` and look again in a
    moment, until all are sent (``importing.feed``)."""
    ids, again = importing.feed(job_id, token=token)
    enqueue(ids, queue=import_queue())
    if again is not None:
        _send(feed_import, (job_id, token), again)


def import_queue() -> str:
    """The queue imported articles are fetched from: ``DIGEST_IMPORT_QUEUE`` (tests and the benchmark
    send to queues of their own, ``config.celery.sending_to``)."""
    return current_app.conf.get("digest_import_queue") or settings.DIGEST_IMPORT_QUEUE


def start_import(job_id: int, token: str, *, reading: bool = True) -> None:
    """After the current transaction commits, send the job's first message: its reading, or (once read
    in the foreground, ``reading`` False) its feed. A broker that is down leaves it to the sweep."""
    task = import_library if reading else feed_import
    transaction.on_commit(lambda: _send(task, (job_id, token), None))


@shared_task(name="summaries.tasks.summarize_variant", ignore_result=True)
def summarize_variant(summary_id: int) -> None:
    """Compute one pending ``Summary`` row (by id). Safe to run twice or for a missing row."""
    steps.compute_pending_summary(summary_id)


def _database_unavailable(step: str, article_id: int) -> steps.Next:
    log.warning("Database unavailable while processing article %s; trying again later", article_id, exc_info=True)
    if not connection.in_atomic_block:  # a broken connection is dropped; a caller's transaction is not
        close_old_connections()
    return steps.Next(step, DATABASE_RETRY_DELAY)


def _send_next(article_id: int, after: steps.Next | None, queue: str | None = None) -> None:
    """Send the message a step asked for: the CPU step, the fetch step again later (on ``queue``), or
    the image step."""
    if after is None:
        return
    countdown = after.delay or None
    if after.step == steps.IMAGE:
        _send(fetch_lead_image, (article_id,), None)
    elif after.step == steps.FETCH:
        enqueue([article_id], countdown=countdown, queue=queue)
    elif not _send(extract_article, (article_id,), countdown) and not after.delay:
        steps.hand_off_not_sent(article_id)


_limiters: dict[str, HostLimiter] = {}


def _limiter() -> HostLimiter:
    """The per-site limits from ``DIGEST_FETCH_PER_HOST``/``DIGEST_FETCH_HOST_INTERVAL``, kept in the
    broker's Redis (one client per broker URL, shared by the worker's threads)."""
    url = current_app.conf.broker_url
    limits = HostLimits(
        per_host=int(settings.DIGEST_FETCH_PER_HOST),
        interval=float(settings.DIGEST_FETCH_HOST_INTERVAL),
        slot_ttl=float(settings.DIGEST_FETCH_TOTAL_TIMEOUT) + SLOT_MARGIN,
    )
    limiter = _limiters.get(url)
    if limiter is None or limiter.limits != limits:
        limiter = _limiters[url] = HostLimiter(redis_client(url), limits)
    return limiter


def enqueue(
    article_ids: list[int], *, countdown: float | None = None, unsent: list[int] | None = None, queue: str | None = None
) -> None:
    """Send one ``process_article`` task per id, after the current transaction commits, on ``queue``
    (None: its route, ``DIGEST_FETCH_QUEUE``; imports use ``DIGEST_IMPORT_QUEUE``).

    A broker that is down must not hold up a request nor lose a save: the rows are already in the
    database, so one short attempt is made (a connection timeout of about a second, no retries),
    and after the first failure nothing more is tried; the periodic sweep sends what was not
    sent once the broker is back. The ids that could not be sent are appended to ``unsent``.
    """
    ids = list(article_ids)
    if ids:
        transaction.on_commit(lambda: _send_all(ids, countdown, unsent, queue))


def _send_all(ids: list[int], countdown: float | None, unsent: list[int] | None, queue: str | None = None) -> None:
    failed: list[int] = []
    for position, article_id in enumerate(ids):
        if not _send(process_article, (article_id,), countdown, queue):
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


def _send(task: Task, args: tuple, countdown: float | None, queue: str | None = None) -> bool:
    options: dict[str, Any] = {"queue": queue} if queue else {}  # else: the task's route
    # Not Celery's apply_async_on_commit: a broker error there would escape into the request that
    # committed (an HTTP 500 after the save succeeded). Here it is logged and the row waits.
    try:
        if countdown:
            # Stretched a little (never shortened: the article is not due before it) to spread messages
            # that would otherwise come back together, such as links to one busy site.
            stretch = random.uniform(0, min(countdown * 0.1, 1.0))
            task.apply_async(args, countdown=countdown + stretch, retry=False, **options)
        else:
            task.apply_async(args, retry=False, **options)
    except Exception:  # kombu raises many kinds of OperationalError; the row is safe either way
        log.exception("Could not enqueue %s%r; the sweep will send it", task.name, args)
        return False
    return True
