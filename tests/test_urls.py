"""Canonical URLs for finding duplicates, and reading URLs out of pasted text."""

from __future__ import annotations

import json

import pytest

from reader import conf
from reader.fetch import urls as engine
from reader.fetch.client import FetchError, fetch
from reader.fetch.options import FetchOptions, UrlPolicy, parse_allowed_networks, parse_resolve
from reader.fetch.urls import InvalidURL, site_of
from tests.conftest import SHARED

CASE_22 = "22-url-tracking-params-and-slash.expect.json"


def parse_urls(text: str | None) -> tuple[list[str], list[tuple[str, str]]]:
    # The paste path under the policy the settings give; the URLs as strings.
    checked, errors = engine.parse_urls(text, conf.url_policy())
    return [url.url for url in checked], errors


def canonicalize_url(url: str) -> str:
    return engine.check_url(url, conf.url_policy()).canonical


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
    urls, _ = parse_urls("https://example.com/a,b,c (see https://en.wikipedia.org/wiki/Mercury_(planet)).")
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


# -- one check for the paste path and the fetcher ---------------------------------------------------
LOOPBACK = parse_allowed_networks(["127.0.0.0/8"])
# (URL shape, accepted where private networks are allowed, accepted where they are not). "{port}"
# is the test server's port; example.* names resolve to it.
SHAPES = [
    ("http://ok.example.com:{port}/a", True, True),
    ("ok.example.com:{port}/a", True, True),
    ("HTTP://OK.Example.COM:{port}/a?b=1#c", True, True),
    ("http://user:secret@ok.example.com:{port}/a", True, True),
    ("http://bücher.example:{port}/katalog", True, True),
    ("http://127.0.0.1:{port}/", True, True),
    ("http://[::1]:{port}/", True, True),
    ("http://2130706433:{port}/", True, True),  # 127.0.0.1 written as one number
    ("http://0x7f.1:{port}/", True, True),
    ("http://localhost:{port}/", True, False),
    ("http://wiki:{port}/Page", True, False),
    ("localhost:{port}", False, False),  # a bare name never becomes a link
    ("2130706433", False, False),  # nor a bare number
    ("javascript:alert(1)", False, False),
    ("ftp://ok.example.com/a.zip", False, False),
    ("mailto:someone@example.com", False, False),
    ("data:text/html,<p>x</p>", False, False),
    ("http://exa_mple..com/", False, False),
    ("https://-bad-.example.com/", False, False),
    ("http://ok.example.123/", False, False),
    ("https://example.com:99999/", False, False),
    ("http://ok.example.com:0/", False, False),
    ("http:///path-only", False, False),
    ("http://[::1/", False, False),
    ("https://\u2603.\u2603/", False, False),
]


@pytest.mark.parametrize("private_allowed", [True, False], ids=["private allowed", "public only"])
@pytest.mark.parametrize("shape, allowed, public", SHAPES)
def test_the_paste_path_and_the_fetcher_accept_the_same_urls(http_server, shape, allowed, public, private_allowed):
    http_server.add("/a", "<html><body><p>ok</p></body></html>", headers={"Content-Type": "text/html"})
    url = shape.format(port=http_server.port)
    options = FetchOptions(
        total_timeout=3,
        private_networks_allowed=LOOPBACK if private_allowed else (),
        resolve=parse_resolve(
            {"ok.example.com": "127.0.0.1", "xn--bcher-kva.example": "127.0.0.1", "wiki": "127.0.0.1"}
        ),
    )
    expected = allowed if private_allowed else public
    pasted, errors = engine.parse_urls(url, options.url_policy)
    assert bool(pasted) is expected, errors
    try:
        fetch(url, options)
    except FetchError as error:
        # Past the URL check the fetcher may still refuse the address, or fail to connect.
        assert (error.code != "bad_url") is expected, error.message
    else:
        assert expected


def test_a_pasted_link_is_checked_once(monkeypatch):
    calls: list[str] = []
    real = engine.check_url

    def counting(url: str, policy: UrlPolicy) -> engine.CheckedURL:
        calls.append(url)
        return real(url, policy)

    monkeypatch.setattr(engine, "check_url", counting)
    text = "https://a.example.com/1?utm_source=x example.org/2 https://a.example.com/1 javascript:x"
    urls, errors = engine.parse_urls(text, UrlPolicy())
    assert len(calls) == 4
    assert [u.url for u in urls] == ["https://a.example.com/1?utm_source=x", "https://example.org/2"]
    assert [u.canonical for u in urls] == ["https://a.example.com/1", "https://example.org/2"]
    assert [bad for bad, _ in errors] == ["javascript:x"]


def test_the_key_of_a_checked_url_is_its_canonical_url():
    checked = engine.check_url("HTTPS://Example.com:443/a/?utm_medium=x&b=2#frag", UrlPolicy())
    assert (checked.scheme, checked.host, checked.port) == ("https", "example.com", 443)
    assert checked.canonical == engine.check_url(checked.url, UrlPolicy()).canonical == "https://example.com/a?b=2"


# -- what a row can hold (issue 10, item 5: every piece checked before it reaches the database) -----
@pytest.mark.parametrize(
    "bad, reason",
    [
        ("https://example.com/a\x00b", "control characters"),
        ("https://example.com/a\x7fb", "control characters"),
        ("https://exa\x1bmple.com/", "control characters"),
        ("https://example.com/" + "a" * 2100, "longer than 2,048 characters"),
        ("https://" + ".".join(["a" * 60] * 5) + ".com/", "longer than 253 characters"),
        ("https://" + "a" * 64 + ".com/", "not valid"),
    ],
)
def test_pieces_a_row_cannot_hold_are_refused_with_a_reason(bad, reason):
    urls, errors = parse_urls(f"https://ok.example.com/ {bad}")
    assert urls == ["https://ok.example.com/"]
    assert len(errors) == 1 and reason in errors[0][1]


def test_a_tab_or_newline_inside_a_url_is_refused_not_dropped():
    # urlsplit would drop them silently and save another URL than the one given.
    for url in ("https://exa\tmple.com/", "https://example.com/a\nb"):
        with pytest.raises(InvalidURL, match="control characters"):
            engine.check_url(url, UrlPolicy())


def test_a_url_whose_key_grows_past_the_limit_is_refused():
    url = "https://example.com/" + "é" * 1000  # 1,020 characters; its key percent-encodes each é to 6
    assert engine.check_url(url, UrlPolicy()).url == url
    urls, errors = parse_urls(url)
    assert urls == [] and "once encoded" in errors[0][1]


@pytest.mark.parametrize(
    "url, reason",
    [
        ("https://example.com:99999/", "the port must be a number from 1 to 65535"),
        ("https://example.com:12ab/", "the port must be a number from 1 to 65535"),
        ("http://[::1/", "an IPv6 address must be written in [brackets]"),
        ("http://[zz::1]/", "the address in [brackets] is not an IP address"),
    ],
)
def test_a_malformed_address_is_explained_without_python_text(url, reason):
    with pytest.raises(InvalidURL) as info:
        engine.check_url(url, UrlPolicy())
    assert str(info.value) == f"The address is malformed: {reason}."


# -- lead images (issue 10, item 7) -------------------------------------------------------------------
PAGE = "https://news.example.com/2024/story.html"


@pytest.mark.parametrize(
    "reference, shown",
    [
        ("https://cdn.example.com/a.jpg", "https://cdn.example.com/a.jpg"),
        ("/img/a.jpg", "https://news.example.com/img/a.jpg"),
        ("a.jpg?w=640&h=480", "https://news.example.com/2024/a.jpg?w=640&h=480"),
        ("//cdn.example.com/a.jpg", "https://cdn.example.com/a.jpg"),
        ("  http://CDN.Example.com:80/a.jpg#x ", "http://cdn.example.com/a.jpg"),
        ("https://user:pw@cdn.example.com/a.jpg", "https://cdn.example.com/a.jpg"),
        ("https://cdn.example.com:8443/a b.jpg", "https://cdn.example.com:8443/a%20b.jpg"),
        ('https://cdn.example.com/a".jpg?x=<b>', "https://cdn.example.com/a%22.jpg?x=%3Cb%3E"),
        ("https://bücher.example/bild.jpg", "https://xn--bcher-kva.example/bild.jpg"),
        ("https://cdn.example.com/café.jpg", "https://cdn.example.com/caf%C3%A9.jpg"),
        ("https://93.184.215.14/a.jpg", "https://93.184.215.14/a.jpg"),
    ],
)
def test_a_lead_image_is_an_absolute_web_address(reference, shown):
    assert engine.safe_image_url(reference, PAGE) == shown


@pytest.mark.parametrize(
    "reference",
    [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(document.cookie)",
        "java\tscript:alert(1)",
        "vbscript:msgbox(1)",
        "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "ftp://files.example.com/a.jpg",
        "blob:https://news.example.com/1234",
        "about:blank",
        "http://127.0.0.1:6379/x.png",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/a.png",
        "http://[2002:7f00:1::1]/a.png",
        "http://2130706433/a.png",
        "http://localhost/a.png",
        "http://router/a.png",
        "https://cdn.example.com/a\x00.jpg",
        "https://cdn.example.com/" + "a" * 2100,
        "",
        "   ",
        None,
    ],
)
def test_anything_else_is_no_image(reference):
    assert engine.safe_image_url(reference, PAGE) == ""


def test_a_relative_image_without_a_page_address_is_no_image():
    assert engine.safe_image_url("/img/a.jpg", "") == ""
    assert engine.safe_image_url("a.jpg", "not a url") == ""


def test_machines_on_the_own_network_only_where_private_networks_are_allowed():
    own = UrlPolicy(private_networks_allowed=True)
    assert engine.safe_image_url("http://wiki/logo.png", PAGE, own) == "http://wiki/logo.png"
    assert engine.safe_image_url("http://192.168.1.5/logo.png", PAGE, own) == "http://192.168.1.5/logo.png"
    assert engine.safe_image_url("http://192.168.1.5/logo.png", PAGE) == ""
