"""The pipeline service in-process: claiming, retries with backoff, the sweep, saving."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from reader.models import Article, FetchedPage
from reader.pipeline import saving, tasks
from summaries.models import Summary
from tests.sample_pages import FERRY

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return get_user_model().objects.create_user("sam", password="pw-sam-12345")


@pytest.fixture
def seed():
    """A news page of the repository's own (a few hundred words, a title, a date)."""
    return FERRY.read_bytes()


def test_save_splits_dedupes_and_reports_bad_links(user):
    result = saving.save_urls(
        user=user,
        text="https://a.example.com/x?utm_source=mail\nhttps://A.EXAMPLE.com:443/x/ mailto:me@example.com, https://b.example.com/y",
    )
    assert [a.url for a in result.created] == ["https://a.example.com/x?utm_source=mail", "https://b.example.com/y"]
    assert result.created[0].canonical_url == "https://a.example.com/x"
    assert result.created[0].site == "a.example.com"
    assert [bad for bad, _ in result.errors] == ["mailto:me@example.com"]
    again = saving.save_urls(user=user, text="https://a.example.com/x")
    assert again.created == [] and [a.pk for a in again.existing] == [result.created[0].pk]
    # another person saving the same link gets their own article
    other = get_user_model().objects.create_user("kim")
    assert len(saving.save_urls(user=other, text="https://a.example.com/x").created) == 1


def test_deleted_article_link_can_be_saved_again(user):
    first = saving.save_urls(user=user, text="https://a.example.com/x").created[0]
    Article.objects.filter(pk=first.pk).update(deleted_at=timezone.now())
    again = saving.save_urls(user=user, text="https://a.example.com/x")
    assert len(again.created) == 1 and again.created[0].pk != first.pk


def test_process_article_end_to_end_in_process(user, http_server, seed):
    url = http_server.add("/story", seed, headers={"Content-Type": "text/html; charset=utf-8"})
    article = saving.save_urls(user=user, text=url).created[0]
    tasks.process_article(article.pk)
    article.refresh_from_db()
    assert article.status == Article.Status.READY and article.ready_at and article.fetched_at
    assert article.attempts == 1 and article.word_count > 100
    page = FetchedPage.objects.get(article=article)
    assert page.body == seed and page.content_type == "text/html" and page.charset == "utf-8"
    summary = Summary.objects.get(article=article)
    assert len(summary.sentences) == 3
    # a duplicated message does nothing to a finished article
    tasks.process_article(article.pk)
    assert Article.objects.get(pk=article.pk).attempts == 1
    tasks.process_article(987654)  # a missing article is no error


def test_temporary_failure_is_retried_with_backoff_then_fails(user, http_server, settings):
    settings.DIGEST_MAX_ATTEMPTS = 2
    settings.DIGEST_RETRY_BACKOFF = 30
    url = http_server.add("/busy", b"busy", status=503, headers={"Content-Type": "text/html"})
    article = saving.save_urls(user=user, text=url).created[0]
    tasks.process_article(article.pk)
    article.refresh_from_db()
    assert article.status == Article.Status.QUEUED and article.error_code == "http_503"
    assert "Trying again in 30 seconds." in article.error
    assert article.next_attempt_at is not None
    assert timedelta(seconds=25) < article.next_attempt_at - timezone.now() <= timedelta(seconds=30)
    tasks.process_article(article.pk)  # not due yet: nothing happens
    assert Article.objects.get(pk=article.pk).attempts == 1
    Article.objects.filter(pk=article.pk).update(next_attempt_at=timezone.now())
    tasks.process_article(article.pk)
    article.refresh_from_db()
    assert article.status == Article.Status.FAILED and article.attempts == 2
    assert article.error.endswith("Gave up after 2 attempts.")


def test_permanent_failure_fails_at_once(user, http_server):
    article = saving.save_urls(user=user, text=http_server.url("/gone")).created[0]
    tasks.process_article(article.pk)
    article.refresh_from_db()
    assert (article.status, article.error_code, article.attempts) == (Article.Status.FAILED, "http_404", 1)
    assert article.error == "The page was not found (HTTP 404)."


def test_page_without_text_fails_readably(user, http_server):
    url = http_server.add(
        "/empty", b"<html><head><title>x</title></head><body></body></html>", headers={"Content-Type": "text/html"}
    )
    article = saving.save_urls(user=user, text=url).created[0]
    tasks.process_article(article.pk)
    article.refresh_from_db()
    assert article.status == Article.Status.FAILED and article.error == "No article text was found on this page."


def test_sweep_requeues_stuck_and_lost_articles(user, settings):
    settings.DIGEST_STUCK_AFTER = 60
    settings.DIGEST_MAX_ATTEMPTS = 3
    long_ago = timezone.now() - timedelta(minutes=5)

    def make(n, status, attempts=1, changed=long_ago):
        # As the pipeline leaves them: a running article holds a lease from its claim, a queued one
        # had its message sent when it was queued.
        running = status in Article.RUNNING_STATUSES
        return Article.objects.create(
            owner=user,
            url=f"https://x.example.com/{n}",
            canonical_url=f"https://x.example.com/{n}",
            status=status,
            attempts=attempts,
            status_changed_at=changed,
            lease_expires_at=changed + timedelta(seconds=settings.DIGEST_LEASE_SECONDS) if running else None,
            enqueued_at=None if running else changed,
        )

    stuck = make(1, Article.Status.FETCHING)
    lost = make(2, Article.Status.QUEUED, attempts=0)
    fresh = make(3, Article.Status.FETCHING, changed=timezone.now())
    worn_out = make(4, Article.Status.SUMMARIZING, attempts=3)
    waiting = make(5, Article.Status.QUEUED)
    Article.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=5))
    assert tasks.sweep_articles() == 2
    status = dict(Article.objects.values_list("pk", "status"))
    assert status[stuck.pk] == "queued" and status[lost.pk] == "queued"
    assert status[fresh.pk] == "fetching" and status[waiting.pk] == "queued"
    worn_out.refresh_from_db()
    assert worn_out.status == "failed" and "interrupted" in worn_out.error
    # the next sweep waits a full period before sending them again
    assert tasks.sweep_articles() == 0


def test_retry_only_for_failed(user):
    article = Article.objects.create(
        owner=user,
        url="https://x.example.com/",
        canonical_url="https://x.example.com/",
        status=Article.Status.FAILED,
        error="Nope.",
        attempts=4,
        blocked=True,
    )
    assert saving.retry_article(article=article)
    article.refresh_from_db()
    assert (article.status, article.attempts, article.error, article.blocked) == ("queued", 0, "", False)
    assert not saving.retry_article(article=article)


def test_reextract_uses_the_stored_page(user, http_server, seed):
    url = http_server.add("/story", seed, headers={"Content-Type": "text/html"})
    article = saving.save_urls(user=user, text=url).created[0]
    tasks.process_article(article.pk)
    http_server.add("/story", b"changed", status=404)  # the site is gone; no fetch needed
    Article.objects.filter(pk=article.pk).update(title="old", text="old")
    assert saving.reextract(Article.objects.get(pk=article.pk))
    article.refresh_from_db()
    assert article.status == "ready" and article.title == FERRY.title


def test_retry_after_from_the_site_is_honoured(user, http_server, settings):
    settings.DIGEST_RETRY_BACKOFF = 30
    url = http_server.add("/busy", b"busy", status=503, headers={"Content-Type": "text/html", "Retry-After": "120"})
    article = saving.save_urls(user=user, text=url).created[0]
    tasks.process_article(article.pk)
    article.refresh_from_db()
    assert "Trying again in 2 minutes." in article.error
    assert article.next_attempt_at is not None
    assert timedelta(seconds=110) < article.next_attempt_at - timezone.now() <= timedelta(seconds=120)
