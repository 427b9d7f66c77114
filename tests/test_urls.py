"""Canonical URLs for finding duplicates, and reading URLs out of pasted text."""

from __future__ import annotations

import json

import pytest

from reader.services.urls import InvalidURL, canonicalize_url, parse_urls, site_of
from tests.conftest import SHARED

CASE_22 = "22-url-tracking-params-and-slash.expect.json"


def _pairs(key: str) -> list[tuple[str, str]]:
    # Read at collection time so each pair is its own test; the cases_dir fixture checks the
    # folder exists for the tests themselves.
    path = SHARED / "cases" / CASE_22
    if not path.exists():
        return [("missing shared case", "")]
    return [tuple(pair) for pair in json.loads(path.read_text(encoding="utf-8"))[key]]


@pytest.mark.parametrize("a, b", _pairs("same_canonical"))
def test_case_22_same_article_gets_one_canonical_url(cases_dir, a, b):
    assert (cases_dir / CASE_22).exists()
    assert canonicalize_url(a) == canonicalize_url(b)


@pytest.mark.parametrize("a, b", _pairs("different_canonical"))
def test_case_22_different_articles_keep_different_canonical_urls(cases_dir, a, b):
    assert (cases_dir / CASE_22).exists()
    assert canonicalize_url(a) != canonicalize_url(b)


@pytest.mark.parametrize(
    "a, b",
    [
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
        ("https://example.com/%7Euser/caf%c3%a9", "https://example.com/~user/café"),
        ("https://example.com/a/./b/../c", "https://example.com/a/c"),
        ("http://example.com:80/x", "http://example.com/x"),
        ("https://bücher.example/x", "https://xn--bcher-kva.example/x"),
        ("https://example.com/x?mc_eid=1&_hsenc=2&msclkid=3", "https://example.com/x"),
        ("example.com/x", "https://example.com/x"),
    ],
)
def test_equivalent_spellings_share_a_canonical_url(a, b):
    assert canonicalize_url(a) == canonicalize_url(b)


@pytest.mark.parametrize(
    "a, b",
    [
        ("http://example.com/x", "https://example.com/x"),
        ("https://example.com/x", "https://example.com:8443/x"),
        ("https://example.com/x?ref=a", "https://example.com/x?ref=b"),
        ("https://example.com/#!/one", "https://example.com/#!/two"),
        ("https://example.com/Post", "https://example.com/post"),
    ],
)
def test_different_resources_keep_different_canonical_urls(a, b):
    assert canonicalize_url(a) != canonicalize_url(b)


def test_canonicalize_refuses_non_web_urls():
    with pytest.raises(InvalidURL, match="javascript"):
        canonicalize_url("javascript:alert(1)")


def test_parse_urls_splits_on_whitespace_newlines_and_commas():
    text = (
        "https://a.example.com/1\n  example.org/2,https://b.example.net/3 ,"
        " www.example.com/4\thttps://a.example.com/1?utm_source=x"
    )
    urls, errors = parse_urls(text)
    assert urls == [
        "https://a.example.com/1",
        "https://example.org/2",
        "https://b.example.net/3",
        "https://www.example.com/4",
    ]
    assert errors == []


def test_parse_urls_keeps_commas_inside_a_path_and_parentheses_that_belong():
    urls, _ = parse_urls(
        "https://example.com/a,b,c (see https://en.wikipedia.org/wiki/Mercury_(planet))."
    )
    assert urls == [
        "https://example.com/a,b,c",
        "https://en.wikipedia.org/wiki/Mercury_(planet)",
    ]


def test_hosts_on_the_own_network_only_where_private_networks_are_allowed(settings):
    settings.DIGEST_PRIVATE_NETWORKS_ALLOWED = []
    urls, errors = parse_urls("http://localhost:8080/notes http://wiki/Page")
    assert urls == [] and all("domain ending" in reason for _, reason in errors)
    settings.DIGEST_PRIVATE_NETWORKS_ALLOWED = ["192.168.0.0/16"]
    urls, errors = parse_urls("http://localhost:8080/notes https://wiki/Page localhost wiki")
    assert urls == ["http://localhost:8080/notes", "https://wiki/Page"]
    # a bare word stays a word, never a link
    assert [bad for bad, _ in errors] == ["localhost", "wiki"]
    assert canonicalize_url("http://LOCALHOST:8080/notes/") == canonicalize_url("http://localhost:8080/notes")
    assert site_of("http://wiki/Page") == "wiki"


@pytest.mark.parametrize(
    "bad, reason",
    [
        ("javascript:alert(1)", "javascript"),
        ("ftp://files.example.com/a.zip", "ftp"),
        ("mailto:someone@example.com", "email"),
        ("http://exa_mple..com/", "not valid"),
        ("localhost", "domain ending"),
        ("https://-bad-.example.com/", "not valid"),
        ("https://example.com:99999/", "malformed"),
        ("http:///path-only", "no host"),
    ],
)
def test_parse_urls_reports_bad_pieces_with_a_reason(bad, reason):
    urls, errors = parse_urls(f"https://ok.example.com/ {bad}")
    assert urls == ["https://ok.example.com/"]
    assert len(errors) == 1
    assert errors[0][0] == bad
    assert reason in errors[0][1]


@pytest.mark.parametrize("text", ["", "   \n ,, ", None])
def test_parse_urls_of_nothing_is_empty(text):
    assert parse_urls(text) == ([], [])


def test_parse_urls_accepts_idn_and_ports():
    urls, errors = parse_urls("https://bücher.example/katalog example.com:8080/x")
    assert urls == ["https://bücher.example/katalog", "https://example.com:8080/x"]
    assert errors == []


@pytest.mark.parametrize(
    "url, site",
    [
        ("https://www.Example.com:8080/x", "example.com"),
        ("https://news.example.co.uk/a", "news.example.co.uk"),
        ("https://xn--bcher-kva.example/", "bücher.example"),
        ("example.org/path", "example.org"),
        ("not a url at all", ""),
    ],
)
def test_site_of_gives_the_display_domain(url, site):
    assert site_of(url) == site
