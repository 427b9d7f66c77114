"""Organizing the reading list: read state, archive, favourites, tags, delete with undo, bulk actions,
views and filters, sort and keyset pagination, search on the list page, the reader's quick controls.

Runs on SQLite and on PostgreSQL (``DATABASE_URL``); nothing here needs a worker.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reader import selectors
from reader.models import Article, LeadImage, ReaderPreferences, Tag
from reader.pipeline.saving import save_urls
from reader.pipeline.steps import update_search_index
from reader.search import search
from reader.services import organize
from reader.services.preferences import set_reader_look
from summaries.models import Summary
from tests.factories import add_summary, make_article

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
TEXT = "Rivers rose across the valley after a week of rain.\nFarmers moved their herds to higher ground. The army sent boats."


def make(owner, title="Flood in the valley", *, text=TEXT, site="news.example.com", summary=True, index=True, **fields):
    article = make_article(owner, title, text=text, site=site, index=False, **fields)
    if summary and text:
        add_summary(article, [text.split("\n")[0]])
    if index:
        update_search_index(article.pk)
    return article


def titles(response) -> list[str]:
    return re.findall(
        r'<h2 class="row-title"><a href="/articles/\d+/" data-open>([^<]*)</a>', response.content.decode()
    )


def action_url(article, action):
    return reverse("reader:article-action", args=[article.pk, action])


# --- Services -----------------------------------------------------------------------------------


def test_read_archive_favourite_services_return_what_changed(alice, bob):
    a, b = make(alice), make(alice)
    theirs = make(bob)
    assert organize.mark_read(user=alice, article_ids=[a.pk, b.pk, theirs.pk]) == sorted([a.pk, b.pk])
    first_read = Article.objects.get(pk=a.pk).read_at
    assert organize.mark_read(user=alice, article_ids=[a.pk]) == []  # already read: keeps the first time
    assert Article.objects.get(pk=a.pk).read_at == first_read
    assert Article.objects.get(pk=theirs.pk).read_at is None  # another person's id is ignored
    assert organize.mark_unread(user=alice, article_ids=[a.pk]) == [a.pk]
    assert organize.archive(user=alice, article_ids=[a.pk, "junk"]) == [a.pk]
    assert organize.unarchive(user=alice, article_ids=[a.pk, b.pk]) == [a.pk]
    assert organize.favourite(user=alice, article_ids=[b.pk]) == [b.pk]
    assert organize.unfavourite(user=alice, article_ids=[a.pk, b.pk]) == [b.pk]


def test_tags_are_per_person_case_insensitive_and_searchable(alice, bob):
    a, b = make(alice, "Budget vote"), make(alice, "Another vote")
    assert organize.add_tags(user=alice, article_ids=[a.pk], names="Politics, to read ,politics") == [a.pk]
    assert organize.add_tags(user=alice, article_ids=[a.pk, b.pk], names=["POLITICS"]) == [b.pk]
    assert sorted(Tag.objects.filter(owner=alice).values_list("name", flat=True)) == ["Politics", "to read"]
    organize.add_tags(user=bob, article_ids=[a.pk], names="mine")  # not bob's article: nothing happens
    assert not Tag.objects.filter(owner=bob).exists()
    # tag names are indexed for search as soon as they are set
    assert [h.article.pk for h in search(alice, "politics").hits] == sorted([a.pk, b.pk], reverse=True)
    assert organize.remove_tags(user=alice, article_ids=[a.pk], names="to read") == [a.pk]
    assert not Tag.objects.filter(owner=alice, name="to read").exists()  # left on no article: gone
    organize.remove_tags(user=alice, article_ids=[a.pk], names="politics")
    assert [h.article.pk for h in search(alice, "politics").hits] == [b.pk]


def test_delete_restore_resave_and_purge(alice):
    a = make(alice, "Deleted story")
    assert organize.delete_articles(user=alice, article_ids=[a.pk]) == [a.pk]
    assert not Article.objects.for_user(alice).exists()
    assert search(alice, "deleted").hits == []
    assert organize.restore_articles(user=alice, article_ids=[a.pk]) == [a.pk]
    assert [h.article.pk for h in search(alice, "deleted").hits] == [a.pk]

    # deleted, then the same link saved again: the new save wins and the undo leaves the old one deleted
    organize.delete_articles(user=alice, article_ids=[a.pk])
    again = save_urls(user=alice, text=a.url).created
    assert len(again) == 1
    assert organize.restore_articles(user=alice, article_ids=[a.pk]) == []

    # purged for good once the undo period is over, on the next delete
    Article.objects.filter(pk=a.pk).update(deleted_at=timezone.now() - timedelta(seconds=organize.purge_after() + 1))
    organize.delete_articles(user=alice, article_ids=[again[0].pk])
    assert not Article.objects.filter(pk=a.pk).exists()
    assert Article.objects.filter(pk=again[0].pk).exists()  # just deleted: still there for undo
    assert organize.purge_deleted(older_than=0) == 1
    assert not Article.objects.filter(owner=alice).exists()


def test_reader_look_is_saved_and_clamped(alice):
    prefs = set_reader_look(user=alice, theme="sepia", font="sans", font_size="99")
    assert (prefs.theme, prefs.font, prefs.font_size) == ("sepia", "sans", 28)
    prefs = set_reader_look(user=alice, theme="neon", font_size="x")  # unknown values change nothing
    assert (prefs.theme, prefs.font_size) == ("sepia", 28)


# --- Views and filters --------------------------------------------------------------------------


def test_views_filters_and_counts(client, alice, bob):
    unread = make(alice, "Unread one", language="de", site="www.zeit.example.de")
    read = make(alice, "Read one", read_at=timezone.now())
    archived = make(alice, "Archived one", archived_at=timezone.now(), favourite=True)
    pending = make(alice, "Pending one", status=Article.Status.FETCHING, summary=False)
    failed = make(alice, "Failed one", status=Article.Status.FAILED, error="Gone (HTTP 404).")
    bobs = make(bob, "Not mine")
    organize.add_tags(user=alice, article_ids=[unread.pk, archived.pk], names="later")
    organize.add_tags(user=bob, article_ids=[bobs.pk], names="later")

    assert set(titles(client.get("/"))) == {"Unread one", "Pending one", "Failed one"}  # unread, not archived
    assert titles(client.get("/", {"show": "archived"})) == ["Archived one"]
    assert titles(client.get("/", {"show": "favourites"})) == ["Archived one"]
    assert titles(client.get("/", {"show": "pending"})) == ["Pending one"]
    assert titles(client.get("/", {"show": "failed"})) == ["Failed one"]
    assert len(titles(client.get("/", {"show": "all"}))) == 5
    assert set(titles(client.get("/", {"show": "all", "tag": "LATER"}))) == {"Unread one", "Archived one"}
    assert titles(client.get("/", {"site": "zeit.example.de"})) == ["Unread one"]  # subdomains too
    row_meta = client.get("/").content.decode()
    assert 'href="/?site=www.zeit.example.de"' in row_meta and 'href="/?lang=de"' in row_meta  # one click
    assert titles(client.get("/", {"site": "https://WWW.Zeit.example.de/x"})) == ["Unread one"]  # as stored
    assert titles(client.get("/", {"site": "example.de"})) == ["Unread one"]
    assert titles(client.get("/", {"site": "eit.example.de"})) == []  # whole labels only
    assert titles(client.get("/", {"show": "all", "tag": "nosuch"})) == []
    assert selectors.view_counts(alice, selectors.list_filters({"tag": "nosuch"}))["all"] == 0
    assert titles(client.get("/", {"lang": "de", "show": "all"})) == ["Unread one"]
    assert read.title not in titles(client.get("/", {"show": "nonsense"}))  # unknown: the default view

    counts = selectors.view_counts(alice, selectors.list_filters({}))
    assert counts == {"unread": 3, "archived": 1, "favourites": 1, "pending": 1, "failed": 1, "all": 5}
    page = client.get("/", {"tag": "later"}).content.decode()
    # the view links keep the tag and show the counts within it
    assert re.search(r'href="/\?show=archived&amp;tag=later">Archive <span class="count">1</span>', page)
    assert 'href="/?show=all&amp;tag=later">All <span class="count">2</span>' in page
    assert pending.pk and failed.pk


def test_poll_keeps_working_in_every_view(client, alice):
    make(alice, "Pending one", status=Article.Status.QUEUED, summary=False, favourite=True)
    for show in ("unread", "favourites", "pending", "all"):
        page = client.get("/", {"show": show}).content.decode()
        assert 'hx-get="/articles/updates/"' in page and 'class="pending-id"' in page, show
    page = client.get("/", {"q": "pending"}).content.decode()
    assert 'hx-get="/articles/updates/"' in page


def test_sort_and_keyset_pagination_for_both_sorts(client, alice, settings):
    settings.DIGEST_PAGE_SIZE = 4
    now = timezone.now()
    made = []
    for i in range(11):
        published = None if i % 4 == 0 else now - timedelta(days=i % 3)  # ties and undated ones
        made.append(make(alice, f"Story {i:02d}", published_at=published, index=False))
    # same saved time for a few: the id breaks the tie
    Article.objects.filter(pk__in=[made[3].pk, made[4].pk, made[5].pk]).update(created_at=now)
    for sort in ("saved", "published"):
        seen, params = [], {"sort": sort}
        for _ in range(10):
            response = client.get("/", params)
            seen += titles(response)
            match = re.search(r'rel="next" href="\?([^"]+)"', response.content.decode())
            if not match:
                break
            params = dict(pair.split("=", 1) for pair in match.group(1).replace("&amp;", "&").split("&"))
            assert params.get("sort", "saved") == sort
        expected = selectors.ordered(Article.objects.for_user(alice), sort)
        assert seen == [a.title for a in expected], sort
    # published: newest first, undated last
    by_published = list(selectors.ordered(Article.objects.for_user(alice), "published"))
    assert by_published[-1].published_at is None and by_published[0].published_at is not None


def test_list_page_query_count_does_not_grow(client, alice, django_assert_max_num_queries):
    def fill(n):
        for i in range(n):
            published = timezone.now() - timedelta(days=i) if i % 2 else None  # dated and undated
            article = make(alice, f"Story {i}", index=False, published_at=published)
            organize.add_tags(user=alice, article_ids=[article.pk], names=[f"tag{i % 7}", "news"])
            Summary.objects.create(article=article, algorithm="luhn", sentence_count=2, status="ready", sentences=[])

    pages = [{"show": "all"}, {"show": "all", "tag": "news", "sort": "published"}, {}]
    fill(3)
    counts = []
    for params in pages:
        # session, user, preferences, the tag's id (with ?tag=), view counts, tag list, articles (dated
        # and undated when sorted by date published), their tags, their summaries, the feed token (for the
        # page's <link rel="alternate"> to its feed)
        with django_assert_max_num_queries(11) as few:
            client.get("/", params)
        counts.append(len(few))
    fill(40)
    for params, count in zip(pages, counts, strict=True):
        with django_assert_max_num_queries(count):
            assert client.get("/", params).status_code == 200


def test_search_page_query_count_does_not_grow(client, alice, django_assert_max_num_queries):
    for i in range(3):
        organize.add_tags(user=alice, article_ids=[make(alice, f"Flood {i}").pk], names="weather")
    with django_assert_max_num_queries(12) as few:
        assert len(titles(client.get("/", {"q": "flood tag:weather"}))) == 3
    for i in range(35):
        organize.add_tags(user=alice, article_ids=[make(alice, f"Flood {i}").pk], names=["weather", f"t{i}"])
    with django_assert_max_num_queries(len(few)):
        page = client.get("/", {"q": "flood tag:weather"})
        assert len(titles(page)) == 30
    # the views narrow the results there: links without the list's counts, which are not result counts
    body = page.content.decode()
    assert re.search(r'href="/\?q=flood\+tag%3Aweather&amp;show=archived">Archive</a>', body)
    assert 'class="count"' not in body and 'class="count"' in client.get("/").content.decode()


# --- Search on the list page ----------------------------------------------------------------------


def test_search_results_are_ranked_highlighted_and_escaped(client, alice):
    make(alice, "Valley <b>news</b>", text="Notes.\nThe <script>alert(1)</script> rain flooded the valley road.")
    make(alice, "Something else", text="Nothing here about it.\nJust a story about bread.")
    page = client.get("/", {"q": "flooded"}).content.decode()
    assert "<mark>flooded</mark>" in page  # the snippet's own marks are kept
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page  # the rest is escaped
    assert "Valley &lt;b&gt;news&lt;/b&gt;" in page
    assert "1 result for “flooded”" in page
    # the view links keep the query; the search form is a plain GET form
    assert 'href="/?q=flooded&amp;show=unread"' in page
    assert re.search(r'<form id="search" class="search" method="get" action="/"', page)
    assert 'hx-trigger="input changed delay:300ms, search"' in page


def test_search_combines_with_views_and_box_filters(client, alice):
    a = make(alice, "Flood A", favourite=True)
    make(alice, "Flood B", archived_at=timezone.now())
    assert titles(client.get("/", {"q": "flood is:favourite"})) == [a.title]
    assert sorted(titles(client.get("/", {"q": "flood"}))) == ["Flood A", "Flood B"]  # all articles
    assert titles(client.get("/", {"q": "flood", "show": "archived"})) == ["Flood B"]
    assert titles(client.get("/", {"q": "flood", "show": "favourites"})) == ["Flood A"]


def test_search_as_you_type_gets_only_the_list_region(client, alice):
    make(alice, "Flood A")
    response = client.get("/", {"q": "flo"}, HTTP_HX_TARGET="list-region", **HTMX)
    body = response.content.decode()
    assert body.startswith('<div id="list-region"') and "<html" not in body
    assert "Flood A" in body and "<mark>" in body
    assert "HX-Request" in response["Vary"]


# --- Actions from the list and the article page -------------------------------------------------


def test_row_actions_without_javascript_redirect_back_with_undo(client, alice):
    a = make(alice, "To archive")
    page = client.get("/").content.decode()
    assert f'formaction="{action_url(a, "archive")}"' in page  # plain forms: a button per action
    response = client.post(action_url(a, "archive"), {"next": "/?sort=published"})
    assert response.status_code == 302 and response["Location"] == "/?sort=published"
    assert Article.objects.get(pk=a.pk).archived_at is not None
    page = client.get(response["Location"]).content.decode()
    assert "Archived “To archive”." in page and 'name="action" value="unarchive"' in page and "Undo" in page
    assert "Archived “To archive”." not in client.get("/").content.decode()  # shown once
    client.post(reverse("reader:article-bulk"), {"action": "unarchive", "ids": [a.pk], "next": "/"})
    assert Article.objects.get(pk=a.pk).archived_at is None
    # a next outside the site is not followed
    response = client.post(action_url(a, "favourite"), {"next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_row_actions_with_htmx(client, alice):
    a = make(alice, "A story")
    # favourite: the action bar comes back, the row stays (it still belongs in the list)
    response = client.post(action_url(a, "favourite"), {"next": "/"}, HTTP_HX_TARGET=f"article-{a.pk}-actions", **HTMX)
    body = response.content.decode()
    assert body.startswith(f'<div id="article-{a.pk}-actions"') and 'aria-pressed="true"' in body
    assert "HX-Retarget" not in response
    # archive from the unread list: the row turns into an undo notice in place
    response = client.post(action_url(a, "archive"), {"next": "/"}, HTTP_HX_TARGET=f"article-{a.pk}-actions", **HTMX)
    assert response["HX-Retarget"] == f"#article-{a.pk}" and response["HX-Reswap"] == "outerHTML"
    body = response.content.decode()
    assert 'class="row gone"' in body and "Archived “A story”." in body and 'value="unarchive"' in body
    # undo from that notice gives the row back
    response = client.post(
        reverse("reader:article-bulk"),
        {"action": "unarchive", "ids": [a.pk], "next": "/"},
        HTTP_HX_TARGET=f"article-{a.pk}",
        **HTMX,
    )
    body = response.content.decode()
    assert body.startswith(f'<article id="article-{a.pk}" class="row') and "gone" not in body.split(">")[0]
    # archive from the archive view's "all" list: it stays, so no notice
    response = client.post(
        action_url(a, "archive"), {"next": "/?show=all"}, HTTP_HX_TARGET=f"article-{a.pk}-actions", **HTMX
    )
    assert "HX-Retarget" not in response and "Unarchive" in response.content.decode()


def test_tags_inline_with_htmx_and_tag_pages(client, alice):
    a = make(alice, "Tagged story")
    response = client.post(
        action_url(a, "tag"), {"tags": "Rivers, weather", "next": "/"}, HTTP_HX_TARGET=f"article-{a.pk}-tags", **HTMX
    )
    body = response.content.decode()
    assert body.startswith(f'<div id="article-{a.pk}-tags"')
    assert 'href="/?tag=Rivers">#Rivers</a>' in body and "#weather" in body
    assert titles(client.get("/", {"tag": "rivers"})) == ["Tagged story"]
    response = client.post(
        action_url(a, "untag"), {"tags": "Rivers", "next": "/"}, HTTP_HX_TARGET=f"article-{a.pk}-tags", **HTMX
    )
    assert "#Rivers" not in response.content.decode() and "#weather" in response.content.decode()
    assert titles(client.get("/", {"tag": "rivers"})) == []


def test_tag_suggestions_and_tag_links_follow_inline_tagging(client, alice):
    a = make(alice, "Tagged story")
    datalist = re.compile(r'<datalist id="tag-names"[^>]*>(.*?)</datalist>', re.S)
    on_list, on_page = (datalist.search(client.get(url).content.decode()) for url in ("/", f"/articles/{a.pk}/"))
    assert on_list is not None and on_page is not None
    assert on_list.group(1) == ""
    assert on_page.group(1) == ""

    # a new tag is offered at once on the page the person is on, and linked in the list's tag links
    body = client.post(
        action_url(a, "tag"),
        {"tags": "Rivers", "next": "/"},
        HTTP_HX_TARGET=f"article-{a.pk}-tags",
        HTTP_HX_CURRENT_URL="http://testserver/",
        **HTMX,
    ).content.decode()
    assert '<datalist id="tag-names" hx-swap-oob="true"><option value="Rivers"></datalist>' in body
    assert re.search(
        r'<nav id="tag-list" class="tag-list" aria-label="Tags" hx-swap-oob="true">'
        r'<a href="/\?tag=Rivers">#Rivers</a></nav>',
        body,
    )
    # on the article page the suggestions change; there are no tag links there to refresh
    body = client.post(
        action_url(a, "untag"),
        {"tags": "Rivers", "next": f"/articles/{a.pk}/"},
        HTTP_HX_TARGET=f"article-{a.pk}-tags",
        **HTMX,
    ).content.decode()
    assert '<datalist id="tag-names" hx-swap-oob="true"></datalist>' in body and 'id="tag-list"' not in body
    # favouriting cannot change the tags: no extra swap
    body = client.post(
        action_url(a, "favourite"), {"next": "/"}, HTTP_HX_TARGET=f"article-{a.pk}-actions", **HTMX
    ).content.decode()
    assert "tag-names" not in body
    # bulk tagging re-renders the list region with its tag links, plus the suggestions
    body = client.post(
        reverse("reader:article-bulk"),
        {"action": "tag", "tags": "weather", "ids": [a.pk], "next": "/?show=all"},
        HTTP_HX_TARGET="list-region",
        **HTMX,
    ).content.decode()
    assert '<a href="/?tag=weather">#weather</a>' in body
    assert '<datalist id="tag-names" hx-swap-oob="true"><option value="weather"></datalist>' in body
    assert '<option value="weather">' in client.get(f"/articles/{a.pk}/").content.decode()


def test_delete_with_undo_and_from_the_article_page(client, alice):
    a, b = make(alice, "First"), make(alice, "Second")
    response = client.post(action_url(a, "delete"), {"next": "/"}, HTTP_HX_TARGET=f"article-{a.pk}-actions", **HTMX)
    assert "Deleted “First”." in response.content.decode() and 'value="restore"' in response.content.decode()
    assert client.get(reverse("reader:article-detail", args=[a.pk])).status_code == 404
    client.post(reverse("reader:article-bulk"), {"action": "restore", "ids": [a.pk], "next": "/"})
    assert client.get(reverse("reader:article-detail", args=[a.pk])).status_code == 200
    # deleting on the article page goes back to the list, with the undo there
    detail = reverse("reader:article-detail", args=[b.pk])
    response = client.post(action_url(b, "delete"), {"next": detail})
    assert response["Location"] == "/"
    assert "Deleted “Second”." in client.get("/").content.decode()


def test_bulk_actions(client, alice, bob):
    rows = [make(alice, f"Bulk {i}") for i in range(3)]
    theirs = make(bob, "Theirs")
    ids = [rows[0].pk, rows[1].pk, theirs.pk]
    bulk = reverse("reader:article-bulk")
    response = client.post(bulk, {"action": "read", "ids": ids, "next": "/"})
    assert response.status_code == 302
    assert Article.objects.filter(read_at__isnull=False).count() == 2  # bob's is not touched
    client.post(bulk, {"action": "unread", "ids": ids, "next": "/"})
    client.post(bulk, {"action": "favourite", "ids": ids, "next": "/"})
    assert Article.objects.filter(favourite=True).count() == 2
    client.post(bulk, {"action": "tag", "ids": ids, "tags": "batch", "next": "/"})
    assert Article.objects.filter(tags__name="batch").count() == 2
    # with htmx, the list region of the page comes back with the undo notice
    response = client.post(bulk, {"action": "archive", "ids": ids, "next": "/"}, HTTP_HX_TARGET="list-region", **HTMX)
    body = response.content.decode()
    assert body.startswith('<div id="list-region"') and "Archived 2 articles." in body
    assert titles(response) == ["Bulk 2"]
    response = client.post(
        bulk, {"action": "delete", "ids": [rows[2].pk], "next": "/"}, HTTP_HX_TARGET="list-region", **HTMX
    )
    assert "Deleted 1 article." in response.content.decode() and titles(response) == []
    assert Article.objects.for_user(alice).count() == 2
    # nothing selected, or no action: a message, nothing done
    response = client.post(bulk, {"action": "delete", "next": "/"}, follow=True)
    assert "Select some articles first." in response.content.decode()
    assert client.post(bulk, {"action": "explode", "ids": ids}).status_code == 302


def test_another_persons_article_cannot_be_organized(client, alice, bob):
    theirs = make(bob)
    for action in ("read", "archive", "favourite", "delete", "tag"):
        assert client.post(action_url(theirs, action), {"tags": "x"}).status_code == 404
    assert client.post(reverse("reader:article-action", args=[make(alice).pk, "explode"])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None and theirs.archived_at is None and theirs.deleted_at is None


def test_opening_the_full_text_marks_read_and_a_toggle_undoes_it(client, alice):
    a, b = make(alice, "Opened"), make(alice, "Toggled in the list")
    detail = reverse("reader:article-detail", args=[b.pk])
    client.get(detail, {"view": "summary", "compact": "1"}, **HTMX)  # the summary in a row: still unread
    assert Article.objects.get(pk=b.pk).read_at is None
    body = client.get(
        detail, {"view": "full", "compact": "1"}, HTTP_HX_CURRENT_URL="http://testserver/", **HTMX
    ).content.decode()
    assert Article.objects.get(pk=b.pk).read_at is not None
    assert f'id="article-{b.pk}-actions" class="actions" hx-swap-oob="true"' in body and "Mark unread" in body
    # the list's counts follow at once: one article fewer unread
    assert re.search(
        r'id="list-head" class="list-head" hx-swap-oob="true".*?Unread <span class="count">1</span>', body, re.S
    )

    page = client.get(reverse("reader:article-detail", args=[a.pk])).content.decode()
    assert Article.objects.get(pk=a.pk).read_at is not None
    assert "Mark unread" in page
    client.post(action_url(a, "unread"), {"next": "/"})
    assert Article.objects.get(pk=a.pk).read_at is None
    assert "Opened" in titles(client.get("/"))


def test_article_page_fragment_or_whole_page(client, alice):
    """The view and summary choice are pushed into the address by htmx; Back to such an address,
    when htmx has no copy, asks for it with HX-History-Restore-Request and must get the whole page."""
    a = make(alice, "Chosen summary")
    detail = reverse("reader:article-detail", args=[a.pk])
    fragment = client.get(detail, {"view": "full"}, **HTMX)
    assert fragment.content.decode().startswith(f'<div id="article-{a.pk}-body"')
    assert "HX-Request" in fragment["Vary"]
    restored = client.get(detail, {"view": "full"}, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)
    page = restored.content.decode()
    assert "<html" in page and "<h1>Chosen summary</h1>" in page and 'class="full-text"' in page
    summary = client.get(detail, {"view": "summary"}).content.decode()
    assert 'hx-trigger="change" hx-push-url="true"' in summary
    row = client.get(detail, {"view": "summary", "compact": "1"}, **HTMX).content.decode()
    assert "hx-push-url" not in row  # a row in the list never changes the list's address


def test_reader_page_has_quick_controls_that_save(client, alice):
    a = make(
        alice,
        "Reader view",
        top_image="https://img.example.com/a.jpg",
        authors=["Sam Writer"],
        published_at=timezone.now(),
    )
    LeadImage.objects.create(article=a, url=a.top_image, content_type="image/jpeg", body=b"\xff\xd8\xff", size=3)
    page = client.get(reverse("reader:article-detail", args=[a.pk])).content.decode()
    # Digest's own copy of the lead image, never the publisher's address (tests/test_lead_images.py).
    assert f'class="lead-image" src="/articles/{a.pk}/image"' in page and "img.example.com" not in page
    assert "by Sam Writer" in page and "min read" in page and "Original:" in page
    assert 'name="theme" value="system" checked' in page and 'name="font_size" value="20"' in page
    response = client.post(reverse("reader:reader-look"), {"theme": "dark", "font": "sans"}, **HTMX)
    assert '"digest:look": {"theme": "dark", "font": "sans", "size": 18}' in response["HX-Trigger"]
    assert 'name="theme" value="dark" checked' in response.content.decode()
    response = client.post(reverse("reader:reader-look"), {"font_size": "22", "next": f"/articles/{a.pk}/"})
    assert response["Location"] == f"/articles/{a.pk}/"
    prefs = ReaderPreferences.objects.get(user=alice)
    assert (prefs.theme, prefs.font, prefs.font_size) == ("dark", "sans", 22)
    page = client.get(reverse("reader:article-detail", args=[a.pk])).content.decode()
    assert 'data-theme="dark" data-font="sans" data-size="22"' in page


def test_saving_a_saved_link_jumps_to_it_and_a_deleted_link_saves_again(client, alice):
    a = make(alice, "Saved before")
    response = client.post("/articles/", {"urls": a.url}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("reader:article-detail", args=[a.pk])
    assert f'Already saved: <a href="/articles/{a.pk}/">Saved before</a>' in response.content.decode()
    body = client.post("/articles/", {"urls": a.url}, **HTMX).content.decode()
    assert f'Already saved: <a href="/articles/{a.pk}/">Saved before</a>' in body
    organize.delete_articles(user=alice, article_ids=[a.pk])
    client.post("/articles/", {"urls": a.url})
    assert Article.objects.for_user(alice).filter(canonical_url=a.canonical_url).exclude(pk=a.pk).count() == 1


def test_counts_follow_saves_and_the_poll(client, alice):
    pending = make(alice, "Pending one", status=Article.Status.FETCHING, summary=False)
    response = client.get(
        reverse("reader:article-updates"),
        {"seen": [f"{pending.pk}:queued"]},
        HTTP_HX_CURRENT_URL="http://testserver/?show=pending",
        **HTMX,
    )
    body = response.content.decode()
    assert '<div id="list-head" class="list-head" hx-swap-oob="true">' in body
    assert 'href="/?show=pending" aria-current="page">Pending <span class="count">1</span>' in body
    body = client.post(
        "/articles/", {"urls": "https://new.example.com/a"}, HTTP_HX_CURRENT_URL="http://testserver/", **HTMX
    ).content.decode()
    assert (
        'id="list-head" class="list-head" hx-swap-oob="true"' in body and 'Pending <span class="count">2</span>' in body
    )


def test_undo_in_a_row_that_cannot_come_back_empties_it(client, alice):
    a = make(alice, "Deleted then saved again")
    organize.delete_articles(user=alice, article_ids=[a.pk])
    save_urls(user=alice, text=a.url)
    response = client.post(
        reverse("reader:article-bulk"),
        {"action": "restore", "ids": [a.pk], "next": "/"},
        HTTP_HX_TARGET=f"article-{a.pk}",
        **HTMX,
    )
    assert response.status_code == 200 and response.content == b""


def test_row_actions_refresh_the_view_counts(client, alice):
    a = make(alice, "Counted")
    response = client.post(
        action_url(a, "archive"),
        {"next": "/"},
        HTTP_HX_TARGET=f"article-{a.pk}-actions",
        HTTP_HX_CURRENT_URL="http://testserver/",
        **HTMX,
    )
    body = response.content.decode()
    assert 'id="list-head" class="list-head" hx-swap-oob="true"' in body
    assert 'Archive <span class="count">1</span>' in body and 'Unread <span class="count">0</span>' in body


def test_favouriting_a_row_already_read_keeps_it_in_view(client, alice):
    # Opening the full text in the Unread view marks the row read but leaves it on screen; a
    # favourite on it next must not make it vanish as if favouriting had removed it.
    a = make(alice, "Read in place")
    client.get(reverse("reader:article-detail", args=[a.pk]), {"view": "full"}, **HTMX)
    assert Article.objects.get(pk=a.pk).read_at is not None
    response = client.post(action_url(a, "favourite"), {"next": "/"}, HTTP_HX_TARGET=f"article-{a.pk}-actions", **HTMX)
    assert "HX-Retarget" not in response
    assert response.content.decode().startswith(f'<div id="article-{a.pk}-actions"')
    # nor does taking the favourite back, here; in the Favourites view it does leave
    response = client.post(
        action_url(a, "unfavourite"), {"next": "/"}, HTTP_HX_TARGET=f"article-{a.pk}-actions", **HTMX
    )
    assert "HX-Retarget" not in response
    client.post(action_url(a, "favourite"), {"next": "/"}, **HTMX)
    response = client.post(
        action_url(a, "unfavourite"), {"next": "/?show=favourites"}, HTTP_HX_TARGET=f"article-{a.pk}-actions", **HTMX
    )
    assert response["HX-Retarget"] == f"#article-{a.pk}"
    # an action that takes it out of the view does remove it, with undo
    response = client.post(action_url(a, "archive"), {"next": "/"}, HTTP_HX_TARGET=f"article-{a.pk}-actions", **HTMX)
    assert response["HX-Retarget"] == f"#article-{a.pk}"
