"""The sweep: the periodic repair of what a lost message or a dead worker left pending.

Celery beat runs it (``reader.pipeline.tasks.sweep_articles``) every ``DIGEST_SWEEP_INTERVAL``
seconds; a lock row keeps two sweeps from running at once, and a sweep that died frees it when
its lock lapses.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from reader.models import Article, ImportJob, Lock
from reader.pipeline.steps import INTERRUPTED

log = logging.getLogger(__name__)

Status = Article.Status

SWEEP_LOCK = "sweep"


def sweep_stuck_articles() -> list[int]:
    """The articles that need a message again, marked as sent; returns their ids ([] when another
    sweep is running: two never run at once).

    - A running article whose lease lapsed (its worker died, or its CPU message never came after the
      hand-off) is queued again, or fails as interrupted when it has used all attempts. A running
      article with a live lease is never touched, however long it runs: its worker is alive (the
      task time limit bounds it).
    - A queued, due article whose message could not be sent (the broker was down) or was sent over
      ``DIGEST_STUCK_AFTER`` seconds ago and never arrived (a lost message) is sent again; an import's
      article that its job has not sent yet is left to the job's feed.
    """
    if not _take_lock(SWEEP_LOCK, seconds=max(settings.DIGEST_SWEEP_INTERVAL, settings.DIGEST_LEASE_SECONDS)):
        log.info("Another sweep is running; this one does nothing")
        return []
    try:
        return _sweep()
    finally:
        Lock.objects.filter(name=SWEEP_LOCK).update(expires_at=timezone.now())


def _sweep() -> list[int]:
    now = timezone.now()
    lapsed = Q(status__in=Article.RUNNING_STATUSES) & (Q(lease_expires_at__lt=now) | Q(lease_expires_at=None))
    exhausted = (
        Article.objects.filter(lapsed)
        .filter(attempts__gte=settings.DIGEST_MAX_ATTEMPTS)
        .update(
            status=Status.FAILED,
            status_changed_at=now,
            lease_expires_at=None,
            error_code="interrupted",
            error=INTERRUPTED,
        )
    )
    abandoned = list(Article.objects.filter(lapsed).values_list("pk", flat=True))
    if abandoned:
        Article.objects.filter(lapsed, pk__in=abandoned).update(
            status=Status.QUEUED, status_changed_at=now, next_attempt_at=None, lease_expires_at=None
        )
    overdue = now - timedelta(seconds=settings.DIGEST_STUCK_AFTER)
    unsent = list(
        Article.objects.filter(status=Status.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        # An import's articles that its feed has not sent yet wait their turn (reader.pipeline.importing).
        .exclude(enqueued_at__isnull=True, import_job__state__in=ImportJob.ACTIVE_STATES)
        # Sent but never arrived: it was due (sent, or its retry time came) long ago.
        .filter(
            Q(enqueued_at__isnull=True)
            | Q(enqueued_at__lt=overdue, next_attempt_at=None)
            | Q(enqueued_at__lt=overdue, next_attempt_at__lt=overdue)
        )
        .values_list("pk", flat=True)
    )
    ids = sorted(set(abandoned) | set(unsent))
    # Marked as sent now, so the next sweep waits a full period (the send clears it if it fails).
    Article.objects.filter(pk__in=ids).update(enqueued_at=now)
    if ids:
        log.info("Sweep requeued %d articles (%d failed after too many attempts)", len(ids), exhausted)
    return ids


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
