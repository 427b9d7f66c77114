"""What a paste says back: a failed link pasted again is retried, a link pasted twice is named, and an
admin learns which setting lets Digest reach their own network."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from reader.models import Article
from tests import factories

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def failed(owner, url="https://news.example.com/gone"):
    return factories.make_article(
        owner, url=url, status=Article.Status.FAILED, error="The site did not answer.", error_code="timeout", attempts=4
    )


def test_pasting_a_failed_link_again_retries_it(client, alice):
    article = failed(alice)
    body = client.post("/articles/", {"urls": article.url}, **HTMX).content.decode()
    article.refresh_from_db()
    assert article.status == Article.Status.QUEUED and article.error == "" and article.attempts == 0
    assert "Saved before, but it failed: trying again." in body and "Already saved" not in body
    # The old row leaves and the pending one comes in at the top, polled like a new save.
    assert f'<div id="article-{article.pk}" hx-swap-oob="delete"></div>' in body
    assert f'value="{article.pk}:queued"' in body and 'id="poller" hx-swap-oob="true"' in body


def test_pasting_a_failed_link_again_without_javascript(client, alice):
    article = failed(alice)
    page = client.post("/articles/", {"urls": article.url}, follow=True).content.decode()
    assert "Saved before, but it failed: trying again." in page
    assert Article.objects.get(pk=article.pk).status == Article.Status.QUEUED
    ready = factories.make_article(alice, url="https://news.example.com/fine")
    response = client.post("/articles/", {"urls": ready.url})
    assert response["Location"] == reverse("reader:article-detail", args=[ready.pk])  # one saved link: go there


def test_a_link_pasted_twice_in_one_paste_is_named(client, alice):
    paste = "https://news.example.com/a\nhttps://news.example.com/a/?utm_source=x https://news.example.com/b"
    body = client.post("/articles/", {"urls": paste}, **HTMX).content.decode()
    assert Article.objects.filter(owner=alice).count() == 2
    assert "Pasted more than once, saved once: https://news.example.com/a/?utm_source=x." in body
    page = client.post("/articles/", {"urls": "https://c.example.com/x https://c.example.com/x"}, follow=True)
    assert "Pasted more than once, saved once: https://c.example.com/x." in page.content.decode()


def test_an_admin_is_told_which_setting_allows_private_addresses(client, alice, settings):
    settings.DIGEST_PRIVATE_NETWORKS_ALLOWED = []
    refused = factories.make_article(
        alice,
        url="http://192.168.1.20/wiki",
        status=Article.Status.FAILED,
        error_code="private_address",
        error="192.168.1.20 is a private or reserved address (private network), which Digest does not fetch.",
    )
    pasted = client.post("/articles/", {"urls": "http://wiki/Home"}, **HTMX).content.decode()
    assert "DIGEST_PRIVATE_NETWORKS_ALLOWED" not in client.get("/?show=failed").content.decode()
    assert "DIGEST_PRIVATE_NETWORKS_ALLOWED" not in pasted
    admin = get_user_model().objects.create_superuser("root", password="pw-root-123")
    client.force_login(admin)
    factories.make_article(
        admin, url=refused.url, status=Article.Status.FAILED, error_code="private_address", error=refused.error
    )
    listing = client.get("/?show=failed").content.decode()
    assert "list them in the setting <code>DIGEST_PRIVATE_NETWORKS_ALLOWED</code>" in listing
    page = client.get(reverse("reader:article-detail", args=[Article.objects.get(owner=admin).pk])).content.decode()
    assert "DIGEST_PRIVATE_NETWORKS_ALLOWED" in page
    pasted = client.post("/articles/", {"urls": "http://wiki/Home ftp://files.example.com/x"}, **HTMX).content.decode()
    assert "has no domain ending such as .com. An admin can allow links to your own network with the setting " in pasted
    assert pasted.count("DIGEST_PRIVATE_NETWORKS_ALLOWED") == 1  # not said of the ftp link
