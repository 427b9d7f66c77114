"""The list page, saving, the poll, the article page and retry, as a browser or htmx sees them."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from reader.models import Article
from reader.pipeline.steps import compute_pending_summary
from reader.selectors import default_variant
from summaries.models import Summary
from tests import factories
from tests.factories import add_summary

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def make_article(owner, n=1, **fields) -> Article:
    fields.setdefault("title", f"Story number {n}")
    fields.setdefault("word_count", 13)
    return factories.make_article(owner, **fields)


def test_pages_need_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.post("/articles/", {"urls": "https://a.example.com/x"}).status_code == 302
    assert not Article.objects.exists()


def test_login_page_and_logout_by_post(client, bob):
    page = client.get("/accounts/login/")
    assert b'name="username"' in page.content
    response = client.post("/accounts/login/", {"username": "bob", "password": "pw-bob-123"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert client.get("/accounts/logout/").status_code == 405  # logout only by POST
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_another_users_article_is_404(client, alice, bob):
    theirs = make_article(bob)
    assert client.get(reverse("reader:article-detail", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("reader:article-retry", args=[theirs.pk])).status_code == 404
    mine = make_article(alice, 2)
    listing = client.get("/").content.decode()
    assert mine.title in listing and theirs.title not in listing


def test_save_without_js_redirects_with_messages(client, alice):
    response = client.post(
        "/articles/",
        {"urls": "https://a.example.com/one\nftp://files.example.com/x  https://b.example.com/two"},
        follow=True,
    )
    page = response.content.decode()
    assert Article.objects.filter(owner=alice).count() == 2
    assert "Saved 2 links." in page
    assert "ftp://files.example.com/x" in page
    # the new ones are pending and shown at the top, newest first
    assert page.index("b.example.com") < page.index("a.example.com")


def test_save_with_htmx_returns_new_rows_and_oob_form(client, alice):
    response = client.post("/articles/", {"urls": "https://a.example.com/one javascript:alert(1)"}, **HTMX)
    body = response.content.decode()
    article = Article.objects.get(owner=alice)
    assert f'id="article-{article.pk}"' in body
    assert 'id="save-form" class="save-form" hx-swap-oob="true"' in body
    assert "javascript:alert(1)" in body  # the bad link is named next to the form
    assert 'id="poller" hx-swap-oob="true"' in body and "every" in body  # polling starts
    assert f'value="{article.pk}:queued"' in body


def test_rejected_pieces_stay_in_the_box_and_a_pasted_essay_gives_few_lines(client, alice):
    # htmx: the good link is saved and leaves the box; the typo stays there to be corrected
    body = client.post("/articles/", {"urls": "https://a.example.com/one htps://example.com/typo"}, **HTMX).content
    box = re.search(r"<textarea[^>]*>(.*?)</textarea>", body.decode(), re.S)
    assert box is not None
    assert box.group(1) == "htps://example.com/typo"
    # without JavaScript: the same, after the redirect
    page = client.post("/articles/", {"urls": "htps://example.com/typo2"}, follow=True).content.decode()
    assert re.search(r"<textarea[^>]*>htps://example.com/typo2</textarea>", page)
    assert re.search(r"<textarea[^>]*></textarea>", client.get("/").content.decode())  # only once
    # an essay: ten distinct lines and a count, not one line per word
    essay = " ".join(["lorem", "ipsum", "dolor"] * 2000 + [f"word{i}" for i in range(40)])
    body = client.post("/articles/", {"urls": essay}, **HTMX).content.decode()
    assert body.count('class="msg error"') == 11
    assert "… and 33 more that are not links." in body
    assert len(body) < 20_000
    assert Article.objects.filter(owner=alice).count() == 1


def test_saving_same_link_twice_shows_existing(client, alice):
    client.post("/articles/", {"urls": "https://a.example.com/story?utm_source=x"})
    response = client.post("/articles/", {"urls": "https://A.example.com/story/"}, **HTMX)
    assert Article.objects.filter(owner=alice).count() == 1
    assert "Already saved" in response.content.decode()


def test_updates_poll_sends_changed_rows_and_stops_when_done(client, alice):
    pending = make_article(alice, 1, status=Article.Status.FETCHING)
    done = make_article(alice, 2)
    url = reverse("reader:article-updates")
    response = client.get(url, {"seen": [f"{pending.pk}:fetching"]}, **HTMX)
    assert response.status_code == 200 and response.content.strip() == b""
    Article.objects.filter(pk=pending.pk).update(status=Article.Status.READY, title="Now ready")
    add_summary(Article.objects.get(pk=pending.pk), ["First sentence of the story."])
    response = client.get(url, {"seen": [f"{pending.pk}:fetching", f"{done.pk}:ready"]}, **HTMX)
    assert response.status_code == 286  # htmx stops polling
    body = response.content.decode()
    assert f'id="article-{pending.pk}"' in body and 'hx-swap-oob="true"' in body
    assert "Now ready" in body and "First sentence of the story." in body
    assert f'id="article-{done.pk}"' not in body


def test_list_query_count_is_fixed(client, alice, django_assert_max_num_queries):
    for n in range(40):
        article = make_article(alice, n)
        add_summary(article, ["First sentence of the story."])
    # session, user, preferences, view counts, tag list, articles, their tags, their summaries, the feed
    # token (the page names its feed)
    with django_assert_max_num_queries(9):
        response = client.get("/")
    assert response.status_code == 200


def test_cursor_pagination_has_rel_next(client, alice, settings):
    settings.DIGEST_PAGE_SIZE = 5
    made = [make_article(alice, n) for n in range(12)]
    page = client.get("/").content.decode()
    # the cursor carries the sort key (date saved, in microseconds) and the id of the last row shown
    match = re.search(r'rel="next" href="\?cursor=(\d+)\.(\d+)"', page)
    assert match and int(match.group(2)) == made[7].pk
    second = client.get("/", {"cursor": f"{match.group(1)}.{match.group(2)}"}).content.decode()
    assert made[6].title in second and made[7].title not in second


def test_article_page_toggles_summary_and_full_text(client, alice):
    article = make_article(alice, url="https://news.example.com/a", final_url="https://news.example.com/a-final")
    add_summary(article, ["It has two sentences."])
    page = client.get(reverse("reader:article-detail", args=[article.pk])).content.decode()
    assert "<h1>Story number 1</h1>" in page
    assert 'href="https://news.example.com/a-final"' in page  # link to the original
    assert "It has two sentences." in page and "First sentence of the story." not in page
    full = client.get(reverse("reader:article-detail", args=[article.pk]), {"view": "full"}, **HTMX).content.decode()
    assert full.startswith(f'<div id="article-{article.pk}-body"')  # only the fragment
    assert "First sentence of the story." in full
    # the summary sentence is marked inside the full text
    assert f'<mark id="a{article.pk}-s1" class="summary-sentence">It has two sentences.</mark>' in full


def test_failed_row_shows_error_and_retry_requeues(client, alice):
    article = make_article(alice, status=Article.Status.FAILED, error="The page was not found (HTTP 404).", attempts=1)
    page = client.get("/").content.decode()
    assert "The page was not found (HTTP 404)." in page and "Retry" in page
    response = client.post(reverse("reader:article-retry", args=[article.pk]), **HTMX)
    article.refresh_from_db()
    assert article.status == Article.Status.QUEUED and article.error == "" and article.attempts == 0
    assert 'id="poller" hx-swap-oob="true"' in response.content.decode()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_retry_without_javascript_never_follows_a_foreign_next(client, alice, target):
    article = make_article(alice, status=Article.Status.FAILED, error="Timed out.", attempts=1)
    response = client.post(reverse("reader:article-retry", args=[article.pk]), {"next": target})
    assert (
        response.status_code == 302 and "evil" not in response["Location"] and "javascript" not in response["Location"]
    )
    response = client.post(reverse("reader:article-retry", args=[article.pk]), {"next": "/?show=failed"})
    assert response["Location"] == "/?show=failed"  # one of our own pages is followed


def test_there_are_no_password_reset_pages(client):
    # Digest sends no mail; an admin resets a forgotten password (README).
    for path in ("/accounts/password_reset/", "/accounts/reset/MQ/set-password/", "/accounts/password_reset/done/"):
        assert client.get(path).status_code == 404
    assert "password_reset" not in client.get("/accounts/login/").content.decode()


def test_admin_is_there_for_staff(client):
    admin = get_user_model().objects.create_superuser("root", password="pw-root-123")
    client.force_login(admin)
    assert client.get("/admin/reader/article/").status_code == 200


def test_switching_algorithm_and_length_is_computed_then_cached(client, alice):
    article = make_article(
        alice,
        text="Council approves new park budget for the city.\nThe park will open next spring with new trails. "
        "Residents asked for more benches and shade trees. The mayor said work starts in March.\n"
        "Critics say the budget is too small for the plans.",
    )
    url = reverse("reader:article-detail", args=[article.pk])
    first = client.get(url, {"view": "summary", "algorithm": "luhn", "sentences": "2"}, **HTMX).content.decode()
    summary = Summary.objects.get(article=article, algorithm="luhn", sentence_count=2)
    assert summary.status == Summary.Status.PENDING
    assert "Summarizing with luhn" in first and 'hx-trigger="every 1s"' in first  # polls itself while pending
    compute_pending_summary(summary.pk)  # what the worker does
    done = client.get(url, {"view": "summary", "algorithm": "luhn", "sentences": "2"}, **HTMX).content.decode()
    assert "every 1s" not in done and done.count("<li>") == 2
    assert '<option value="luhn" selected>' in done and "<option selected>2</option>" in done
    # asking again uses the stored row
    client.get(url, {"algorithm": "luhn", "sentences": "2"})
    assert Summary.objects.filter(article=article).count() == 1
    # nonsense values fall back to the default variant instead of failing
    assert client.get(url, {"algorithm": "nope", "sentences": "99"}).status_code == 200


def test_preferences_set_the_default_summary_and_look(client, alice):
    page = client.get(reverse("reader:preferences")).content.decode()
    assert "Summary algorithm" in page and "sepia" in page.lower()
    response = client.post(
        reverse("reader:preferences"),
        {
            "summary_algorithm": "textrank",
            "summary_sentences": "4",
            "theme": "sepia",
            "font": "sans",
            "font_size": "20",
        },
    )
    assert response.status_code == 302
    assert default_variant(alice) == ("textrank", 4)
    page = client.get("/").content.decode()
    assert 'data-theme="sepia"' in page and 'data-font="sans"' in page and 'data-size="20"' in page


def test_right_to_left_text_reads_right_to_left(client, alice):
    # Case 37's kind: a Hebrew page that says nothing about its direction; the language says it.
    article = make_article(alice, title="שלום עולם", text="זהו משפט ראשון בעברית.\nזהו משפט שני.", language="he")
    page = client.get(reverse("reader:article-detail", args=[article.pk]), {"view": "full"}).content.decode()
    assert '<header class="reader-head" dir="rtl">' in page and "<h1>שלום עולם</h1>" in page
    assert '<div class="full-text" dir="rtl">' in page
    row = client.get("/", {"show": "all"}).content.decode()
    assert '<div class="row-head" dir="rtl">' in row


def test_text_direction_follows_the_language_and_is_auto_when_unknown(client, alice):
    english = make_article(alice, title="Hello", text="A first sentence here.", language="en")
    unknown = make_article(alice, title="?", text="12 34.", language="")
    page = client.get(reverse("reader:article-detail", args=[english.pk]), {"view": "full"}).content.decode()
    assert '<div class="full-text" dir="ltr">' in page
    page = client.get(reverse("reader:article-detail", args=[unknown.pk]), {"view": "full"}).content.decode()
    assert '<div class="full-text" dir="auto">' in page and '<header class="reader-head" dir="auto">' in page
