"""The pages around the API: the Preferences sections (apps, feeds, bookmarklet), the bookmarklet's save
endpoint, the web app manifest and the share target."""

from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from oauth2_provider.models import Application

from reader.models import Article, PersonalToken
from reader.services.access import renew_personal_token
from tests.factories import make_article
from tests.sample_pages import FERRY

pytestmark = pytest.mark.django_db


def test_an_api_client_is_made_shown_once_and_revoked_on_preferences(client, alice):
    page = client.get("/preferences/").content.decode()
    assert 'id="api-clients"' in page and "http://testserver" in page
    response = client.post("/preferences/api-clients/", {"name": "KOReader on my Kobo"})
    assert response.status_code == 302 and response["Location"].endswith("/preferences/#api-clients")
    shown = client.get("/preferences/").content.decode()
    made = Application.objects.get(user=alice)
    secret = re.search(r'id="new-client-secret" data-select-all|value="([^"]+)" id="new-client-secret"', shown)
    assert made.name == "KOReader on my Kobo" and made.client_id in shown
    assert secret and secret.group(1)
    grant = {
        "grant_type": "password",
        "client_id": made.client_id,
        "client_secret": secret.group(1),
        "username": "alice",
        "password": "pw-alice-123",
    }
    assert client.post("/oauth/v2/token", grant).status_code == 200
    assert "new-client-secret" not in client.get("/preferences/").content.decode()  # shown once
    client.post(f"/preferences/api-clients/{made.pk}/revoke/")
    assert not Application.objects.exists()
    assert client.post("/oauth/v2/token", grant).status_code == 401


def test_nobody_revokes_another_persons_client(client, alice, bob):
    theirs = Application.objects.create(
        user=bob, name="bob's", client_type="confidential", authorization_grant_type="password"
    )
    client.post(f"/preferences/api-clients/{theirs.pk}/revoke/")
    assert Application.objects.filter(pk=theirs.pk).exists()


def test_feeds_are_turned_on_renewed_and_off_on_preferences(client, alice):
    assert "Turn feeds on" in client.get("/preferences/").content.decode()
    client.post("/preferences/tokens/feeds/", {"action": "renew"})
    token = PersonalToken.objects.get(user=alice, kind="feeds").token
    page = client.get("/preferences/").content.decode()
    assert f"http://testserver/feeds/{token}/atom/" in page and f"http://testserver/opds/{token}/" in page
    client.post("/preferences/tokens/feeds/", {"action": "renew"})
    assert client.get(f"/feeds/{token}/atom/").status_code == 404
    client.post("/preferences/tokens/feeds/", {"action": "revoke"})
    assert not PersonalToken.objects.filter(user=alice).exists()
    assert client.post("/preferences/tokens/nonsense/", {"action": "renew"}).status_code == 404


def bookmarklets(page: str) -> dict[str, str]:
    link = re.search(
        r'<a class="bookmarklet" id="bookmarklet-link" href="([^"]+)" data-plain="([^"]+)" data-capture="([^"]+)"', page
    )
    assert link, page
    return {"plain": unescape(link.group(2)), "capture": unescape(link.group(3))}


def test_the_bookmarklet_holds_a_save_token_and_digests_address(client, alice):
    client.post("/preferences/tokens/save/", {"action": "renew"})
    token = PersonalToken.objects.get(user=alice, kind="save").token
    links = bookmarklets(client.get("/preferences/").content.decode())
    for kind, code in links.items():
        source = unquote(code)
        assert source.startswith("javascript:(function(){") and token in source
        assert '"http://testserver/save/"' in source
        assert ("postMessage" in source) == (kind == "capture")


@pytest.fixture
def save_token(alice):
    return renew_personal_token(user=alice, kind=PersonalToken.Kind.SAVE).token


def save(client, token: str, body: dict, **extra):
    return client.post(
        "/api/save/", json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}", **extra
    )


def test_the_bookmarklet_saves_a_link_or_the_page_as_seen(client, alice, save_token):
    plain = save(client, save_token, {"url": "https://news.example.com/a", "title": "A"})
    assert plain.status_code == 200 and plain["Content-Type"] == "application/json"
    body = plain.json()
    assert (
        body["created"] and not body["captured"] and body["article_url"] == f"http://testserver/articles/{body['id']}/"
    )
    captured = save(
        client, save_token, {"url": "https://paywalled.invalid/b", "title": "B", "html": FERRY.read_bytes().decode()}
    )
    article = Article.objects.get(pk=captured.json()["id"])
    assert captured.json()["captured"] and article.captured and article.fetched_page.body == FERRY.read_bytes()
    again = save(client, save_token, {"url": "https://news.example.com/a/"})
    assert again.json()["id"] == body["id"] and not again.json()["created"]
    assert Article.objects.filter(owner=alice).count() == 2


def test_the_save_endpoint_wants_a_live_save_token_and_good_input(client, alice, save_token, settings):  # noqa: F811
    # The session cookie of a signed-in person is not enough: another site's page could send it.
    assert save(client, "", {"url": "https://news.example.com/a"}).status_code == 401
    assert save(client, "wrong", {"url": "https://news.example.com/a"}).status_code == 401
    feeds = renew_personal_token(user=alice, kind=PersonalToken.Kind.FEEDS).token
    assert save(client, feeds, {"url": "https://news.example.com/a"}).status_code == 401
    bad = save(client, save_token, {"url": "javascript:alert(1)"})
    assert bad.status_code == 400 and bad.json()["error_description"]
    settings.DIGEST_FETCH_MAX_BYTES = 100
    big = save(client, save_token, {"url": "https://news.example.com/big", "html": "x" * 101})
    assert big.status_code == 400 and "limit is 100" in big.json()["error_description"]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    huge = save(client, save_token, {"url": "https://news.example.com/huge", "html": "x" * 2000})
    assert huge.status_code == 400 and "larger than Digest keeps" in huge.json()["error_description"]
    renew_personal_token(user=alice, kind=PersonalToken.Kind.SAVE)
    revoked = save(client, save_token, {"url": "https://news.example.com/a"})
    assert revoked.status_code == 401 and "Preferences" in revoked.json()["error_description"]
    assert not Article.objects.exists()


def test_the_save_window_is_digests_own_page_without_a_referrer(client):
    page = client.get("/save/")
    assert page.status_code == 200 and page["Referrer-Policy"] == "no-referrer"
    assert page["Cross-Origin-Opener-Policy"] == "unsafe-none"  # the opener hands it the page
    assert "js/save-popup.js" in page.content.decode()


def test_the_manifest_names_the_share_target(client):
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["share_target"] == {
        "action": "/share/",
        "method": "GET",
        "enctype": "application/x-www-form-urlencoded",
        "params": {"title": "title", "text": "text", "url": "url"},
    }
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}
    for icon in manifest["icons"]:
        assert finders.find(icon["src"].removeprefix(settings.STATIC_URL).removeprefix("/static/")), icon
    assert '<link rel="manifest" href="/manifest.webmanifest">' in client.get("/accounts/login/").content.decode()


def test_a_share_from_the_browser_saves_at_once(client, alice):
    page = client.get(
        "/share/",
        {"title": "Ferry", "text": "Look at this https://news.example.com/ferry."},
        HTTP_SEC_FETCH_SITE="none",
    )
    article = Article.objects.get(owner=alice)
    assert article.url == "https://news.example.com/ferry" and article.title == "Ferry"
    assert f'data-saved="{article.pk}"' in page.content.decode()
    assert f'href="/articles/{article.pk}/"' in page.content.decode()


def test_a_share_link_from_another_site_only_asks(client, alice):
    for site in ("cross-site", "same-site", None):
        extra = {"HTTP_SEC_FETCH_SITE": site} if site else {}
        page = client.get("/share/", {"url": "https://spam.example.com/"}, **extra).content.decode()
        assert "Save this link to your reading list?" in page
    assert not Article.objects.exists()
    client.post("/share/", {"url": "https://spam.example.com/", "title": ""})
    assert Article.objects.get(owner=alice).url == "https://spam.example.com/"


def test_a_share_needs_the_person_signed_in_and_a_link(client):
    response = client.get("/share/", {"url": "https://news.example.com/x"}, HTTP_SEC_FETCH_SITE="none")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    get_user_model().objects.create_user("sam")
    client.force_login(get_user_model().objects.get(username="sam"))
    nothing = client.get("/share/", {"text": "just words"}, HTTP_SEC_FETCH_SITE="none").content.decode()
    assert "just words" in nothing and "msg error" in nothing
    assert not Article.objects.exists()


def test_a_captured_article_says_so_on_its_row_and_page(client, alice):
    article = make_article(alice, "Behind the wall", captured=True)
    assert "Saved as you saw it" in client.get("/").content.decode()
    assert "Saved as you saw it" in client.get(f"/articles/{article.pk}/").content.decode()
