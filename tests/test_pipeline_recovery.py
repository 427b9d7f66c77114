"""Nothing wedges, nothing is lost: leases on running articles, take-over after a dead worker, one
sweep at a time, time limits, database errors, and a broker that is down while links are pasted.

In-process with a real HTTP server on 127.0.0.1; the worker-process versions (kill -9 of a real
worker) are in tests/test_pipeline_e2e.py.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import pytest
from billiard.exceptions import TimeLimitExceeded
from celery.exceptions import SoftTimeLimitExceeded
from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.test import Client
from django.utils import timezone
from kombu.utils import functional as kombu_functional

from config.celery import app
from reader.models import Article, ArticleQuerySet, Lock
from reader.pipeline import leases, saving, steps, sweep, tasks
from reader.views import lists
from tests.sample_pages import FERRY

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return get_user_model().objects.create_user("rae")


def _article(user, n=1, **fields) -> Article:
    url = f"https://x.example.com/{n}"
    values = {"url": url, "canonical_url": url, "status": Article.Status.QUEUED, "status_changed_at": timezone.now()}
    return Article.objects.create(owner=user, **{**values, **fields})


def test_the_sweep_leaves_an_article_whose_worker_is_alive(user, settings):
    # Before leases the sweep judged by elapsed time and sent a long-running article to a second worker.
    settings.DIGEST_STUCK_AFTER = 60
    hour_ago = timezone.now() - timedelta(hours=1)
    alive = _article(
        user,
        status=Article.Status.EXTRACTING,
        attempts=1,
        status_changed_at=hour_ago,
        lease_expires_at=timezone.now() + timedelta(seconds=20),
    )
    assert sweep.sweep_stuck_articles(sweep.BrokerView(cpu_queue_empty=True)) == sweep.Resend()
    alive.refresh_from_db()
    assert alive.status == Article.Status.EXTRACTING and alive.attempts == 1


def test_a_redelivered_message_takes_over_from_a_dead_worker(user, http_server):
    # A worker killed mid-fetch left the article "fetching"; its lease lapsed. The redelivered message
    # (acks_late) resumes it at once instead of waiting for the sweep.
    url = http_server.add(FERRY.path, FERRY.read_bytes(), headers={"Content-Type": "text/html"})
    article = _article(
        user,
        url=url,
        canonical_url=url,
        status=Article.Status.FETCHING,
        attempts=1,
        lease_expires_at=timezone.now() - timedelta(seconds=1),
    )
    tasks.process_article(article.pk)
    article.refresh_from_db()
    assert article.status == Article.Status.READY and article.title == FERRY.title
    assert article.attempts == 2 and article.lease_expires_at is None


def test_a_message_for_an_article_held_by_a_live_worker_waits_for_its_lease(user, settings):
    held_until = timezone.now() + timedelta(seconds=12)
    article = _article(user, status=Article.Status.SUMMARIZING, attempts=1, lease_expires_at=held_until)
    delay = steps.process_article(article.pk)
    assert delay is not None and 12 <= delay <= 14  # looks again just after the lease would lapse
    article.refresh_from_db()
    assert article.status == Article.Status.SUMMARIZING and article.attempts == 1


def test_an_abandoned_article_that_used_every_attempt_fails_readably(user, settings):
    settings.DIGEST_MAX_ATTEMPTS = 2
    article = _article(
        user, status=Article.Status.FETCHING, attempts=2, lease_expires_at=timezone.now() - timedelta(seconds=5)
    )
    assert steps.process_article(article.pk) is None
    article.refresh_from_db()
    assert article.status == Article.Status.FAILED and "interrupted" in article.error


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_renews_the_lease_while_a_step_runs(user, settings):
    settings.DIGEST_LEASE_SECONDS = 0.6
    first = timezone.now() + timedelta(seconds=0.6)
    article = _article(user, status=Article.Status.EXTRACTING, attempts=1, lease_expires_at=first)
    with leases.heartbeat(article.pk):
        time.sleep(0.9)  # a step longer than the lease itself
        article.refresh_from_db()
        assert article.lease_expires_at is not None and article.lease_expires_at > first
    for thread in threading.enumerate():  # a renewal under way when the step ended may still land
        if thread.name == f"lease-{article.pk}":
            thread.join()
    article.refresh_from_db()
    renewed = article.lease_expires_at
    time.sleep(0.4)
    article.refresh_from_db()
    assert article.lease_expires_at == renewed  # stops with the step


def test_two_sweeps_never_run_at_once(user, settings):
    settings.DIGEST_STUCK_AFTER = 60
    lost = _article(user, status_changed_at=timezone.now() - timedelta(hours=1), enqueued_at=None)
    Lock.objects.create(name=sweep.SWEEP_LOCK, expires_at=timezone.now() + timedelta(seconds=30))
    assert sweep.sweep_stuck_articles() == sweep.Resend()  # another sweep holds the lock
    Lock.objects.filter(name=sweep.SWEEP_LOCK).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert sweep.sweep_stuck_articles() == sweep.Resend(fetch=[lost.pk])  # a holder that died frees it by its lease
    assert Lock.objects.get(name=sweep.SWEEP_LOCK).expires_at <= timezone.now()  # released when done


def test_an_article_past_the_soft_time_limit_fails_and_is_not_retried(user, http_server, monkeypatch):
    # Celery raises SoftTimeLimitExceeded inside the task when the limit passes; here it is raised from
    # the extractor, where a hostile page would spend its time.
    url = http_server.add(FERRY.path, FERRY.read_bytes(), headers={"Content-Type": "text/html"})
    article = saving.save_urls(user=user, text=url).created[0]

    def too_slow(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(steps, "extract", too_slow)
    assert steps.process_article(article.pk) is None
    article.refresh_from_db()
    assert article.status == Article.Status.FAILED and article.error_code == "too_long"
    assert article.error.startswith("This page took too long to process")


def test_an_article_killed_at_the_hard_time_limit_fails_readably(user):
    article = _article(
        user, status=Article.Status.EXTRACTING, attempts=1, lease_expires_at=timezone.now() + timedelta(seconds=30)
    )
    # What the worker's main process calls after killing the child at CELERY_TASK_TIME_LIMIT.
    tasks.process_article.on_failure(TimeLimitExceeded(150), "task-id", (article.pk,), {}, None)
    article.refresh_from_db()
    assert article.status == Article.Status.FAILED and article.error_code == "too_long"


def test_a_database_error_is_never_the_articles_fault(user, http_server, monkeypatch, caplog):
    url = http_server.add(FERRY.path, FERRY.read_bytes(), headers={"Content-Type": "text/html"})
    article = saving.save_urls(user=user, text=url).created[0]

    def database_restarting(*args, **kwargs):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(steps, "summarize_article", database_restarting)
    sent = []
    monkeypatch.setattr(
        tasks, "enqueue", lambda ids, countdown=None, unsent=None, queue=None: sent.append((ids, countdown))
    )
    tasks.process_article(article.pk)
    article.refresh_from_db()
    assert article.status != Article.Status.FAILED and article.error == ""  # left to its lease
    assert sent == [([article.pk], tasks.DATABASE_RETRY_DELAY)]  # and tried again later


@pytest.mark.django_db(transaction=True)  # the message is sent when the save commits, for real
def test_a_paste_while_the_broker_is_down_is_saved_and_said(client, user, monkeypatch, caplog):
    # One short attempt, then the sweep: 20 links must not cost 20 broker timeouts.
    client.force_login(user)
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")  # nothing listens there
    monkeypatch.setattr(app, "_pool", None)  # connections made for an earlier broker URL
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    links = "\n".join(f"https://news.example.com/story-{n}" for n in range(20))
    naps: list[float] = []
    monkeypatch.setattr(kombu_functional, "sleep", naps.append)  # kombu's naps between connection attempts
    with caplog.at_level(logging.ERROR, logger="reader.pipeline.tasks"):
        response = client.post("/articles/", {"urls": links}, follow=True)
    assert naps == []  # one attempt, no retries (kombu used to nap 8 times, 6 s, before giving up)
    page = response.content.decode()
    assert Article.objects.filter(owner=user).count() == 20
    assert "your links are saved and will be processed when it is back" in page
    assert len([r for r in caplog.records if "Could not enqueue" in r.getMessage()]) == 1
    # That the next sweep sends unsent articles is test_two_sweeps_never_run_at_once's (here an
    # end-to-end test's worker may be sweeping the same database).


def test_an_article_out_of_time_while_summarizing_says_it_is_too_long_to_summarize(user):
    article = _article(
        user, status=Article.Status.SUMMARIZING, attempts=1, lease_expires_at=timezone.now() + timedelta(seconds=30)
    )
    steps.fail_timed_out(article.pk)
    article.refresh_from_db()
    assert article.status == Article.Status.FAILED and article.error.startswith("This page is too long to summarize")


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_keeps_renewing_through_a_database_error(user, settings, monkeypatch):
    # A PostgreSQL restart while a long step runs: the lease must outlive it, or the sweep would hand
    # the article of a live worker to a second one.
    settings.DIGEST_LEASE_SECONDS = 0.6
    first = timezone.now() + timedelta(seconds=0.6)
    article = _article(user, status=Article.Status.EXTRACTING, attempts=1, lease_expires_at=first)
    real_update = ArticleQuerySet.update
    failures = iter([True])

    def update(self, **fields):
        if "lease_expires_at" in fields and next(failures, False):
            raise OperationalError("terminating connection due to administrator command")
        return real_update(self, **fields)

    monkeypatch.setattr(ArticleQuerySet, "update", update)
    with leases.heartbeat(article.pk):
        time.sleep(0.9)  # the first beat fails, the second renews
        article.refresh_from_db()
    assert article.lease_expires_at is not None and article.lease_expires_at > first


def test_a_database_that_cannot_be_reached_is_a_readable_503_not_a_500(user, client, settings, monkeypatch):
    settings.DEBUG = False
    browser = Client(raise_request_exception=False)
    browser.force_login(user)

    def restarting(*args, **kwargs):
        raise OperationalError("the database system is shutting down")

    monkeypatch.setattr(lists, "list_context", restarting)
    response = browser.get("/")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "cannot reach its database right now" in response.content.decode()

    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(lists, "list_context", broken)
    response = browser.get("/")
    assert response.status_code == 500 and "Something went wrong on Digest" in response.content.decode()
    assert "ValueError" not in response.content.decode()
