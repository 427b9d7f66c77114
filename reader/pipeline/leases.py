"""Claims and leases: which worker holds an article, and for how long.

A claim is a conditional UPDATE that only one caller can win; it gives the winner a lease
(``lease_expires_at``, ``DIGEST_LEASE_SECONDS``) that a heartbeat renews while the step runs. A lease
that lapsed means the worker died: the next message for the article (or the sweep) takes it over as
a new attempt, and an article that used every attempt fails as interrupted. The steps that do the
work are in ``reader.pipeline.steps``; the sweep in ``reader.pipeline.sweep``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from reader.models import Article

log = logging.getLogger(__name__)

Status = Article.Status

# A retry delay in seconds, or None when nothing needs sending.
Retry = float | None

# Errors of the database itself (a restart, a dropped connection): never the article's fault.
DATABASE_ERRORS = (OperationalError, InterfaceError)
INTERRUPTED = "Processing was interrupted too many times (the worker stopped while working on it)."
CPU_STATUSES = (Status.EXTRACTING, Status.SUMMARIZING)


def claimable(article_id: int):
    """The article, if a fetch claim could take it now (queued and due, or its worker died)."""
    now = timezone.now()
    return Article.objects.filter(pk=article_id).filter(_due(now) | abandoned(now))


def _due(now) -> Q:
    return Q(status=Status.QUEUED) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


def abandoned(now) -> Q:
    """Running articles whose worker died: their lease lapsed (or was never given)."""
    return Q(status__in=Article.RUNNING_STATUSES) & (Q(lease_expires_at__lt=now) | Q(lease_expires_at=None))


def claim_fetch(article_id: int) -> bool | Retry:
    """Take the article for this fetch worker: True only for the one caller that did.

    A queued, due article moves to ``fetching``; so does one whose worker died mid-way (its lease
    lapsed, or a hand-off whose CPU message never came), as a new attempt, unless it has used all
    attempts (then it fails as interrupted). When a live worker holds the article, the seconds
    until its lease lapses are returned; otherwise (and for a hand-off, which the CPU message
    takes) None.
    """
    now = timezone.now()
    lease = timedelta(seconds=settings.DIGEST_LEASE_SECONDS)
    claimed = (
        Article.objects.filter(pk=article_id)
        .filter(_due(now) | (abandoned(now) & Q(attempts__lt=settings.DIGEST_MAX_ATTEMPTS)))
        .update(
            status=Status.FETCHING,
            attempts=F("attempts") + 1,
            status_changed_at=now,
            next_attempt_at=None,
            lease_expires_at=now + lease,
        )
    )
    if claimed:
        return True
    return _not_claimed(article_id, now)


def claim_handed_off(article_id: int) -> bool | Retry:
    """Take the article for this CPU worker: True only for the one caller that did.

    A handed-off article (its page stored, waiting for this step) is taken as it is; one whose CPU
    worker died (lease lapsed) is taken over as a new attempt, or fails as interrupted when it used
    all attempts. When a live worker holds it, the seconds until its lease lapses are returned;
    otherwise (queued, being fetched, finished, gone) None.
    """
    now = timezone.now()
    lease = now + timedelta(seconds=settings.DIGEST_LEASE_SECONDS)
    if Article.objects.filter(pk=article_id, status=Status.EXTRACTING, next_attempt_at__isnull=False).update(
        next_attempt_at=None, lease_expires_at=lease, status_changed_at=now
    ):
        return True
    died = Q(status__in=CPU_STATUSES, next_attempt_at=None) & (Q(lease_expires_at__lt=now) | Q(lease_expires_at=None))
    if (
        Article.objects.filter(pk=article_id)
        .filter(died, attempts__lt=settings.DIGEST_MAX_ATTEMPTS)
        .update(status=Status.EXTRACTING, attempts=F("attempts") + 1, lease_expires_at=lease, status_changed_at=now)
    ):
        log.info("Article %s taken over from a CPU worker that stopped", article_id)
        return True
    return _not_claimed(article_id, now, lost=Q(pk=article_id) & died)


def _not_claimed(article_id: int, now, lost: Q | None = None) -> Retry:
    """After a claim took nothing: fail an abandoned article that used all attempts (None), or
    return the seconds until a live worker's lease lapses (plus one), or None."""
    died = Article.objects.filter(pk=article_id).filter(lost if lost is not None else abandoned(now))
    if fail_interrupted(died, now):
        log.info("Article %s failed: interrupted too many times", article_id)
        return None
    held = Article.objects.filter(
        pk=article_id, status__in=Article.RUNNING_STATUSES, next_attempt_at=None, lease_expires_at__isnull=False
    ).values_list("lease_expires_at", flat=True)
    for expires in held:
        return max((expires - now).total_seconds(), 0.0) + 1.0
    return None


def fail_interrupted(articles: QuerySet, now) -> int:
    """End the articles among ``articles`` that used all ``DIGEST_MAX_ATTEMPTS`` as failed, interrupted
    (a reason a person can read); returns how many."""
    return articles.filter(attempts__gte=settings.DIGEST_MAX_ATTEMPTS).update(
        status=Status.FAILED,
        status_changed_at=now,
        lease_expires_at=None,
        next_attempt_at=None,
        error_code="interrupted",
        error=INTERRUPTED,
    )


@contextmanager
def heartbeat(article_id: int) -> Iterator[None]:
    """Renew the article's lease every third of ``DIGEST_LEASE_SECONDS`` while the body runs.

    A thread of its own (with its own database connection, closed at the end), so a long
    extraction or summary keeps the lease without checking in from every step. Only a lease a
    worker holds is renewed, never a hand-off's.
    """
    seconds = float(settings.DIGEST_LEASE_SECONDS)
    stop = threading.Event()

    def renew() -> None:
        try:
            while not stop.wait(seconds / 3):
                try:
                    Article.objects.filter(
                        pk=article_id, status__in=Article.RUNNING_STATUSES, next_attempt_at=None
                    ).update(lease_expires_at=timezone.now() + timedelta(seconds=seconds))
                except DATABASE_ERRORS:
                    # A database restart: the next beat reconnects. Giving up would let the lease lapse
                    # under a live worker, and the sweep would hand its article to a second one.
                    log.warning("Could not renew the lease of article %s; trying again", article_id, exc_info=True)
                    connections.close_all()
        finally:
            connections.close_all()

    beat = threading.Thread(target=renew, name=f"lease-{article_id}", daemon=True)
    beat.start()
    try:
        yield
    finally:
        stop.set()
        beat.join(timeout=seconds)
