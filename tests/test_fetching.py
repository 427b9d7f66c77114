"""The fetcher against a real HTTP server on 127.0.0.1 (tests/httpserver.py); no internet."""

from __future__ import annotations

import ipaddress
import json
import pickle
import random
import socket
import time
from pathlib import Path

import pytest

from reader import conf
from reader.fetch import client
from reader.fetch.client import FetchedResponse, FetchError
from reader.fetch.urls import check_url
from reader.pages.decoding import decode_html
from reader.pages.sniff import HTML_TYPES, KIND_MEDIA_TYPES, SNIFF_BYTES, content_kind, parse_content_type
from tests.httpserver import HTTPTestServer, http_server_fixture, tls_context  # noqa: F401

FIXTURES = Path(__file__).parent / "fixtures" / "fetch"
HTML = {"Content-Type": "text/html; charset=utf-8"}
ARTICLE = "<html><head><title>T</title></head><body><p>" + "word " * 400 + "</p></body></html>"


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.DIGEST_PRIVATE_NETWORKS_ALLOWED = [ipaddress.ip_network("127.0.0.0/8")]
    settings.DIGEST_RESOLVE = {}
    settings.DIGEST_FETCH_TOTAL_TIMEOUT = 10.0


def fetch(url: str) -> FetchedResponse:
    # The options come from the settings each test sets, as the pipeline's do.
    return client.fetch(url, conf.fetch_options())


def fetch_error(url: str) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetch(url)
    return info.value


def serve_case(server: HTTPTestServer, settings, cases_dir: Path, name: str) -> tuple[str, dict]:
    expect_path = cases_dir / f"{name}.expect.json"
    url = server.add_case(expect_path)
    settings.DIGEST_RESOLVE = server.resolve_map()
    return url, json.loads(expect_path.read_text(encoding="utf-8"))


# -- shared cases -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["01-charset-cp1252-labelled-latin1", "03-charset-euckr-korean"])
def test_legacy_charset_page_served_without_charset_decodes_cleanly(http_server, settings, cases_dir, name):
    url, expect = serve_case(http_server, settings, cases_dir, name)
    response = fetch(url)
    assert response.content_type == "text/html"
    assert response.charset is None  # the header said only text/html
    text = decode_html(response.body, response.charset)
    assert expect["title"] in text
    for wanted in expect["text_contains"]:
        assert wanted in text
    for unwanted in expect["text_not_contains"]:
        assert unwanted not in text


def test_case_11_bot_challenge_is_blocked_and_temporary(http_server, settings, cases_dir):
    url, _ = serve_case(http_server, settings, cases_dir, "11-bot-challenge-interstitial")
    error = fetch_error(url)
    assert error.blocked and error.temporary
    assert error.code == "blocked"
    assert "bot check" in error.message


def test_challenge_page_without_header_is_recognised_by_its_markers(http_server):
    body = (FIXTURES / "challenge-interstitial.html").read_bytes()
    error = fetch_error(http_server.add("/cf", body, status=503, headers=HTML))
    assert error.blocked and error.temporary


def test_case_18_meta_refresh_stub_is_followed_to_the_article(http_server, settings, cases_dir):
    url, expect = serve_case(http_server, settings, cases_dir, "18-redirect-meta-refresh")
    response = fetch(url)
    assert response.final_url == http_server.url("/story/river-cleanup-volunteers", "river.example.com")
    assert response.url == url
    assert response.redirects == (url,)
    assert expect["title"] in decode_html(response.body, response.charset)


def test_case_20_pdf_is_accepted(http_server, settings, cases_dir):
    url, _ = serve_case(http_server, settings, cases_dir, "20-pdf-instead-of-html")
    response = fetch(url)
    assert response.content_type == "application/pdf"
    assert response.body.startswith(b"%PDF")


def test_case_21_endless_audio_stream_fails_fast_with_a_reason(http_server, settings, cases_dir):
    url, expect = serve_case(http_server, settings, cases_dir, "21-fetch-endless-stream")
    settings.DIGEST_FETCH_TOTAL_TIMEOUT = expect["request_timeout_s"]
    started = time.monotonic()
    error = fetch_error(url)
    assert time.monotonic() - started < expect["max_seconds"]
    assert error.code == "unsupported_type" and not error.temporary
    assert "audio/mpeg" in error.message


# -- the repository's own samples (the same behaviours without ../shared) -----------------------
@pytest.mark.parametrize(
    "name, wanted",
    [
        (
            "cp1252-labelled-latin1.html",
            ["\u201cA coffee now costs \u20ac3,\u201d", "Quai d\u2019Orsay \u2014 na\u00efve"],
        ),
        ("euckr-korean.html", ["\ub3c4\uc11c\uad00 \uc77c\uc694\uc77c \uac1c\uad00", "\uc77c\uc694\uc77c\uc5d0\ub3c4"]),
    ],
)
def test_legacy_charset_sample_served_without_charset_decodes_cleanly(http_server, name, wanted):
    url = http_server.add("/legacy", (FIXTURES / name).read_bytes(), headers={"Content-Type": "text/html"})
    response = fetch(url)
    assert (response.content_type, response.charset) == ("text/html", None)
    text = decode_html(response.body, response.charset)
    for piece in wanted:
        assert piece in text
    assert "\ufffd" not in text and "\u00c3" not in text


def test_challenge_sample_is_blocked_and_temporary(http_server):
    body = (FIXTURES / "challenge-interstitial.html").read_bytes()
    for status in (200, 403):
        error = fetch_error(http_server.add(f"/wall{status}", body, status=status, headers=HTML))
        assert error.blocked and error.temporary and error.code == "blocked"
        assert "bot check (Cloudflare)" in error.message


def test_pdf_sample_is_accepted(http_server):
    pdf = (FIXTURES / "water-report.pdf").read_bytes()
    response = fetch(http_server.add("/report.pdf", pdf, headers={"Content-Type": "application/pdf"}))
    assert response.content_type == "application/pdf" and response.body == pdf


@pytest.mark.parametrize(
    "content_type, body",
    [
        ("text/html; charset=utf-8", ARTICLE.encode()),
        ("application/xhtml+xml", ARTICLE.encode()),
        ("text/html", (FIXTURES / "water-report.pdf").read_bytes()),
        ("application/octet-stream", (FIXTURES / "water-report.pdf").read_bytes()),
        ("application/x-pdf", (FIXTURES / "water-report.pdf").read_bytes()),
        ("application/pdf", ARTICLE.encode()),
        ("text/plain", b"<!DOCTYPE html>" + ARTICLE.encode()),
        (None, ARTICLE.encode()),
        ("application/xml", b"<?xml version='1.0'?><rss><channel><title>x</title></channel></rss>"),
        ("text/plain", b"Just some notes."),
        ("application/json", b'{"a": 1}'),
    ],
)
def test_the_extractor_reads_a_stored_page_as_the_kind_the_fetcher_accepted(http_server, content_type, body):
    # The extractor gets the fetcher's content_type and body and decides with the same content_kind;
    # what the fetcher refuses is no kind at all.
    headers = {"Content-Type": content_type} if content_type else {}
    url = http_server.add("/kind", body, headers=headers)
    declared = parse_content_type(content_type)[0]
    try:
        response = fetch(url)
    except FetchError as error:
        assert error.code == "unsupported_type"
        assert content_kind(declared, body[:SNIFF_BYTES]) is None
        return
    kind = content_kind(parse_content_type(response.content_type)[0], response.body[:SNIFF_BYTES])
    assert kind == content_kind(declared, body[:SNIFF_BYTES]) is not None
    # Stored as the declared HTML type, or as the kind's own type when the label was generic or wrong.
    assert response.content_type == (declared if kind == "html" and declared in HTML_TYPES else KIND_MEDIA_TYPES[kind])


def test_a_redirect_to_an_address_the_url_check_refuses_is_a_bad_url(http_server):
    error = fetch_error(http_server.redirect("/out", "ftp://files.example.com/a.zip"))
    assert error.code == "bad_url" and not error.temporary
    assert "ftp://files.example.com/a.zip" in error.message and error.message.endswith(".")


# -- time and size limits -----------------------------------------------------------------------
def test_endless_html_body_is_cut_at_the_total_timeout(http_server, settings):
    settings.DIGEST_FETCH_TOTAL_TIMEOUT = 1.5
    url = http_server.add("/live", headers=HTML, endless=True, chunk_bytes=64, interval_s=0.1)
    started = time.monotonic()
    error = fetch_error(url)
    assert time.monotonic() - started < 3
    assert error.code == "timeout" and error.temporary
    assert "1.5 seconds" in error.message


def test_slow_body_within_the_budget_arrives_whole(http_server, settings):
    settings.DIGEST_FETCH_TOTAL_TIMEOUT = 5
    body = ARTICLE.encode()
    url = http_server.add("/slow", body, headers=HTML, chunk_bytes=400, interval_s=0.05)
    assert fetch(url).body == body


def test_slow_body_beyond_the_budget_times_out(http_server, settings):
    settings.DIGEST_FETCH_TOTAL_TIMEOUT = 1
    url = http_server.add("/drip", ARTICLE, headers=HTML, chunk_bytes=10, interval_s=0.2)
    assert fetch_error(url).code == "timeout"


def test_server_that_never_answers_times_out(http_server, settings):
    settings.DIGEST_FETCH_TOTAL_TIMEOUT = 1
    url = http_server.add("/mute", ARTICLE, headers=HTML, delay_s=10)
    started = time.monotonic()
    assert fetch_error(url).code == "timeout"
    assert time.monotonic() - started < 2.5


def test_body_that_never_comes_times_out(http_server, settings):
    settings.DIGEST_FETCH_TOTAL_TIMEOUT = 1
    url = http_server.add("/stall", ARTICLE, headers=HTML, chunk_bytes=1 << 20, interval_s=10)
    started = time.monotonic()
    assert fetch_error(url).code == "timeout"
    assert time.monotonic() - started < 2.5


def test_huge_body_with_content_length_is_refused_before_reading(http_server, settings):
    settings.DIGEST_FETCH_MAX_BYTES = 1_000_000
    error = fetch_error(http_server.add("/big", headers=HTML, size=50_000_000))
    assert error.code == "too_large" and not error.temporary
    assert "47.7 MB" in error.message


@pytest.mark.parametrize("options", [{"content_length": False}, {"chunked": True}])
def test_huge_body_without_length_is_cut_at_the_cap(http_server, settings, options):
    settings.DIGEST_FETCH_MAX_BYTES = 1_000_000
    url = http_server.add("/big", headers=HTML, size=5_000_000, **options)
    assert fetch_error(url).code == "too_large"


def test_compressed_body_counts_decompressed_bytes(http_server, settings):
    settings.DIGEST_FETCH_MAX_BYTES = 1_000_000
    url = http_server.add("/bomb", b"<html>" + b" " * 20_000_000, headers=HTML, gzip=True)
    assert fetch_error(url).code == "too_large"


def test_gzip_body_is_decompressed(http_server):
    url = http_server.add("/gz", ARTICLE, headers=HTML, gzip=True, chunked=True)
    assert fetch(url).body == ARTICLE.encode()


# -- redirects ----------------------------------------------------------------------------------
def test_http_redirects_are_followed_and_recorded(http_server):
    http_server.redirect("/a", "/b", status=301)
    http_server.redirect("/b", http_server.url("/c"), status=308)
    http_server.add("/c", ARTICLE, headers=HTML)
    response = fetch(http_server.url("/a"))
    assert response.final_url == http_server.url("/c")
    assert response.redirects == (http_server.url("/a"), http_server.url("/b"))


def test_five_redirects_pass_and_six_fail(http_server):
    for i in range(6):
        http_server.redirect(f"/r{i}", f"/r{i + 1}")
    http_server.add("/r6", ARTICLE, headers=HTML)
    assert fetch(http_server.url("/r1")).final_url == http_server.url("/r6")
    error = fetch_error(http_server.url("/r0"))
    assert error.code == "too_many_redirects" and "5 times" in error.message


def test_redirect_loop_is_detected(http_server):
    http_server.redirect("/ping", "/pong")
    http_server.redirect("/pong", "/ping")
    error = fetch_error(http_server.url("/ping"))
    assert error.code == "too_many_redirects" and "loop" in error.message
    assert len(http_server.requests) == 2


@pytest.mark.parametrize(
    "script",
    [
        'window.location.replace("/real");',
        "location.href = '/real';",
        'window.location = "/real"',
        'document.location.href="/real";',
        'var go=function(w,u){w.location.assign(u)};go(window,"http://{host}/real");',
    ],
)
def test_javascript_redirect_stub_is_followed(http_server, script):
    script = script.replace("{host}", f"127.0.0.1:{http_server.port}")
    http_server.add("/stub", f"<html><head><script>{script}</script></head></html>", headers=HTML)
    http_server.add("/real", ARTICLE, headers=HTML)
    assert fetch(http_server.url("/stub")).final_url == http_server.url("/real")


def test_short_page_with_analytics_script_is_not_treated_as_a_stub(http_server):
    page = (
        "<html><head><script>var ga = ('https:' == document.location.protocol ?"
        " 'https://ssl' : 'http://www') + '.example-analytics.com/ga.js';"
        " track('https://collect.example-analytics.com/hit');</script></head>"
        "<body><p>Short notice: the office is closed today.</p></body></html>"
    )
    url = http_server.add("/notice", page, headers=HTML)
    assert fetch(url).final_url == url


def test_refresh_stubs_count_toward_the_redirect_limit(http_server):
    for i in range(7):
        stub = f'<meta http-equiv="refresh" content="0; url=/m{i + 1}"><p>Redirecting</p>'
        http_server.add(f"/m{i}", stub, headers=HTML)
    assert fetch_error(http_server.url("/m0")).code == "too_many_redirects"


def test_meta_refresh_on_a_real_article_is_not_followed(http_server):
    page = ARTICLE.replace("<head>", '<head><meta http-equiv="refresh" content="300;url=/x">')
    url = http_server.add("/article", page, headers=HTML)
    assert fetch(url).final_url == url


def test_redirect_to_a_private_address_outside_the_allowed_list_is_refused(http_server, settings):
    settings.DIGEST_PRIVATE_NETWORKS_ALLOWED = [ipaddress.ip_network("127.0.0.1/32")]
    url = http_server.redirect("/out", f"http://127.0.0.2:{http_server.port}/admin")
    error = fetch_error(url)
    assert error.code == "private_address" and not error.temporary


def test_redirect_to_a_name_resolving_to_a_private_address_is_refused(http_server, settings):
    settings.DIGEST_RESOLVE = {"internal.example.com": "10.1.2.3"}
    url = http_server.redirect("/out", "http://internal.example.com/secrets")
    assert fetch_error(url).code == "private_address"


# -- addresses ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "10.0.0.1", "169.254.169.254", "[::1]", "0.0.0.0", "[::ffff:127.0.0.1]",
     "2130706433", "224.0.0.1", "100.64.0.1", "private.example.com"],
)  # fmt: skip
def test_private_addresses_are_refused_without_connecting(http_server, settings, host):
    settings.DIGEST_PRIVATE_NETWORKS_ALLOWED = []
    settings.DIGEST_RESOLVE = {"private.example.com": "192.168.1.10"}
    http_server.add("/", ARTICLE, headers=HTML)
    started = time.monotonic()
    error = fetch_error(f"http://{host}:{http_server.port}/")
    assert error.code == "private_address" and not error.temporary
    assert time.monotonic() - started < 0.5  # refused before any connection attempt
    assert http_server.requests == []


def test_connects_to_the_address_it_checked(http_server, settings):
    # rebind.example.com exists only in DIGEST_RESOLVE; a second, system DNS lookup would fail.
    settings.DIGEST_RESOLVE = {"rebind.example.com": "127.0.0.1"}
    http_server.add("/", ARTICLE, headers=HTML)
    response = fetch(f"http://rebind.example.com:{http_server.port}/")
    assert response.status == 200
    assert http_server.requests[0].headers["host"] == f"rebind.example.com:{http_server.port}"


def test_https_connects_to_the_checked_address_and_verifies_the_host_name(settings, tmp_path):
    pytest.importorskip("trustme")
    context = tls_context(["secure.example.com"], tmp_path / "ca.pem")
    settings.DIGEST_FETCH_CA_BUNDLE = str(tmp_path / "ca.pem")
    settings.DIGEST_RESOLVE = {
        "secure.example.com": "127.0.0.1",
        "evil.example.com": "127.0.0.1",
    }
    with HTTPTestServer(ssl_context=context) as server:
        url = server.add("/page", ARTICLE, headers=HTML, host="secure.example.com")
        assert fetch(url).body == ARTICLE.encode()
        assert server.server_names == ["secure.example.com"]  # SNI carries the name
        error = fetch_error(url.replace("secure.", "evil."))
    assert error.code == "connection"
    assert "certificate" in error.message


def test_ipv6_loopback_is_fetched_when_allowed(settings):
    settings.DIGEST_PRIVATE_NETWORKS_ALLOWED = [ipaddress.ip_network("::1/128")]
    with HTTPTestServer(host="::1") as server:
        url = server.add("/six", ARTICLE, headers=HTML, host="v6.example.com")
        settings.DIGEST_RESOLVE = server.resolve_map()
        assert fetch(url).status == 200
        assert fetch(server.url("/six")).status == 200
        settings.DIGEST_PRIVATE_NETWORKS_ALLOWED = []
        assert fetch_error(url).code == "private_address"


def test_fuzzed_urls_raise_only_fetch_error(http_server, settings):
    settings.DIGEST_FETCH_TOTAL_TIMEOUT = 2
    settings.DIGEST_RESOLVE = {
        "fuzz.example.com": "127.0.0.1",
        "xn--bcher-kva.example": "127.0.0.1",
    }
    http_server.add("/", ARTICLE, headers=HTML)
    schemes = ["http://", "https://", "HTTP://", "//", "", " ", "javascript:", "hTtP:/",
               "http:\\\\"]  # fmt: skip
    # Hosts stay local or malformed, so nothing here reaches a real DNS server.
    hosts = ["fuzz.example.com", f"127.0.0.1:{http_server.port}", "bücher.example", "[::1",
             f"fuzz.example.com:{http_server.port}", "[zz::1]", "%66uzz.example.com", "a b", "\x00", ":0",
             "", "[::1]", "0x7f.1"]  # fmt: skip
    junk = ["%", "%zz", "%00", "..", "/", "?", "#", "&", "=", "é", "\U0001f642", "\u202e", " ",
            "\t", "\\", "[", "]", ":", ";", "'", '"', "<", ">", "{", "|", "~", "a" * 3000]  # fmt: skip
    rng = random.Random(3)
    for _ in range(200):
        rest = "/" + "".join(rng.choice(junk) for _ in range(rng.randint(0, 6)))
        url = rng.choice(schemes) + rng.choice(hosts) + rest
        try:
            response = fetch(url)
        except FetchError as error:
            assert error.message and error.code
        else:
            assert response.status == 200


def test_user_agent_and_host_are_sent(http_server, settings):
    settings.DIGEST_USER_AGENT = "DigestTest/1.0"
    fetch(http_server.add("/", ARTICLE, headers=HTML))
    assert http_server.requests[0].headers["user-agent"] == "DigestTest/1.0"


def test_idn_host_and_spaces_in_path_are_encoded(http_server, settings):
    settings.DIGEST_RESOLVE = {"xn--bcher-kva.example": "127.0.0.1"}
    http_server.add("/a%20b", ARTICLE, headers=HTML)
    response = fetch(f"http://bücher.example:{http_server.port}/a b")
    assert response.status == 200
    assert http_server.requests[0].headers["host"] == f"xn--bcher-kva.example:{http_server.port}"


def test_errors_name_an_idn_host_in_unicode(http_server, settings):
    # A person pasted bücher.example; "xn--bcher-kva.example" in an error would look like another site.
    settings.DIGEST_RESOLVE = {"xn--bcher-kva.example": "127.0.0.1"}
    settings.DIGEST_PRIVATE_NETWORKS_ALLOWED = []
    refused = fetch_error(f"http://bücher.example:{http_server.port}/")
    assert refused.code == "private_address" and refused.message.startswith("bücher.example (127.0.0.1) is a private")
    settings.DIGEST_PRIVATE_NETWORKS_ALLOWED = [ipaddress.ip_network("127.0.0.0/8")]
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    closed = fetch_error(f"http://bücher.example:{port}/")
    assert "bücher.example" in closed.message and "xn--" not in closed.message


@pytest.mark.parametrize(
    "url",
    ["", "   ", "javascript:alert(1)", "ftp://example.com/file", "mailto:a@example.com",
     "http://", "http://exa mple.com/", "http://[::1", "http://example.com:99999/",
     "http://a..b/", "http://\x00/", "data:text/html,<p>x</p>", "file:///etc/passwd",
     "http://[::1]:0/", "//", "http://%zz/", "https://\u2603.\u2603/"],
)  # fmt: skip
def test_bad_urls_raise_fetch_error_only(url):
    error = fetch_error(url)
    assert error.code in {"bad_url", "dns", "private_address"}
    assert error.message.endswith(".")


# -- content types ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "content_type, words",
    [("audio/mpeg", "audio"), ("video/mp4", "video"), ("image/jpeg", "image"),
     ("application/zip", "archive"), ("application/json", "application/json")],
)  # fmt: skip
def test_non_article_types_are_refused_before_the_body(http_server, content_type, words):
    url = http_server.add("/f", headers={"Content-Type": content_type}, size=5_000_000)
    started = time.monotonic()
    error = fetch_error(url)
    assert error.code == "unsupported_type" and not error.temporary
    assert words in error.message and content_type in error.message
    assert time.monotonic() - started < 1


def test_octet_stream_that_is_a_pdf_is_accepted(http_server):
    pdf = (FIXTURES / "water-report.pdf").read_bytes()
    url = http_server.add("/report", pdf, headers={"Content-Type": "application/octet-stream"})
    response = fetch(url)
    assert response.content_type == "application/pdf" and response.body == pdf


def test_octet_stream_that_is_not_a_pdf_is_refused(http_server):
    url = http_server.add("/blob", b"\x00\x01binary", headers={"Content-Type": "application/octet-stream"})
    assert fetch_error(url).code == "unsupported_type"


@pytest.mark.parametrize("content_type", ["text/plain", None])
def test_html_served_as_plain_or_untyped_is_sniffed(http_server, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = fetch(http_server.add("/p", "<!DOCTYPE html>" + ARTICLE, headers=headers))
    assert response.content_type == "text/html"


def test_plain_text_is_refused(http_server):
    url = http_server.add("/notes.txt", "Just some notes.", headers={"Content-Type": "text/plain"})
    assert fetch_error(url).code == "unsupported_type"


# -- status codes -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "status, temporary",
    [(404, False), (410, False), (401, False), (403, False), (400, False),
     (408, True), (429, True), (500, True), (502, True), (503, True)],
)  # fmt: skip
def test_error_statuses_are_permanent_or_temporary(http_server, status, temporary):
    url = http_server.add("/x", "<h1>Error</h1>", status=status, headers=HTML)
    error = fetch_error(url)
    assert error.code == f"http_{status}"
    assert error.temporary is temporary and not error.blocked
    assert str(status) in error.message


def test_retry_after_is_reported(http_server):
    url = http_server.add("/busy", "busy", status=503, headers={"Retry-After": "120"})
    assert fetch_error(url).retry_after == 120


def test_response_fields(http_server):
    url = http_server.add("/ok", ARTICLE, headers={"Content-Type": "text/html; charset=ISO-8859-1"})
    response = fetch(url)
    assert isinstance(response, FetchedResponse)
    assert (response.status, response.content_type, response.charset) == (
        200,
        "text/html",
        "ISO-8859-1",
    )
    assert response.headers["content-type"] == "text/html; charset=ISO-8859-1"
    assert 0 <= response.elapsed < 5


def test_fetch_error_survives_pickling_for_celery():
    error = FetchError("http_503", "Busy.", temporary=True, retry_after=30.0)
    copy = pickle.loads(pickle.dumps(error))
    assert (
        copy.code,
        copy.message,
        copy.temporary,
        copy.blocked,
        copy.retry_after,
    ) == ("http_503", "Busy.", True, False, 30.0)
    assert str(copy) == "Busy."


def test_a_machine_on_the_own_network_is_saved_by_its_bare_name(http_server, settings):
    # "http://localhost:PORT/..." (a host without a dot) where private networks are allowed
    settings.DIGEST_PRIVATE_NETWORKS_ALLOWED = [ipaddress.ip_network("127.0.0.0/8")]
    http_server.add("/notes", ARTICLE, headers=HTML)
    url = check_url(http_server.url("/notes", host="localhost"), conf.url_policy()).url
    settings.DIGEST_RESOLVE = http_server.resolve_map()
    assert fetch(url).body == ARTICLE.encode()
