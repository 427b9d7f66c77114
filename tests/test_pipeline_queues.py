"""The two steps on two queues: the fetch step stores the page and hands the article off, the CPU
step takes it; the lease covers the whole article, so a redelivered CPU message takes over after a
dead worker as a fetch message does. In-process, with a real HTTP server on 127.0.0.1; the
worker-process version (the default setup: a thread-pool fetch worker beside a prefork CPU worker)
is in tests/test_pipeline_queues_e2e.py.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from config.celery import app
from reader.models import Article, FetchedPage
from reader.pipeline import leases, saving, steps, sweep, tasks
from reader.pipeline.politeness import Grant, redis_client
from tests.sample_pages import FERRY

pytestmark = pytest.mark.django_db

Status = Article.Status


@pytest.fixture
def user():
    return get_user_model().objects.create_user("quinn")


@pytest.fixture
def ferry(user, http_server):
    url = http_server.add(FERRY.path, FERRY.read_bytes(), headers={"Content-Type": "text/html"})
    return saving.save_urls(user=user, text=url).created[0]


def _handed_off(article: Article) -> Article:
    assert steps.fetch_article(article.pk) == steps.Next(steps.EXTRACT)
    article.refresh_from_db()
    return article


def test_the_fetch_step_stores_the_page_and_hands_off(ferry):
    article = _handed_off(ferry)
    assert article.status == Status.EXTRACTING and article.attempts == 1
    assert FetchedPage.objects.filter(article=article).exists() and article.text == ""
    # Due for the CPU step and held by no worker, for as long as a message may wait in the queue.
    assert article.next_attempt_at is not None and article.lease_expires_at is not None
    wait = (article.lease_expires_at - timezone.now()).total_seconds()
    assert django_settings.DIGEST_STUCK_AFTER - 5 < wait <= django_settings.DIGEST_STUCK_AFTER
    assert steps.extract_article(article.pk) is None
    article.refresh_from_db()
    assert article.status == Status.READY and article.title == FERRY.title
    assert (article.attempts, article.next_attempt_at, article.lease_expires_at) == (1, None, None)


def test_a_fetch_message_for_a_handed_off_article_does_nothing(ferry, http_server):
    article = _handed_off(ferry)
    fetched = len(http_server.requests)
    assert steps.fetch_article(article.pk) is None  # a duplicate: the CPU message owns it now
    assert len(http_server.requests) == fetched
    assert Article.objects.get(pk=article.pk).status == Status.EXTRACTING


def test_a_second_cpu_message_waits_for_the_live_workers_lease(user):
    article = Article.objects.create(
        owner=user,
        url="https://x.example.com/1",
        canonical_url="https://x.example.com/1",
        status=Status.SUMMARIZING,
        attempts=1,
        lease_expires_at=timezone.now() + timedelta(seconds=12),
    )
    after = steps.extract_article(article.pk)
    assert after is not None and after.step == steps.EXTRACT and 12 <= after.delay <= 14
    assert Article.objects.get(pk=article.pk).attempts == 1


def test_a_redelivered_cpu_message_takes_over_from_a_dead_worker(ferry):
    # A CPU worker was killed mid-extraction: the article is its (no hand-off mark), the lease lapsed.
    article = _handed_off(ferry)
    Article.objects.filter(pk=article.pk).update(
        status=Status.SUMMARIZING, next_attempt_at=None, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert steps.extract_article(article.pk) is None
    article.refresh_from_db()
    assert article.status == Status.READY and article.attempts == 2  # a new attempt, from the stored page


def test_a_cpu_step_abandoned_on_its_last_attempt_fails_readably(ferry, settings):
    settings.DIGEST_MAX_ATTEMPTS = 1
    article = _handed_off(ferry)
    Article.objects.filter(pk=article.pk).update(next_attempt_at=None, lease_expires_at=timezone.now())
    assert steps.extract_article(article.pk) is None
    article.refresh_from_db()
    assert article.status == Status.FAILED and article.error == leases.INTERRUPTED


def test_a_cpu_message_for_an_article_not_handed_off_does_nothing(ferry):
    assert steps.extract_article(ferry.pk) is None  # still queued: the fetch message owns it
    assert steps.extract_article(987654) is None  # gone
    assert Article.objects.get(pk=ferry.pk).status == Status.QUEUED


@pytest.mark.django_db(transaction=True)  # the heartbeat thread has a connection of its own
def test_the_heartbeat_never_renews_a_hand_off(ferry, settings):
    article = _handed_off(ferry)
    settings.DIGEST_LEASE_SECONDS = 0.3
    with leases.heartbeat(article.pk):
        time.sleep(0.5)
    assert Article.objects.get(pk=article.pk).lease_expires_at == article.lease_expires_at


def test_the_cpu_step_past_the_soft_time_limit_fails(ferry, monkeypatch):
    article = _handed_off(ferry)

    def too_slow(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(steps, "extract", too_slow)
    assert steps.extract_article(article.pk) is None
    article.refresh_from_db()
    assert article.status == Status.FAILED and article.error_code == "too_long"


def test_a_hand_off_whose_message_never_came_is_sent_to_the_cpu_step_again(ferry, settings):
    settings.DIGEST_STUCK_AFTER = 60
    article = _handed_off(ferry)
    assert sweep.sweep_stuck_articles() == sweep.Resend()  # its message is waiting in the CPU queue
    steps.hand_off_not_sent(article.pk)  # the broker was down when the fetch worker sent it
    assert sweep.sweep_stuck_articles() == sweep.Resend(extract=[article.pk])
    article.refresh_from_db()  # its page is stored: no second fetch, no attempt used
    assert (article.status, article.attempts) == (Status.EXTRACTING, 1)
    assert steps.extract_article(article.pk) is None
    assert Article.objects.get(pk=article.pk).status == Status.READY


def test_a_hand_off_is_sent_again_once_the_cpu_queue_is_empty(ferry, settings):
    # The fetch worker died between storing the page and sending the CPU message, or the CPU worker
    # that took the message died before claiming it: nothing in the broker will bring it.
    settings.DIGEST_STUCK_AFTER = 600
    article = _handed_off(ferry)
    a_while_ago = timezone.now() - timedelta(seconds=settings.DIGEST_LEASE_SECONDS + 1)
    busy = sweep.BrokerView(cpu_queue_empty=False)
    assert sweep.sweep_stuck_articles(busy) == sweep.Resend()  # just handed off
    Article.objects.filter(pk=article.pk).update(next_attempt_at=a_while_ago)
    assert sweep.sweep_stuck_articles(busy) == sweep.Resend()  # it may be behind others in the queue
    assert sweep.sweep_stuck_articles(sweep.BrokerView(cpu_queue_empty=True)) == sweep.Resend(extract=[article.pk])
    assert sweep.sweep_stuck_articles(sweep.BrokerView(cpu_queue_empty=True)) == sweep.Resend()  # once a lease


def test_a_cpu_step_whose_worker_died_goes_back_to_the_cpu_queue(ferry):
    article = _handed_off(ferry)
    assert leases.claim_handed_off(article.pk) is True  # a CPU worker took it ...
    Article.objects.filter(pk=article.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))  # ... died
    assert sweep.sweep_stuck_articles() == sweep.Resend(extract=[article.pk])
    article.refresh_from_db()
    assert (article.status, article.attempts) == (Status.EXTRACTING, 2)  # the attempt it cost counts
    assert steps.extract_article(article.pk) is None
    assert Article.objects.get(pk=article.pk).status == Status.READY


def test_after_the_broker_lost_its_messages_every_pending_article_is_sent_again(user, ferry, settings):
    handed_off = _handed_off(ferry)
    queued = saving.save_urls(user=user, text="https://example.org/queued").created[0]
    later = saving.save_urls(user=user, text="https://example.org/later").created[0]
    Article.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now() + timedelta(seconds=90))
    assert sweep.sweep_stuck_articles() == sweep.Resend()  # their messages are in the broker
    resend = sweep.sweep_stuck_articles(sweep.BrokerView(lost=True))
    assert resend == sweep.Resend(fetch=[queued.pk], extract=[handed_off.pk])
    # The one not due yet is sent when it is due.
    assert Article.objects.get(pk=later.pk).enqueued_at is None
    Article.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now())
    assert sweep.sweep_stuck_articles() == sweep.Resend(fetch=[later.pk])


def test_a_plain_message_is_sent_again_only_when_the_fetch_queue_is_empty(user, settings):
    settings.DIGEST_STUCK_AFTER = 600
    article = saving.save_urls(user=user, text="https://example.org/a").created[0]
    Article.objects.filter(pk=article.pk).update(
        enqueued_at=timezone.now() - timedelta(seconds=settings.DIGEST_LEASE_SECONDS + 1)
    )
    assert sweep.sweep_stuck_articles(sweep.BrokerView(fetch_queue_empty=False)) == sweep.Resend()  # a long queue
    assert sweep.sweep_stuck_articles(sweep.BrokerView(fetch_queue_empty=True)) == sweep.Resend(fetch=[article.pk])


def test_in_a_worker_the_fetch_task_sends_the_cpu_task(ferry, monkeypatch):
    sent = []

    def send(task, args, countdown, queue=None):
        sent.append((task.name, args, countdown))
        return True

    monkeypatch.setattr(tasks, "_send", send)
    monkeypatch.setattr(tasks, "_limiter", lambda: None)  # the per-site limits: tests/test_politeness.py
    tasks.process_article.apply((ferry.pk,))  # as a worker runs it (not a direct call)
    assert Article.objects.get(pk=ferry.pk).status == Status.EXTRACTING
    assert sent == [("reader.tasks.extract_article", (ferry.pk,), None)]
    tasks.extract_article.apply((ferry.pk,))
    assert Article.objects.get(pk=ferry.pk).status == Status.READY


def test_a_site_that_asks_for_patience_defers_the_fetch_without_claiming(
    ferry, monkeypatch, django_capture_on_commit_callbacks
):
    class Busy:
        def acquire(self, host, ticket):
            assert (host, ticket) == ("127.0.0.1", str(ferry.pk))
            return Grant(2.5)

    sent = []

    def send(task, args, countdown, queue=None):
        sent.append((task.name, countdown))
        return True

    monkeypatch.setattr(tasks, "_send", send)
    monkeypatch.setattr(tasks, "_limiter", Busy)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.process_article.apply((ferry.pk,))
    article = Article.objects.get(pk=ferry.pk)
    assert (article.status, article.attempts) == (Status.QUEUED, 0)  # not claimed, no attempt used
    assert sent == [("reader.tasks.process_article", 2.5)]


def test_a_link_waiting_for_its_sites_turn_is_not_taken_for_a_lost_message(ferry, settings, monkeypatch):
    # A busy site keeps a link waiting longer than DIGEST_STUCK_AFTER: its countdown message is in the
    # broker, so the sweep must not send it again (another worker would fetch it at once, out of turn).
    class Busy:
        def acquire(self, host, ticket):
            return Grant(30.0)

    settings.DIGEST_STUCK_AFTER = 5
    monkeypatch.setattr(tasks, "_send", lambda task, args, countdown, queue=None: True)
    monkeypatch.setattr(tasks, "_limiter", Busy)
    tasks.process_article.apply((ferry.pk,))
    article = Article.objects.get(pk=ferry.pk)
    assert article.status == Status.QUEUED and article.next_attempt_at is not None
    assert 25 < (article.next_attempt_at - timezone.now()).total_seconds() <= 30
    Article.objects.filter(pk=ferry.pk).update(enqueued_at=timezone.now() - timedelta(seconds=10))
    assert sweep.sweep_stuck_articles() == sweep.Resend()
    # Its turn came, and a lease's time later still no fetch: then it is a lost message (the worker
    # holding the delayed message died).
    lease = settings.DIGEST_LEASE_SECONDS
    Article.objects.filter(pk=ferry.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=lease - 5))
    assert sweep.sweep_stuck_articles() == sweep.Resend()
    Article.objects.filter(pk=ferry.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=lease + 1))
    assert sweep.sweep_stuck_articles() == sweep.Resend(fetch=[ferry.pk])


def test_a_sweep_between_a_paste_and_its_send_leaves_the_links_alone(user, settings):
    # The rows are committed a moment before their messages go out; a sweep in that moment must not
    # send them a second time.
    settings.DIGEST_STUCK_AFTER = 5
    created = saving.save_urls(user=user, text="https://example.org/a https://example.org/b").created
    assert len(created) == 2
    assert sweep.sweep_stuck_articles() == sweep.Resend()


def test_the_routes_send_fetching_and_cpu_work_to_their_queues():
    def queue(name: str) -> str:
        return app.amqp.router.route({}, name)["queue"].name

    assert queue("reader.tasks.process_article") == django_settings.DIGEST_FETCH_QUEUE
    for name in ("reader.tasks.extract_article", "summaries.tasks.summarize_variant", "reader.tasks.sweep_articles"):
        assert queue(name) == app.conf.task_default_queue


WORKER_MODULES = """
import sys, types
import django
django.setup()
from config.celery import _prepare, app
app.loader.import_default_modules()  # what a worker imports: the tasks and everything they import
queues = types.SimpleNamespace(consume_from=dict.fromkeys(sys.argv[1].split(",")))
_prepare(sender=types.SimpleNamespace(app=types.SimpleNamespace(amqp=types.SimpleNamespace(queues=queues))))
heavy = ("trafilatura", "newspaper", "readability", "sumy", "numpy", "pycld2", "jieba")
print(" ".join(m for m in heavy if m in sys.modules))
"""


@pytest.mark.parametrize(
    "queue, loaded",
    [
        # The fetch worker: none of the extractors' or the summarizer's libraries, ever.
        ("DIGEST_FETCH_QUEUE", ""),
        # The CPU worker's main process, before its pool forks: what every article needs, loaded once;
        # jieba's dictionary only in the self-check's own process.
        ("DIGEST_QUEUE", "trafilatura newspaper readability sumy numpy pycld2"),
    ],
)
def test_what_each_worker_loads_before_its_first_task(queue, loaded):
    done = subprocess.run(
        [sys.executable, "-c", WORKER_MODULES, getattr(django_settings, queue)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == loaded


def test_the_sweep_sees_what_the_broker_holds(broker, settings):
    # The broker fixture points the app at the session's Redis (REDIS_URL, else a private one).
    client = redis_client(broker["url"])
    settings.DIGEST_QUEUE, settings.DIGEST_FETCH_QUEUE = f"{broker['queue']}-cpu", f"{broker['queue']}-fetch"
    client.delete(tasks.BROKER_MARKER)  # as after FLUSHALL or a restart without persistence
    assert tasks._broker_view() == sweep.BrokerView(lost=True, fetch_queue_empty=True, cpu_queue_empty=True)
    client.rpush(settings.DIGEST_FETCH_QUEUE, b"a message")
    try:
        assert tasks._broker_view() == sweep.BrokerView(lost=False, fetch_queue_empty=False, cpu_queue_empty=True)
    finally:
        client.delete(settings.DIGEST_FETCH_QUEUE)
    app.conf.update(broker_url="redis://127.0.0.1:1/0")  # nothing listens there: the view knows nothing
    try:
        assert tasks._broker_view() == sweep.BrokerView()
    finally:
        app.conf.update(broker_url=broker["url"])
