"""Servers that get it wrong, against a real HTTP server on 127.0.0.1: one that wants a browser's
headers, compression labelled but not applied or applied but not labelled, and an article split over
pages (``rel="next"``) fetched and joined through the same checks as its first page."""

from __future__ import annotations

import gzip
import ipaddress

import pytest
from django.contrib.auth import get_user_model

from reader import conf
from reader.extract import next_page_of
from reader.fetch import client
from reader.fetch.client import FetchError
from reader.fetch.multipage import fetch_pages
from reader.models import Article, FetchedPage
from reader.pages.multipart import MULTIPAGE_TYPE
from reader.pipeline import saving, steps
from tests.httpserver import Route
from tests.test_extraction import BODY, page

HTML = {"Content-Type": "text/html; charset=utf-8"}
ARTICLE = page("<title>Late trains</title>", "<article><h1>Late trains</h1>" + BODY + "</article>").encode()


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.DIGEST_PRIVATE_NETWORKS_ALLOWED = [ipaddress.ip_network("127.0.0.0/8")]
    settings.DIGEST_RESOLVE = {}
    settings.DIGEST_FETCH_TOTAL_TIMEOUT = 10.0


def test_a_site_refusing_bots_gets_one_more_request_as_a_browser(http_server) -> None:
    url = http_server.add(
        "/news",
        ARTICLE,
        headers=HTML,
        require_headers={"User-Agent": r"^Mozilla/5\.0 \((?!compatible)", "Accept-Language": r"\S"},
        otherwise={"User-Agent": _route(403), "Accept-Language": _route(500)},
    )
    response = client.fetch(url, conf.fetch_options())
    assert b"Late trains" in response.body
    first, second = http_server.requests
    assert "compatible; Digest" in first.headers["user-agent"] and "Firefox" in second.headers["user-agent"]
    assert first.headers["accept-language"] == conf.fetch_options().accept_language
    assert first.headers["accept"].startswith("text/html")


def test_accept_and_accept_language_come_from_the_settings(http_server, settings) -> None:
    settings.DIGEST_FETCH_ACCEPT_LANGUAGE = "de-CH,de;q=0.9"
    settings.DIGEST_FETCH_ACCEPT = "text/html"
    client.fetch(http_server.add("/a", ARTICLE, headers=HTML), conf.fetch_options())
    assert http_server.requests[0].headers["accept-language"] == "de-CH,de;q=0.9"
    assert http_server.requests[0].headers["accept"] == "text/html"


def test_without_a_browser_user_agent_a_refusal_stays_a_refusal(http_server, settings) -> None:
    settings.DIGEST_FETCH_BROWSER_USER_AGENT = ""
    url = http_server.add(
        "/news",
        ARTICLE,
        headers=HTML,
        require_headers={"User-Agent": r"Firefox"},
        otherwise={"User-Agent": _route(403)},
    )
    with pytest.raises(FetchError) as info:
        client.fetch(url, conf.fetch_options())
    assert info.value.code == "http_403" and len(http_server.requests) == 1


def test_a_gzip_label_on_a_plain_body_is_read_as_the_plain_page(http_server) -> None:
    url = http_server.add("/plain", ARTICLE, headers=HTML, encoding_header_if_accepted=True)
    response = client.fetch(url, conf.fetch_options())
    assert response.body == ARTICLE
    assert [r.headers.get("accept-encoding") for r in http_server.requests][-1] == "identity"


def test_a_gzip_body_without_its_label_is_decompressed(http_server) -> None:
    url = http_server.add("/gz", ARTICLE, headers=HTML, gzip_without_header=True)
    assert client.fetch(url, conf.fetch_options()).body == ARTICLE


def test_a_gzip_body_without_its_label_still_has_a_size_cap(http_server, settings) -> None:
    settings.DIGEST_FETCH_MAX_BYTES = 100_000
    url = http_server.add("/bomb", gzip.compress(b"<html>" + b" " * 5_000_000), headers=HTML)
    with pytest.raises(FetchError) as info:
        client.fetch(url, conf.fetch_options())
    assert info.value.code == "too_large"


# --- pages split over rel="next" -----------------------------------------------------------------


def _part(number: int, text: str, next_href: str = "") -> bytes:
    link = f'<link rel="next" href="{next_href}">' if next_href else ""
    return page(
        f"<title>The last keepers</title>{link}", f"<article><h1>The last keepers</h1><p>{text}</p></article>"
    ).encode()


def _next(response) -> str:
    return next_page_of(response.body, response.final_url, response.content_type, response.charset)


PAGE_TEXT = "Page {n} of the feature tells how the keepers rowed out with supplies every second Thursday of the year."


def test_the_pages_are_fetched_in_order_up_to_the_limit(http_server, settings) -> None:
    for n in (1, 2, 3):
        http_server.add(
            "/feature" + (f"?page={n}" if n > 1 else ""),
            _part(n, PAGE_TEXT.format(n=n), f"/feature?page={n + 1}"),
            headers=HTML,
        )
    settings.DIGEST_FETCH_MAX_PAGES = 2
    pages = fetch_pages(http_server.url("/feature"), conf.fetch_options(), _next)
    assert [p.final_url.rsplit("/", 1)[1] for p in pages] == ["feature", "feature?page=2"]


def test_a_next_page_elsewhere_or_broken_ends_the_article_there(http_server) -> None:
    http_server.add(
        "/feature", _part(1, PAGE_TEXT.format(n=1), "https://other.example.com/feature?page=2"), headers=HTML
    )
    assert len(fetch_pages(http_server.url("/feature"), conf.fetch_options(), _next)) == 1
    http_server.add("/story", _part(1, PAGE_TEXT.format(n=1), "/story/2"), headers=HTML)  # page 2 is a 404
    assert len(fetch_pages(http_server.url("/story"), conf.fetch_options(), _next)) == 1


@pytest.mark.django_db
def test_an_article_split_over_pages_is_saved_whole(http_server) -> None:
    http_server.add("/feature", _part(1, PAGE_TEXT.format(n=1), "/feature?page=2"), headers=HTML)
    http_server.add("/feature?page=2", _part(2, PAGE_TEXT.format(n=2)), headers=HTML)
    user = get_user_model().objects.create_user("keeper")
    article = saving.save_urls(user=user, text=http_server.url("/feature")).created[0]
    steps.process_article(article.pk)
    article = Article.objects.get(pk=article.pk)
    assert article.status == Article.Status.READY
    assert article.text.index("Page 1 of the feature") < article.text.index("Page 2 of the feature")
    assert FetchedPage.objects.get(article=article).content_type == MULTIPAGE_TYPE
    # Extracted again from what was stored, without fetching: the same text.
    requests = len(http_server.requests)
    assert steps.reextract(article) == (True, None)
    assert Article.objects.get(pk=article.pk).text == article.text and len(http_server.requests) == requests


def _route(status: int) -> Route:
    return Route(status=status, headers={"Content-Type": "text/html"}, body=b"<h1>No</h1>")
