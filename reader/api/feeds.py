"""A person's reading list as Atom feeds and as an OPDS catalog, at addresses holding their feed token.

The XML is written by Django's syndication framework (``django.contrib.syndication``, ``Atom1Feed``);
this module only says what goes in. The token is the person's ``PersonalToken`` of kind ``FEEDS``
(Preferences → Feeds); an unknown or revoked one answers 404, as does an article that is not theirs.

- ``/feeds/<token>/atom/?show=&tag=&site=&lang=&sort=&q=``: the list page's view, filters or search (the
  same query string as ``/``), newest first, ``DIGEST_FEED_SIZE`` entries. Each entry links to the
  article's page on its site (``rel="alternate"``) and to Digest's (``rel="via"``); its content is
  Digest's summary.
- ``/opds/<token>/``: an OPDS 1.2 catalog (Atom too) for e-reader apps such as KOReader: the views and the
  tags as shelves, OpenSearch for the search box, each article with an EPUB link
  (``/opds/<token>/entries/<id>.epub``, made by ``reader.transfer.exporters.article_epub``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from reader import api_selectors, selectors
from reader.models import Article, PersonalToken
from reader.search import search
from reader.transfer.exporters import article_epub
from reader.transfer.exporters.article import attachment, slug

OPDS_NAVIGATION = "application/atom+xml;profile=opds-catalog;kind=navigation"
OPDS_ACQUISITION = "application/atom+xml;profile=opds-catalog;kind=acquisition"
# The shelves of the OPDS catalog, in the list page's names.
OPDS_SHELVES = ("unread", "favourites", "archived", "all")


def feed_owner(token: str):
    """The person whose feed token is ``token``; ``Http404`` for an unknown or revoked one."""
    user = api_selectors.token_owner(token, PersonalToken.Kind.FEEDS)
    if user is None:
        raise Http404("No such feed.")
    return user


def feed_articles(user, filters: selectors.ListFilters, size: int) -> list[Article]:
    """The newest ``size`` articles of the list ``filters`` describes (its search when it has one), with
    their tags and the summary the person sees. Articles still being saved are left out: a feed reader
    keeps the first version of an entry it sees."""
    if filters.q:
        hits = search(user, filters.search_query, limit=size * 2).hits
        rows = [h.article for h in hits if not h.article.is_pending][:size]
    else:
        qs = selectors.list_queryset(user, filters).exclude(status__in=Article.PENDING_STATUSES).defer("text")
        rows = list(selectors.ordered(qs, filters.sort)[:size])
    selectors.prefetch_tags(rows)
    selectors.attach_summaries(user, rows)
    return rows


def feed_title(filters: selectors.ListFilters) -> str:
    """What a feed of ``filters`` is called: "Digest: Unread", "Digest: tag python", "Digest: search x"."""
    parts = [selectors.SHOW_LABELS[filters.show]] if not filters.q or filters.show_given else []
    parts += [f"{name} {value}" for name, value in (("tag", filters.tag), ("site", filters.site)) if value]
    if filters.q:
        parts.append(f"search “{filters.q}”")
    return "Digest: " + ", ".join(parts)


def summary_html(article: Article) -> str:
    """An entry's content: the summary as a list (or the article's first lines when it has none) and a
    link to the whole text on Digest's page is added by the feed readers from ``rel="via"``."""
    summary = getattr(article, "summary", None)
    sentences = summary.sentence_texts if summary is not None else []
    if sentences:
        return "<ul>" + "".join(f"<li>{escape(s)}</li>" for s in sentences) + "</ul>"
    if article.status == Article.Status.FAILED:
        return f"<p>{escape(article.error or 'This page could not be saved.')}</p>"
    return "<p>No summary yet.</p>"


@dataclass
class FeedItem:
    """One entry of a feed: the ``article``, its page on Digest (``page``, absolute) and its extra
    ``<link>`` attributes (``links``). Built per request: a ``Feed`` instance serves every request and
    thread, so it keeps no request of its own."""

    article: Article
    page: str
    links: list[dict[str, str]] = field(default_factory=list)


class DigestAtom(Atom1Feed):
    """Atom with each entry's ``content`` (HTML) and extra ``link`` elements (``links``: attribute dicts),
    and extra feed-level links (``root_links``)."""

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        for attrs in self.feed.get("root_links", []):
            handler.addQuickElement("link", "", attrs)

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content", item["content_html"], {"type": "html"})
        for attrs in item.get("links", []):
            handler.addQuickElement("link", "", attrs)


class OpdsAcquisition(DigestAtom):
    content_type = OPDS_ACQUISITION + ";charset=utf-8"


class OpdsNavigation(DigestAtom):
    content_type = OPDS_NAVIGATION + ";charset=utf-8"


class ListFeed(Feed):
    """``/feeds/<token>/atom/``: see the module. ``obj`` is (request, user, filters)."""

    feed_type = DigestAtom
    item_guid_is_permalink = False

    def get_object(self, request, token):
        return request, feed_owner(token), selectors.list_filters(request.GET)

    def title(self, obj) -> str:
        return feed_title(obj[2])

    def link(self, obj) -> str:
        request, _, filters = obj
        query = filters.params()
        return request.build_absolute_uri(reverse("reader:index") + (f"?{query}" if query else ""))

    def feed_url(self, obj) -> str:
        return obj[0].build_absolute_uri()

    def author_name(self, obj) -> str:
        return obj[1].get_username()

    def items(self, obj) -> list[FeedItem]:
        request, user, filters = obj
        return [
            FeedItem(article, request.build_absolute_uri(reverse("reader:article-detail", args=[article.pk])))
            for article in feed_articles(user, filters, settings.DIGEST_FEED_SIZE)
        ]

    def item_title(self, item: FeedItem) -> str:
        return item.article.display_title

    def item_link(self, item: FeedItem) -> str:
        return item.article.final_url or item.article.url

    def item_guid(self, item: FeedItem) -> str:
        return item.page

    def item_description(self, item: FeedItem) -> str | None:  # type: ignore[override]  # None: no <summary>
        return None

    def item_pubdate(self, item: FeedItem) -> datetime:
        return item.article.created_at

    def item_updateddate(self, item: FeedItem) -> datetime:
        article = item.article
        return max(article.updated_at, article.status_changed_at or article.updated_at)

    def item_author_name(self, item: FeedItem) -> str | None:
        return ", ".join(item.article.authors) or None

    def item_categories(self, item: FeedItem) -> list[str]:
        return [t.name for t in item.article.tags.all()]

    def item_extra_kwargs(self, item: FeedItem) -> dict:
        return {
            "content_html": summary_html(item.article),
            "links": [{"rel": "via", "type": "text/html", "href": item.page}, *item.links],
        }


class OpdsList(ListFeed):
    """``/opds/<token>/list/``: a shelf (view, tag or search) as an OPDS acquisition feed, each book with
    its EPUB link."""

    feed_type = OpdsAcquisition

    def feed_extra_kwargs(self, obj) -> dict:
        request = obj[0]
        return {"root_links": opds_root_links(request, request.resolver_match.kwargs["token"])}

    def items(self, obj) -> list[FeedItem]:
        request = obj[0]
        token = request.resolver_match.kwargs["token"]
        rows = super().items(obj)
        for item in rows:
            epub = request.build_absolute_uri(reverse("opds-epub", args=[token, item.article.pk]))
            item.links.append({"rel": "http://opds-spec.org/acquisition", "type": "application/epub+zip", "href": epub})
        return rows


def opds_root_links(request: HttpRequest, token: str) -> list[dict]:
    """The links every OPDS feed carries: the catalog's start and its OpenSearch description."""
    return [
        {
            "rel": "start",
            "type": OPDS_NAVIGATION,
            "href": request.build_absolute_uri(reverse("opds-root", args=[token])),
        },
        {
            "rel": "search",
            "type": "application/opensearchdescription+xml",
            "href": request.build_absolute_uri(reverse("opds-search", args=[token])),
        },
    ]


class OpdsRoot(Feed):
    """``/opds/<token>/``: the catalog's start, a navigation feed of shelves: the views, then each tag."""

    feed_type = OpdsNavigation
    title = "Digest"
    item_guid_is_permalink = False

    def get_object(self, request, token):
        return request, feed_owner(token), token

    def link(self, obj) -> str:
        return obj[0].build_absolute_uri(reverse("reader:index"))

    def feed_url(self, obj) -> str:
        return obj[0].build_absolute_uri()

    def author_name(self, obj) -> str:
        return obj[1].get_username()

    def feed_extra_kwargs(self, obj) -> dict:
        request, _, token = obj
        return {"root_links": opds_root_links(request, token)}

    def items(self, obj) -> list[dict[str, Any]]:
        request, user, token = obj
        base = request.build_absolute_uri(reverse("opds-list", args=[token]))
        queries: list[tuple[str, dict[str, str]]] = [
            (selectors.SHOW_LABELS[show], {"show": show}) for show in OPDS_SHELVES
        ]
        queries += [(f"Tag: {tag.name}", {"show": "all", "tag": tag.name}) for tag in selectors.tags_of(user)]
        now = timezone.now()
        return [{"title": title, "href": f"{base}?{urlencode(query)}", "updated": now} for title, query in queries]

    def item_title(self, item: dict) -> str:
        return item["title"]

    def item_link(self, item: dict) -> str:
        return item["href"]

    def item_guid(self, item: dict) -> str:
        return item["href"]

    def item_description(self, item: dict) -> str | None:  # type: ignore[override]  # None: no <summary>
        return None

    def item_updateddate(self, item: dict) -> datetime:
        return item["updated"]

    def item_extra_kwargs(self, item: dict) -> dict:
        return {"links": [{"rel": "subsection", "type": OPDS_ACQUISITION, "href": item["href"]}]}


def opds_search(request: HttpRequest, token: str) -> HttpResponse:
    """``/opds/<token>/search.xml``: the OpenSearch description of the catalog's search (the list's)."""
    feed_owner(token)
    template = request.build_absolute_uri(reverse("opds-list", args=[token])) + "?q={searchTerms}"
    response = render(request, "reader/opensearch.xml", {"template": template}, content_type="")
    response["Content-Type"] = "application/opensearchdescription+xml; charset=utf-8"
    return response


def opds_epub(request: HttpRequest, token: str, article_id: int) -> HttpResponse:
    """``/opds/<token>/entries/<id>.epub``: one of the person's articles as an EPUB book; 404 otherwise."""
    user = feed_owner(token)
    article = Article.objects.for_user(user).select_related("owner").filter(pk=article_id).first()
    if article is None:
        raise Http404("No such article.")
    response = HttpResponse(article_epub(article), content_type="application/epub+zip")
    name = f"{slug(article.display_title, f'article-{article.pk}')}.epub"
    response["Content-Disposition"] = attachment(name)
    return response
