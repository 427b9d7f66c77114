"""What a page left open in one tab does when something changed in another: signed out, the article
deleted. And a pending row without JavaScript says to reload."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reader.models import Article
from reader.services import organize
from tests import factories

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/?show=all"}


def pending(owner, n=1):
    return factories.make_article(owner, url=f"https://news.example.com/p{n}", status=Article.Status.QUEUED, title="")


def test_a_pending_row_says_to_reload_without_javascript(client, alice):
    article = pending(alice)
    page = client.get("/").content.decode()
    row = page[page.index(f'id="article-{article.pk}"') :]
    assert '<noscript> <a href="/">Reload the page</a> to see it when it is ready.</noscript>' in row[:2000]


def test_polling_rows_say_you_were_signed_out(client, alice):
    first, second = pending(alice, 1), pending(alice, 2)
    seen = {"seen": [f"{first.pk}:queued", f"{second.pk}:queued"]}
    assert client.get(reverse("reader:article-updates"), seen, **HTMX).status_code == 200  # still polling
    client.logout()  # in another tab
    response = client.get(reverse("reader:article-updates"), seen, **HTMX)
    assert response.status_code == 286  # htmx stops polling
    body = response.content.decode()
    for article in (first, second):
        assert f'<p id="article-{article.pk}-status" class="pending signed-out" hx-swap-oob="true">' in body
    assert body.count("You were signed out") == 2
    assert '<a href="/accounts/login/?next=%2F%3Fshow%3Dall">Sign in again</a>' in body
    # Without htmx it is a page behind the sign-in, as any other.
    assert client.get(reverse("reader:article-updates"), seen)["Location"].startswith("/accounts/login/")


def test_a_polled_row_deleted_in_another_tab_says_so(client, alice):
    article, other = pending(alice, 1), pending(alice, 2)
    organize.delete_articles(user=alice, article_ids=[article.pk])
    seen = {"seen": [f"{article.pk}:queued", f"{other.pk}:queued"]}
    response = client.get(reverse("reader:article-updates"), seen, **HTMX)
    assert response.status_code == 200  # the other one is still pending
    assert "This article was deleted in another tab or window." in response.content.decode()


def test_an_action_on_an_article_deleted_in_another_tab_says_so(client, alice):
    article = factories.make_article(alice, title="Old news")
    organize.delete_articles(user=alice, article_ids=[article.pk])  # in another tab
    url = reverse("reader:article-action", args=[article.pk, "archive"])
    response = client.post(url, {"next": "/"}, **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#article-{article.pk}" and response["HX-Reswap"] == "outerHTML"
    body = response.content.decode()
    assert "This article was deleted in another tab or window." in body
    assert 'name="action" value="restore"' in body  # Undo still brings it back
    assert Article.objects.get(pk=article.pk).archived_at is None
    # Without JavaScript: back to the list, saying so.
    page = client.post(url, {"next": reverse("reader:article-detail", args=[article.pk])}, follow=True)
    assert page.redirect_chain[-1][0] == "/"
    assert "This article was deleted in another tab or window." in page.content.decode()
    # Purged meanwhile: nothing to undo.
    organize.purge_deleted(user=alice, older_than=0)
    body = client.post(url, {"next": "/"}, **HTMX).content.decode()
    assert "no longer exists" in body and "Undo" not in body
    retry = client.post(reverse("reader:article-retry", args=[article.pk]), {"next": "/"}, **HTMX)
    assert "no longer exists" in retry.content.decode()
