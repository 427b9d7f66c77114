"""A page the person already has (captured in their browser, or carried by an import file) is saved as
given: extracted and summarized from the stored bytes, never fetched. The links point at hosts that
do not resolve here, so a fetch would fail the article."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from reader.fetch.urls import InvalidURL
from reader.models import Article, FetchedPage
from reader.pipeline import saving, steps, sweep
from tests.sample_pages import FERRY, LIBRARY

pytestmark = pytest.mark.django_db

Status = Article.Status
PAYWALLED = "https://paywalled.invalid/local/ferry-link"


@pytest.fixture
def user():
    return get_user_model().objects.create_user("piper")


def test_a_captured_page_becomes_an_article_without_a_fetch(user):
    saved = saving.save_page(user=user, url=PAYWALLED, body=FERRY.read_bytes(), title="From the browser")
    assert saved.created and saved.article.captured and saved.article.status == Status.QUEUED
    assert steps.process_article(saved.article.pk) is None
    article = Article.objects.get(pk=saved.article.pk)
    assert article.status == Status.READY, article.error
    assert article.title == FERRY.title  # the page's own title wins over the one given
    assert FERRY.phrase in article.text and article.summaries.get().status == "ready"
    assert article.final_url == PAYWALLED


def test_saving_a_page_for_a_link_already_saved_replaces_its_page_and_keeps_its_state(user):
    first = saving.save_page(user=user, url=PAYWALLED, body=FERRY.read_bytes()).article
    steps.process_article(first.pk)
    Article.objects.filter(pk=first.pk).update(favourite=True)
    again = saving.save_page(user=user, url=PAYWALLED + "?utm_source=x", body=LIBRARY.read_bytes())
    assert not again.created and again.article.pk == first.pk and again.article.status == Status.QUEUED
    steps.process_article(first.pk)
    article = Article.objects.get(pk=first.pk)
    assert (article.status, article.title, article.favourite) == (Status.READY, LIBRARY.title, True)
    assert Article.objects.filter(owner=user).count() == 1


def test_a_page_without_a_title_keeps_the_title_it_came_with(user):
    body = f"<html><body><article><p>{FERRY.phrase}. " + "The harbour board met on Friday. " * 20
    body += "</p></article></body></html>"
    saved = saving.save_page(user=user, url=PAYWALLED, body=body.encode(), title="Ferry notes")
    steps.process_article(saved.article.pk)
    article = Article.objects.get(pk=saved.article.pk)
    assert (article.status, article.title) == (Status.READY, "Ferry notes")


def test_a_captured_page_waits_for_no_sites_turn(user):
    class Busy:
        def acquire(self, host, ticket):
            raise AssertionError("a captured page asked for the site's turn")

    saved = saving.save_page(user=user, url=PAYWALLED, body=FERRY.read_bytes())
    assert steps.fetch_article(saved.article.pk, limiter=Busy()) == steps.Next(steps.EXTRACT)  # type: ignore[arg-type]


def test_a_swept_captured_article_is_handed_on_not_fetched(user, settings):
    saved = saving.save_page(user=user, url=PAYWALLED, body=FERRY.read_bytes())
    assert steps.fetch_article(saved.article.pk) == steps.Next(steps.EXTRACT)
    steps.hand_off_not_sent(saved.article.pk)  # its CPU message was lost
    # Its page is stored: the sweep sends the CPU step again, and nothing is fetched.
    assert sweep.sweep_stuck_articles() == sweep.Resend(fetch=[], extract=[saved.article.pk])
    assert steps.extract_article(saved.article.pk) is None
    assert Article.objects.get(pk=saved.article.pk).status == Status.READY


def test_a_captured_bot_check_fails_at_once_with_a_reason(user):
    challenge = b"<html><head><title>Just a moment...</title></head><body>Checking your browser before accessing"
    challenge += b" the site. Enable JavaScript and cookies to continue. cf-browser-verification</body></html>"
    saved = saving.save_page(user=user, url=PAYWALLED, body=challenge)
    assert steps.process_article(saved.article.pk) is None
    article = Article.objects.get(pk=saved.article.pk)
    assert (article.status, article.blocked) == (Status.FAILED, True)
    assert "bot check" in article.error


def test_bad_links_and_oversized_pages_save_nothing(user, settings):
    with pytest.raises(InvalidURL):
        saving.save_page(user=user, url="javascript:alert(1)", body=b"<p>x</p>")
    settings.DIGEST_FETCH_MAX_BYTES = 100
    with pytest.raises(saving.PageTooLarge, match="limit is 100"):
        saving.save_page(user=user, url=PAYWALLED, body=b"x" * 101)
    assert not Article.objects.exists() and not FetchedPage.objects.exists()
