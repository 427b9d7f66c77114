"""One story, one article: the AMP page and its canonical, the www. and m. editions, a redirect, saved one
after the other, end as one article; a theme's home-page canonical, or the same address with another
story, does not merge anything. Through the pipeline in this process, against a real HTTP server."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from reader.models import Article, Tag
from reader.pipeline import saving, steps
from reader.pipeline.dedupe import plausible_canonical, same_story
from reader.selectors import kept_in_place_of
from tests.test_extraction import BODY, page

pytestmark = pytest.mark.django_db

HTML = {"Content-Type": "text/html; charset=utf-8"}
STORY = "Late trains return to the coastal line"
OTHER = (
    "<p>Ferries between the islands ran up to an hour late all week because two of the four boats were in dry "
    "dock for repairs to their engines.</p><p>The operator said both boats would be back before the holidays "
    "and apologised to passengers who missed connections on the mainland.</p>"
)


@pytest.fixture
def user():
    return get_user_model().objects.create_user("reader")


def _page(title: str, canonical: str = "", body: str = BODY) -> bytes:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return page(f"<title>{title}</title>{link}", f"<article><h1>{title}</h1>{body}</article>").encode()


def _save(user, url: str) -> Article:
    article = saving.save_urls(user=user, text=url).in_order[0]
    steps.process_article(article.pk)
    return Article.objects.get(pk=article.pk)


def _host(http_server, host: str, path: str) -> str:
    return http_server.url(path, host)


def test_the_amp_page_then_its_canonical_is_one_article(user, http_server, settings) -> None:
    normal = _host(http_server, "gazette.example.com", "/2024/05/late-trains")
    amp = http_server.add("/amp/2024/05/late-trains", _page(STORY, normal), headers=HTML, host="gazette.example.com")
    http_server.add("/2024/05/late-trains", _page(STORY, normal), headers=HTML)
    settings.DIGEST_RESOLVE = http_server.resolve_map()
    first = _save(user, amp)
    assert first.status == Article.Status.READY
    second = saving.save_urls(user=user, text=normal)
    # The AMP page named its canonical address: saving that address finds the article at once.
    assert second.existing == [first] and not second.created
    assert Article.objects.for_user(user).get().url == amp  # the saved address is kept


def test_the_canonical_then_its_amp_page_is_one_article_with_both_tags(user, http_server, settings) -> None:
    normal = http_server.add("/2024/05/late-trains", _page(STORY), headers=HTML, host="gazette.example.com")
    amp = http_server.add("/amp/2024/05/late-trains", _page(STORY, normal), headers=HTML, host="gazette.example.com")
    settings.DIGEST_RESOLVE = http_server.resolve_map()
    first = _save(user, normal)
    pending = saving.save_urls(user=user, text=amp).created[0]
    pending.tags.add(Tag.objects.create(owner=user, name="transport"))
    steps.process_article(pending.pk)
    [kept] = Article.objects.for_user(user)
    assert kept.pk == first.pk and kept.url == normal
    assert [t.name for t in kept.tags.all()] == ["transport"]
    folded = Article.objects.get(pk=pending.pk)
    assert (
        folded.deleted_at is not None
        and folded.error_code == "duplicate"
        and folded.canonical_url == kept.canonical_url
    )
    # Whoever saved the AMP link (the command line, waiting for it) is shown the article that holds the story.
    assert kept_in_place_of(folded) == kept and kept_in_place_of(kept) is None


def test_the_mobile_edition_redirecting_to_www_is_one_article(user, http_server, settings) -> None:
    www = http_server.add("/news/late-trains", _page(STORY), headers=HTML, host="www.gazette.example.com")
    mobile = http_server.redirect("/m/late-trains", www, host="m.gazette.example.com")
    settings.DIGEST_RESOLVE = http_server.resolve_map()
    _save(user, www)
    _save(user, mobile)
    assert Article.objects.for_user(user).count() == 1


def test_a_pending_row_folded_into_the_saved_story_says_where_it_is(client, user, http_server, settings) -> None:
    www = http_server.add("/news/late-trains", _page(STORY), headers=HTML, host="www.gazette.example.com")
    mobile = http_server.redirect("/m/late-trains", www, host="m.gazette.example.com")
    settings.DIGEST_RESOLVE = http_server.resolve_map()
    kept = _save(user, www)
    folded = _save(user, mobile)  # its row was on the page, pending, when the worker folded it
    client.force_login(user)
    answer = client.get("/articles/updates/", {"seen": f"{folded.pk}:fetching"}).content.decode()
    assert "The same story was saved already" in answer and f'href="/articles/{kept.pk}/"' in answer
    assert "deleted in another tab" not in answer


def test_www_and_m_editions_with_the_same_path_are_one_article(user, http_server, settings) -> None:
    www = http_server.add("/news/late-trains", _page(STORY), headers=HTML, host="www.gazette.example.com")
    mobile = http_server.url("/news/late-trains", "m.gazette.example.com")
    settings.DIGEST_RESOLVE = http_server.resolve_map()
    _save(user, www)
    _save(user, mobile)
    assert Article.objects.for_user(user).count() == 1


@pytest.mark.parametrize(
    "canonical_path",
    ["/", "/news/latest"],
    ids=["a sitewide home-page canonical", "the same canonical on another story"],
)
def test_a_shared_canonical_merges_no_two_stories(user, http_server, settings, canonical_path: str) -> None:
    canonical = _host(http_server, "gazette.example.com", canonical_path)
    one = http_server.add("/2024/06/11/trains", _page(STORY, canonical), headers=HTML, host="gazette.example.com")
    two = http_server.add("/2024/06/12/ferries", _page("Ferries run late all week", canonical, OTHER), headers=HTML)
    settings.DIGEST_RESOLVE = http_server.resolve_map()
    _save(user, one)
    _save(user, two)
    # Two articles, each with the address the person saved.
    assert sorted(a.url for a in Article.objects.for_user(user)) == sorted([one, two])


def test_a_failed_earlier_save_of_the_story_gives_way_to_the_new_one(user, http_server, settings) -> None:
    normal = _host(http_server, "gazette.example.com", "/2024/05/late-trains")
    amp = http_server.add("/amp/2024/05/late-trains", _page(STORY, normal), headers=HTML, host="gazette.example.com")
    settings.DIGEST_RESOLVE = http_server.resolve_map()
    failed = _save(user, normal)  # a 404 for now
    assert failed.status == Article.Status.FAILED
    kept = _save(user, amp)
    assert [a.pk for a in Article.objects.for_user(user)] == [kept.pk] and kept.status == Article.Status.READY
    assert Article.objects.get(pk=failed.pk).error_code == "duplicate"


def test_another_person_s_article_is_never_touched(user, http_server, settings) -> None:
    page_url = http_server.add("/2024/05/late-trains", _page(STORY), headers=HTML, host="gazette.example.com")
    settings.DIGEST_RESOLVE = http_server.resolve_map()
    other = get_user_model().objects.create_user("someone")
    _save(other, page_url)
    _save(user, page_url)
    assert Article.objects.for_user(user).count() == 1 and Article.objects.for_user(other).count() == 1


@pytest.mark.parametrize(
    ("canonical", "page_url", "plausible"),
    [
        (
            "https://gazette.example.com/2024/05/late-trains",
            "https://gazette.example.com/amp/2024/05/late-trains",
            True,
        ),
        ("https://gazette.example.com/", "https://gazette.example.com/2024/05/late-trains", False),
        ("https://gazette.example.com", "https://gazette.example.com/2024/05/late-trains", False),
        ("https://www.gazette.example.com/news", "https://gazette.example.com/news/2024/late-trains", False),
        ("https://publisher.example.org/story", "https://cdn.example.net/c/s/publisher.example.org/story", True),
        ("javascript:alert(1)", "https://gazette.example.com/a", False),
        ("", "https://gazette.example.com/a", False),
    ],
)
def test_plausible_canonical(canonical: str, page_url: str, plausible: bool) -> None:
    assert plausible_canonical(canonical, page_url) is plausible


def test_same_story() -> None:
    assert same_story(STORY, "x", STORY.upper(), "y")
    assert same_story("A", BODY, "B", BODY + " And a line more.")
    assert not same_story("A", BODY, "B", OTHER)
