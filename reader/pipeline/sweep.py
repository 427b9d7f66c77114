"""The sweep: the periodic repair of what a lost message or a dead worker left pending.

Celery beat runs it (``reader.pipeline.tasks.sweep_articles``) every ``DIGEST_SWEEP_INTERVAL``
seconds; a lock row keeps two sweeps from running at once, and a sweep that died frees it when
its lock lapses.

A message is lost when the broker lost it (a Redis restart without persistence, ``FLUSHALL``) or
when the worker holding it died (``kill -9``, a lost host): Redis gives a dead worker's messages
back only after its visibility timeout, an hour. The rows say what each article waits for, and the
task tells the sweep what it sees in the broker (``BrokerView``); from both the sweep judges which
messages cannot arrive any more. A message sent twice does no harm (each step claims its article
with a conditional UPDATE), so when in doubt it errs towards sending.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from reader.models import Article, ImportJob, Lock
from reader.pipeline.leases import CPU_STATUSES, abandoned, fail_interrupted

log = logging.getLogger(__name__)

Status = Article.Status

SWEEP_LOCK = "sweep"


@dataclass(frozen=True)
class BrokerView:
    """What the sweep's task saw in the broker just before the sweep.

    ``lost``: the broker lost its messages since the last sweep (restarted empty or flushed: a
    marker the sweep keeps there was gone). ``fetch_queue_empty``, ``cpu_queue_empty``: no message
    waits in that queue, so a message not yet taken by a worker is not in the broker at all. The
    default knows nothing (the broker could not be asked): only the rows' own times count then.
    """

    lost: bool = False
    fetch_queue_empty: bool = False
    cpu_queue_empty: bool = False


@dataclass
class Resend:
    """The article ids a sweep marked for a message again: ``fetch`` for the fetch step,
    ``extract`` for the CPU step (their page is stored)."""

    fetch: list[int] = field(default_factory=list)
    extract: list[int] = field(default_factory=list)


def sweep_stuck_articles(broker: BrokerView | None = None) -> Resend:
    """The articles that need a message again, marked as sent (nothing when another sweep is
    running: two never run at once). A running article whose worker holds a live lease is never
    touched, however long it runs (the task time limit bounds it). Each rule says how long a
    message may be late; ``DIGEST_LEASE_SECONDS`` (L) and ``DIGEST_STUCK_AFTER`` (S):

    - A fetch whose worker died (lease lapsed) is queued again for a new fetch; a CPU step whose
      worker died goes back to the CPU queue (its page is stored) as a new attempt; either fails as
      interrupted when it has used all attempts.
    - A hand-off (page stored, waiting for the CPU step) gets its CPU message again when the CPU
      queue is empty and it was handed off over L ago (the message was lost with the broker or with
      the worker that took it), when the broker lost its messages, or after S in any case.
    - A queued, due article gets its message again when it was never sent (the broker was down);
      when its message was a delayed one (a retry, its site's turn) and is over L late; when it was
      sent over L ago and the fetch queue is empty; after S in any case (a long queue is normal, so a
      plain message may wait that long); and at once when the broker lost its messages. An import's
      article that its job has not sent yet is left to the job's feed.
    """
    if not _take_lock(SWEEP_LOCK, seconds=max(settings.DIGEST_SWEEP_INTERVAL, settings.DIGEST_LEASE_SECONDS)):
        log.info("Another sweep is running; this one does nothing")
        return Resend()
    try:
        return _sweep(broker or BrokerView())
    finally:
        Lock.objects.filter(name=SWEEP_LOCK).update(expires_at=timezone.now())


def _sweep(broker: BrokerView) -> Resend:
    now = timezone.now()
    grace = now - timedelta(seconds=settings.DIGEST_LEASE_SECONDS)
    overdue = now - timedelta(seconds=settings.DIGEST_STUCK_AFTER)
    hold = now + timedelta(seconds=settings.DIGEST_STUCK_AFTER)
    lapsed = abandoned(now)
    handed_off = Q(status=Status.EXTRACTING, next_attempt_at__isnull=False)
    exhausted = fail_interrupted(Article.objects.filter(lapsed & ~handed_off), now)
    # A dead worker's CPU step: back to the CPU queue as a hand-off, counting the attempt it cost.
    died_in_cpu = Q(status__in=CPU_STATUSES, next_attempt_at=None) & lapsed
    taken_over = list(Article.objects.filter(died_in_cpu).values_list("pk", flat=True))
    if taken_over:
        Article.objects.filter(died_in_cpu, pk__in=taken_over).update(
            status=Status.EXTRACTING,
            status_changed_at=now,
            attempts=F("attempts") + 1,
            next_attempt_at=now,
            lease_expires_at=hold,
        )
    # Hand-offs whose CPU message cannot come any more.
    if broker.lost:
        message_lost = Q()  # every one
    elif broker.cpu_queue_empty:
        message_lost = Q(lease_expires_at__lt=now) | Q(next_attempt_at__lt=grace)
    else:
        message_lost = Q(lease_expires_at__lt=now)
    resent = list(
        Article.objects.filter(handed_off & message_lost).exclude(pk__in=taken_over).values_list("pk", flat=True)
    )
    if resent:
        Article.objects.filter(handed_off, pk__in=resent).update(next_attempt_at=now, lease_expires_at=hold)
    # A dead worker's fetch: queued again.
    dead_fetches = list(Article.objects.filter(lapsed & ~handed_off).values_list("pk", flat=True))
    if dead_fetches:
        Article.objects.filter(lapsed & ~handed_off, pk__in=dead_fetches).update(
            status=Status.QUEUED, status_changed_at=now, next_attempt_at=None, lease_expires_at=None
        )
    queued = Article.objects.filter(status=Status.QUEUED)
    if broker.lost:
        # Every queued article's message went with the broker: each is sent when it is due.
        queued.update(enqueued_at=None)
    due = queued.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    # An import's articles that its feed has not sent yet wait their turn (reader.pipeline.importing).
    due = due.exclude(enqueued_at__isnull=True, import_job__state__in=ImportJob.ACTIVE_STATES)
    late = (
        Q(enqueued_at__isnull=True)
        | Q(next_attempt_at__lt=grace)  # a delayed message that did not come when it was due
        | Q(enqueued_at__lt=overdue, next_attempt_at=None)
    )
    if broker.fetch_queue_empty:
        late |= Q(enqueued_at__lt=grace, next_attempt_at=None)
    unsent = list(due.filter(late).values_list("pk", flat=True))
    fetch = sorted(set(dead_fetches) | set(unsent))
    # Marked as sent now, so the next sweep waits again (the send clears it if it fails).
    Article.objects.filter(pk__in=fetch).update(enqueued_at=now, next_attempt_at=None)
    extract = sorted(set(taken_over) | set(resent))
    if fetch or extract or exhausted:
        log.info(
            "Sweep: %d articles sent to the fetch step again, %d to the CPU step, %d failed after too many attempts%s",
            len(fetch),
            len(extract),
            exhausted,
            " (the broker had lost its messages)" if broker.lost else "",
        )
    return Resend(fetch=fetch, extract=extract)


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
