"""Feeds of the reading list: Atom for feed readers and an OPDS catalog for e-readers, at addresses with
a secret token that the person can renew or turn off on the Preferences page."""

from __future__ import annotations

import io
import zipfile

import feedparser
import pytest
from django.contrib.auth import get_user_model
from lxml import etree

from reader.models import Article, PersonalToken
from reader.services.access import renew_personal_token, revoke_personal_token
from tests.factories import add_summary, make_article

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def token(alice):
    return renew_personal_token(user=alice, kind=PersonalToken.Kind.FEEDS).token


def parse(response):
    assert response.status_code == 200, response.content
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    return feed


def test_the_unread_feed_is_valid_atom_with_the_summary_as_content(client, alice, token):
    story = make_article(alice, "Ferry news", authors=["Ann Lee"], tags=["boats"], published_at=None)
    add_summary(story, ["First sentence of the story."])
    make_article(alice, "Already read", read_at=story.created_at)
    make_article(alice, "Being saved", status=Article.Status.QUEUED)
    response = client.get(f"/feeds/{token}/atom/")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = parse(response)
    assert feed.feed.title == "Digest: Unread"
    assert [e.title for e in feed.entries] == ["Ferry news"]
    entry = feed.entries[0]
    assert entry.link == story.url
    assert entry.content[0].type == "text/html" and "First sentence of the story." in entry.content[0].value
    assert entry.published_parsed and entry.updated_parsed and entry.author == "Ann Lee"
    assert [t.term for t in entry.tags] == ["boats"]
    via = [link.href for link in entry.links if link.rel == "via"]
    assert via == [f"http://testserver/articles/{story.pk}/"]


def test_a_tag_feed_and_a_search_feed(client, alice, token):
    make_article(alice, "Python tips", tags=["code"], index=True)
    make_article(alice, "Gardening", tags=["home"], index=True)
    tagged = parse(client.get(f"/feeds/{token}/atom/", {"tag": "code"}))
    assert [e.title for e in tagged.entries] == ["Python tips"] and "tag code" in tagged.feed.title
    found = parse(client.get(f"/feeds/{token}/atom/", {"q": "gardening"}))
    assert [e.title for e in found.entries] == ["Gardening"] and "gardening" in found.feed.title


def test_the_feed_shows_only_the_token_owners_articles(client, alice, token):
    other = get_user_model().objects.create_user("olga")
    make_article(other, "Not hers")
    assert parse(client.get(f"/feeds/{token}/atom/")).entries == []


def test_a_renewed_or_revoked_token_gets_404(client, alice, token):
    assert client.get(f"/feeds/{token}/atom/").status_code == 200
    new = renew_personal_token(user=alice, kind=PersonalToken.Kind.FEEDS).token
    assert client.get(f"/feeds/{token}/atom/").status_code == 404
    assert client.get(f"/opds/{token}/").status_code == 404
    revoke_personal_token(user=alice, kind=PersonalToken.Kind.FEEDS)
    assert client.get(f"/feeds/{new}/atom/").status_code == 404
    assert client.get("/feeds/nothing/atom/").status_code == 404


def test_a_save_token_is_no_feed_token(client, alice):
    save = renew_personal_token(user=alice, kind=PersonalToken.Kind.SAVE).token
    assert client.get(f"/feeds/{save}/atom/").status_code == 404


def test_each_list_page_names_its_feed(client, alice, token):
    page = client.get("/", {"tag": "code"}).content.decode()
    link = f'<link rel="alternate" type="application/atom+xml" title="Digest: tag code" href="http://testserver/feeds/{token}/atom/?tag=code">'
    assert link in page
    search = client.get("/", {"q": "ferry"}).content.decode()
    assert f'href="http://testserver/feeds/{token}/atom/?q=ferry"' in search
    revoke_personal_token(user=alice, kind=PersonalToken.Kind.FEEDS)
    assert "application/atom+xml" not in client.get("/").content.decode()


def test_the_opds_catalog_lists_shelves_and_books_with_epub_links(client, alice, token):
    story = make_article(alice, "Ferry news", tags=["boats"], index=True)
    add_summary(story, ["First sentence of the story."])
    root = client.get(f"/opds/{token}/")
    assert root["Content-Type"].startswith("application/atom+xml;profile=opds-catalog;kind=navigation")
    shelves = parse(root)
    assert [e.title for e in shelves.entries] == ["Unread", "Favourites", "Archive", "All", "Tag: boats"]
    xml = etree.fromstring(root.content)
    search = xml.find(f"{ATOM}link[@rel='search']").get("href")
    description = client.get(search)
    assert description["Content-Type"].startswith("application/opensearchdescription+xml")
    template = etree.fromstring(description.content).find("{http://a9.com/-/spec/opensearch/1.1/}Url").get("template")
    assert template.endswith("?q={searchTerms}")

    unread = [e for e in xml.iter(f"{ATOM}entry")][0]
    shelf_href = unread.find(f"{ATOM}link[@rel='subsection']").get("href")
    books = client.get(shelf_href)
    assert books["Content-Type"].startswith("application/atom+xml;profile=opds-catalog;kind=acquisition")
    assert [e.title for e in parse(books).entries] == ["Ferry news"]
    acquisition = etree.fromstring(books.content).find(
        f"{ATOM}entry/{ATOM}link[@rel='http://opds-spec.org/acquisition']"
    )
    assert acquisition.get("type") == "application/epub+zip"
    epub = client.get(acquisition.get("href"))
    assert epub.status_code == 200 and epub["Content-Type"] == "application/epub+zip"
    book = zipfile.ZipFile(io.BytesIO(epub.content))
    assert book.read("mimetype") == b"application/epub+zip"
    found = parse(client.get(template.replace("{searchTerms}", "ferry")))
    assert [e.title for e in found.entries] == ["Ferry news"]


def test_an_epub_of_someone_elses_article_is_404(client, alice, token):
    other = make_article(get_user_model().objects.create_user("olga"), "Not hers")
    assert client.get(f"/opds/{token}/entries/{other.pk}.epub").status_code == 404
