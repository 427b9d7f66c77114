"""The rules the fetcher and the extractor share (reader/pages): control characters, document kind, bot walls."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from reader.extract import ExtractionError, extract, extract_html
from reader.pages.botwall import MAX_CHALLENGE_WORDS, bot_wall, is_challenge_page, is_challenge_title
from reader.pages.decoding import decode_html
from reader.pages.sniff import SNIFF_BYTES, content_kind, looks_like_html, may_be_page, parse_content_type
from reader.pages.text import CONTROL_CHARS, control_chars_to_spaces, strip_control_chars

FIXTURES = Path(__file__).parent / "fixtures" / "fetch"
ARTICLE = "<!DOCTYPE html><html><head><title>{title}</title></head><body>{body}</body></html>"


# -- control characters -------------------------------------------------------------------------
CONTROLS = [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"] + ["\x7f", "\ufffe", "\uffff"]


@pytest.mark.parametrize("char", CONTROLS, ids=[f"U+{ord(c):04X}" for c in CONTROLS])
def test_both_cleaners_drop_the_same_characters(char):
    assert CONTROL_CHARS.fullmatch(char)
    assert control_chars_to_spaces(f"a{char}b") == "a b"
    # Vertical tab and form feed separate words; the others vanish.
    assert strip_control_chars(f"a{char}b") == ("a b" if char in "\x0b\x0c" else "ab")


@pytest.mark.parametrize("text", ["a\tb\r\nc", "Grüße\u00a0東京 — ok", "\u200bzero width", "\ufffd replacement"])
def test_text_outside_the_set_is_kept_by_both(text):
    assert strip_control_chars(text) == text
    assert control_chars_to_spaces(text) == text


def test_decoding_removes_exactly_what_the_text_rule_removes():
    body = (FIXTURES / "control-characters.html").read_bytes()
    assert decode_html(body) == strip_control_chars(body.decode("utf-8"))


# -- document kind ------------------------------------------------------------------------------
PDF = (FIXTURES / "water-report.pdf").read_bytes()
HTML = ARTICLE.format(title="T", body="<p>text</p>").encode()


KINDS = [
    ("text/html", HTML, "html"),
    ("application/xhtml+xml", HTML, "html"),
    ("text/html", PDF, "pdf"),  # the bytes win over the label
    ("application/octet-stream", PDF, "pdf"),
    ("", PDF, "pdf"),
    ("application/pdf", PDF, "pdf"),
    ("application/x-pdf", PDF, "pdf"),
    ("application/pdf", b"%PDF-1.7 not really", "pdf"),  # a broken PDF is still for the PDF reader
    ("application/pdf", HTML, "html"),  # an error page sent with the PDF type
    ("application/pdf", b"  <p>Not found</p>", "html"),
    ("text/plain", HTML, "html"),
    ("", b"\xef\xbb\xbf\n<html><body>x</body></html>", "html"),
    ("application/octet-stream", b"<div>x</div>", "html"),
    ("application/xml", b"<?xml version='1.0'?><html><body>x</body></html>", "html"),
    ("application/xml", b"<?xml version='1.0'?><rss><channel/></rss>", None),
    ("", b"<!-- a comment --><svg></svg>", None),
    ("text/plain", b"Just some notes.", None),
    ("application/octet-stream", b"\x00\x01binary", None),
    ("image/png", b"\x89PNG\r\n\x1a\n", None),
    ("audio/mpeg", HTML, None),
]


@pytest.mark.parametrize("media_type, head, kind", KINDS)
def test_content_kind(media_type, head, kind):
    assert content_kind(media_type, head) == kind


def _extracted_kind(body: bytes, media_type: str) -> str | None:
    """The kind the extractor read ``body`` as: "pdf" (pypdf ran), "html", or None (refused)."""
    try:
        article = extract(body, "https://example.org/a", content_type=media_type)
    except ExtractionError as error:
        if error.code == "unsupported_type":
            return None
        return "pdf" if error.code.startswith("pdf") else "html"
    return (
        "pdf" if article.extractor == "pypdf" or not article.extractor and body.lstrip().startswith(b"%PDF") else "html"
    )


@pytest.mark.parametrize("media_type, head, kind", KINDS)
def test_the_extractor_reads_each_body_as_content_kind_says(media_type, head, kind):
    assert _extracted_kind(head, media_type) == kind


def test_content_kind_looks_at_the_first_kilobyte_only():
    late_magic = b"x" * SNIFF_BYTES + b"%PDF-1.4"
    assert content_kind("application/octet-stream", late_magic) is None
    assert content_kind("application/octet-stream", b"junk before the header %PDF-1.4") == "pdf"


@pytest.mark.parametrize(
    "value, parsed",
    [
        ("text/html; charset=ISO-8859-1", ("text/html", "ISO-8859-1")),
        ('Text/HTML; Charset="utf-8"', ("text/html", "utf-8")),
        ("application/pdf", ("application/pdf", None)),
        ("", ("", None)),
        (None, ("", None)),
        ("nonsense", ("text/plain", None)),
    ],
)
def test_parse_content_type(value, parsed):
    assert parse_content_type(value) == parsed


def test_types_worth_reading():
    assert all(may_be_page(t) for t in ("text/html", "application/pdf", "", "text/plain", "application/xml"))
    assert not any(may_be_page(t) for t in ("audio/mpeg", "video/mp4", "image/jpeg", "application/json"))
    assert looks_like_html(b"  <!doctype html><p>")


# -- bot walls ----------------------------------------------------------------------------------
CHALLENGE = (FIXTURES / "challenge-interstitial.html").read_text(encoding="utf-8")
INLINE_CHALLENGE = (
    "<html><head><title>Just a moment...</title></head><body><h1>example.org</h1>"
    "<h2>Checking if the site connection is secure</h2><script>window._cf_chl_opt={cType:'managed'};</script>"
    "</body></html>"
)
LONG_TEXT = "<p>" + "Sites show a page titled Just a moment while they check your browser. " * 60 + "</p>"
# An ordinary page that carries Cloudflare's challenge-platform script, as many do.
ORDINARY_WITH_SCRIPT = ARTICLE.format(
    title="Ferry timetable",
    body=LONG_TEXT + '<script src="/cdn-cgi/challenge-platform/scripts/jsd/main.js"></script>',
)
PAGES = {
    "fixture challenge": (CHALLENGE, True),
    "inline challenge": (INLINE_CHALLENGE, True),
    "title and wording": (ARTICLE.format(title="Security check", body="<p>Verify you are human.</p>"), True),
    "markup and wording": (
        ARTICLE.format(title="", body='<div id="px-captcha"></div><p>Press &amp; hold to confirm</p>'),
        True,
    ),
    "title alone": ("<title>Just a moment...</title><p>x</p>", False),
    "ordinary page with the script": (ORDINARY_WITH_SCRIPT, False),
    "article about bot checks": (ARTICLE.format(title="Why sites ask you to wait", body=LONG_TEXT), False),
    "long challenge-like page": (
        ARTICLE.format(title="Just a moment...", body="<p>_cf_chl_opt</p>" + "<p>word</p>" * MAX_CHALLENGE_WORDS),
        False,
    ),
}


@pytest.mark.parametrize("name", PAGES)
def test_a_page_is_a_wall_for_the_fetcher_exactly_when_it_is_one_for_the_extractor(name):
    # The extractor asks is_challenge_page of the decoded page; the fetcher asks bot_wall of the
    # bytes of a 200 answer. They must agree on every page.
    html, blocked = PAGES[name]
    assert is_challenge_page(html) is blocked
    assert (bot_wall(200, {}, html.encode("utf-8"), "utf-8") is not None) is blocked


@pytest.mark.parametrize("name", PAGES)
def test_the_extractor_flags_the_same_pages(name):
    html, blocked = PAGES[name]
    assert extract_html(html, "https://example.org/a").blocked is blocked


def test_error_statuses_need_one_signal():
    assert bot_wall(503, {}, ORDINARY_WITH_SCRIPT.encode()) == "Cloudflare"
    assert bot_wall(403, {}, b"<title>Just a moment...</title>") == "Cloudflare"
    assert bot_wall(429, {}, b"<p>Checking your browser before accessing example.org</p>") == "a bot check"
    assert bot_wall(403, {}, b'<script src="https://ct.captcha-delivery.com/c.js"></script>') == "DataDome"
    assert bot_wall(403, {"x-datadome": "protected"}, b"") == "DataDome"
    assert bot_wall(403, {}, b"<h1>Forbidden</h1>") is None
    assert bot_wall(404, {}, CHALLENGE.encode()) is not None  # two signals decide on any status


def test_vendor_headers_decide_on_any_status():
    assert bot_wall(403, {"cf-mitigated": "challenge"}, b"") == "Cloudflare"
    assert bot_wall(200, {"x-amzn-waf-action": "captcha"}, b"") == "AWS WAF"


@pytest.mark.parametrize(
    "html",
    [
        "<title>x" * 50000,
        "challenge-platform " + "<script>x" * 50000,
        "<title>Just a moment...</title>" + "<!--x" * 50000,
        "<title>Just a moment...</title>" + "<" * 500000,
    ],
    ids=["unclosed-titles", "unclosed-scripts", "unclosed-comments", "lone-brackets"],
)
def test_challenge_check_is_linear_on_unclosed_markup(html):
    # Lazy "<x>.*?</x>" patterns retried from every unclosed opener took minutes on these (quadratic).
    start = time.perf_counter()
    assert not is_challenge_page(html)
    assert time.perf_counter() - start < 2


def test_challenge_titles():
    assert is_challenge_title("Just a moment...")
    assert is_challenge_title(" Attention Required! | Cloudflare ")
    assert not is_challenge_title("Just a moment in history")
