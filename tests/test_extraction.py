"""Article extraction: metadata rules, text structure, the extractor combination, robustness."""

from __future__ import annotations

import io
import random
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bench.extraction import EMPTY_WORDS, aggregate, load_pages, score, tp_fp_fn
from reader.extract import ExtractedArticle, ExtractionError, extract, extract_html
from reader.extract.ensemble import combine
from reader.extract.language import detect_language
from reader.extract.metadata.dates import parse_date

FIXTURES = Path(__file__).parent / "fixtures" / "extract"

BODY = (
    "<p>The regional transport board approved a new timetable on Monday that adds late-evening "
    "trains on the coastal line for the first time in a decade.</p>"
    "<p>Commuters had asked for later services for years, pointing out that the last train left "
    "the city before most restaurant and hospital shifts ended.</p>"
    "<p>The board said the extra services will be paid for by a small rise in parking charges at "
    "the larger stations, and will be reviewed after twelve months.</p>"
)


def page(head: str = "", body: str = BODY, *, lang: str = "en") -> str:
    return f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{head}</head><body>{body}</body></html>'


# --- titles -------------------------------------------------------------------------------------


def test_title_drops_site_name_given_by_og_site_name() -> None:
    html = page(
        "<title>Late trains return to the coastal line - Harbour Gazette</title>"
        '<meta property="og:site_name" content="Harbour Gazette">',
        "<article>" + BODY + "</article>",
    )
    assert extract_html(html, "https://gazette.example.com/x").title == "Late trains return to the coastal line"


def test_title_keeps_a_dash_that_belongs_to_the_headline() -> None:
    html = page(
        "<title>Harbour Board - Annual Timetable Review</title>",
        "<h1>Harbour Board - Annual Timetable Review</h1>" + BODY,
    )
    assert extract_html(html, "https://gazette.example.com/x").title == "Harbour Board - Annual Timetable Review"


def test_title_drops_site_name_matching_the_domain() -> None:
    html = page("<title>Late trains return to the coastal line | Harbour Gazette 24</title>")
    title = extract_html(html, "https://harbourgazette24.example.com/trains").title
    assert title == "Late trains return to the coastal line"


def test_title_drops_cjk_section_suffix() -> None:
    html = page(
        "<title>城市公园将增设夜间跑道照明_本地新闻</title>",
        "<p>市园林部门表示，滨江公园的环形跑道将在下个月安装新的照明设备。</p>",
        lang="zh",
    )
    assert extract_html(html, "https://news.example.cn/a.html").title == "城市公园将增设夜间跑道照明"


def test_title_drops_leading_section_label_and_decodes_entities() -> None:
    html = page('<meta property="og:title" content="Opinion | Tom &amp; Jerry&#x27;s long night">')
    assert extract_html(html, "https://example.org/a").title == "Tom & Jerry's long night"


def test_title_prefers_metadata_that_agrees_with_the_visible_headline() -> None:
    html = page(
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "SEO headline for trains"}</script>'
        '<meta property="og:title" content="Late trains return to the coastal line">',
        "<h1>Late trains return to the coastal line</h1>" + BODY,
    )
    assert extract_html(html, "https://example.org/a").title == "Late trains return to the coastal line"


# --- authors ------------------------------------------------------------------------------------


def test_authors_skip_email_addresses_and_contact_links() -> None:
    html = page(
        '<meta name="author" content="jdoe@gazette.example.com">',
        '<article><div class="byline">By Jo Doe</div>'
        '<a rel="author" href="mailto:jdoe@gazette.example.com">Email the author</a>' + BODY + "</article>",
    )
    assert extract_html(html, "https://gazette.example.com/a").authors == ["Jo Doe"]


def test_authors_from_shouted_byline_with_two_names() -> None:
    html = page(
        "",
        '<article><p class="byline">By ANA RUIZ and TOM HALE</p>' + BODY + "</article>",
    )
    assert extract_html(html, "https://example.org/a").authors == [
        "Ana Ruiz",
        "Tom Hale",
    ]


def test_authors_from_jsonld_without_credentials_or_publication() -> None:
    html = page(
        '<meta property="og:site_name" content="Harbour Gazette">'
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "x", "author": ['
        '{"@type": "Person", "name": "Rae Link, MS, RDN"}, {"@type": "Organization", "name": "Harbour Gazette"}]}'
        "</script>"
    )
    assert extract_html(html, "https://example.org/a").authors == ["Rae Link"]


# --- dates --------------------------------------------------------------------------------------


def test_date_keeps_the_pages_utc_offset() -> None:
    html = page('<meta property="article:published_time" content="2025-09-05T15:02:00+05:30">')
    published = extract_html(html, "https://example.org/2020/01/02/a").published_at
    assert published == datetime(2025, 9, 5, 15, 2, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    assert published.utcoffset() == timedelta(hours=5, minutes=30)


def test_date_only_is_midnight_utc() -> None:
    html = page('<script type="application/ld+json">{"@type": "Article", "datePublished": "2024-02-14"}</script>')
    assert extract_html(html, "https://example.org/a").published_at == datetime(2024, 2, 14, tzinfo=UTC)


def test_date_from_time_element() -> None:
    html = page(
        "",
        '<article><time datetime="2023-06-01T08:00:00Z">1 June</time>' + BODY + "</article>",
    )
    assert extract_html(html, "https://example.org/a").published_at == datetime(2023, 6, 1, 8, tzinfo=UTC)


def test_a_digit_run_in_the_url_is_not_a_date() -> None:
    assert extract_html(page(), "https://example.org/journal/2021/04/92713").published_at is None


def test_date_from_a_full_date_path_when_the_page_gives_none() -> None:
    published = extract_html(page(), "https://example.org/2019/11/18/late-trains/").published_at
    assert published == datetime(2019, 11, 18, tzinfo=UTC)


def test_parse_date_rejects_garbage() -> None:
    for value in (
        "",
        "soon",
        "12345",
        "0000-00-00",
        "2019-13-45",
        None,
        42,
        ["x"],
        "9" * 200,
    ):
        assert parse_date(value) is None


# --- top image ----------------------------------------------------------------------------------


def test_top_image_is_absolute() -> None:
    html = page('<meta property="og:image" content="/images/trains.jpg">')
    assert extract_html(html, "https://example.org/news/a").top_image == "https://example.org/images/trains.jpg"


# --- text structure -----------------------------------------------------------------------------


def test_headings_paragraphs_and_list_items_are_separate_lines() -> None:
    body = (
        "<article><h1>Late trains</h1>"
        + BODY
        + "<h2>What changes</h2><ul><li>Two extra trains after ten in the evening on weekdays</li>"
        "<li>One extra train after midnight on Fridays and Saturdays</li></ul>"
        "<p>Tickets bought before the change stay valid on every new service until the end of the year.</p>"
        "</article>"
    )
    lines = extract_html(page("<title>Late trains</title>", body), "https://example.org/a").text.split("\n")
    assert "What changes" in lines
    assert any(line.endswith("Two extra trains after ten in the evening on weekdays") for line in lines)
    assert any(line.endswith("One extra train after midnight on Fridays and Saturdays") for line in lines)
    assert "" not in lines
    assert lines[0] != "Late trains"  # the headline is the title, not the first line of text


def test_section_labels_are_not_glued_onto_sentences() -> None:
    body = (
        '<article><section><div class="label">What&#x27;s the story</div>'
        "<p>French officials said on Friday that the summit had ended with a shared statement on energy prices and grid links.</p>"
        "</section>" + BODY + "</article>"
    )
    text = extract_html(page(body=body), "https://example.org/a").text
    assert "story French" not in text
    assert "French officials said on Friday" in text


def test_ad_labels_and_subscription_prompts_are_dropped() -> None:
    body = (
        "<article>"
        + BODY
        + '<div class="ad"><p>Advertisement</p></div><p>Commuter groups welcomed the decision but asked for more trains on Sundays.</p>'
        "<p>Subscribe now for unlimited access. Already a subscriber? Sign in.</p></article>"
    )
    text = extract_html(page(body=body), "https://example.org/a").text
    assert "Advertisement" not in text
    assert "Subscribe now" not in text
    assert "more trains on Sundays" in text


def test_cookie_banner_is_not_the_article() -> None:
    banner = (
        '<div id="cookie-consent" class="cmp-banner"><p>We and our partners use cookies and similar '
        "technologies to store and access information on your device for personalised advertising, "
        "content measurement, audience research and services development. You can withdraw your consent "
        "at any time from the privacy settings at the bottom of every page on this website.</p></div>"
    )
    text = extract_html(page(body=banner + "<div>" + BODY + "</div>"), "https://example.org/a").text
    assert "late-evening trains" in text
    assert "cookies" not in text


def test_hidden_script_text_goes_but_a_body_hidden_until_scripts_run_stays() -> None:
    body = (
        "<article>"
        + BODY
        + '<span data-loader-script="add" style="display:none;">window._recirc = []; _recirc.push({layout: "grid-2"});</span>'
        "</article>"
    )
    html = page(body=body).replace("<body>", '<body style="display: none">')
    text = extract_html(html, "https://example.org/a").text
    assert "late-evening trains" in text
    assert "_recirc" not in text


def test_script_text_shown_as_text_is_dropped() -> None:
    leaked = "<p>window._recirc = window._recirc || []; _recirc.push({slot: 'mid', layout: 'grid-2'});</p>"
    text = extract_html(page(body="<article>" + BODY + leaked + BODY + "</article>"), "https://example.org/a").text
    assert "late-evening trains" in text
    assert "_recirc" not in text


def test_jsonld_article_body_fills_an_empty_app_shell() -> None:
    ld = '{"@type": "NewsArticle", "headline": "Late trains", "articleBody": "%s"}' % (
        "The regional transport board approved a new timetable on Monday. " * 8
    )
    html = page(
        f'<script type="application/ld+json">{ld}</script>',
        '<div id="root"></div><noscript>Enable JavaScript.</noscript>',
    )
    article = extract_html(html, "https://example.org/a")
    assert article.extractor == "jsonld"
    assert article.text.startswith("The regional transport board approved a new timetable")


# --- the combination rule ----------------------------------------------------------------------

ARTICLE_LINES = [
    "The regional transport board approved a new timetable on Monday that adds late trains.",
    "Commuters had asked for later services for years, pointing to hospital shifts.",
    "The board said the extra services will be paid for by a rise in parking charges.",
]


def test_combine_drops_leading_and_trailing_lines_no_other_extractor_has() -> None:
    base = "\n".join(
        [
            "Home News Sport Weather Contact us",
            *ARTICLE_LINES,
            "Copyright 2024 Harbour Media Group all rights reserved",
        ]
    )
    text, extractor = combine(
        {
            "trafilatura": base,
            "newspaper3k": " ".join(ARTICLE_LINES),
            "readability": "\n".join(ARTICLE_LINES),
        }
    )
    assert extractor == "trafilatura"
    assert text.split("\n") == ARTICLE_LINES


def test_combine_keeps_unsupported_lines_inside_the_article() -> None:
    lines = [
        ARTICLE_LINES[0],
        "A quote only trafilatura kept, from the station manager on Monday.",
        *ARTICLE_LINES[1:],
    ]
    text, _ = combine(
        {
            "trafilatura": "\n".join(lines),
            "newspaper3k": "\n".join(ARTICLE_LINES),
            "readability": "",
        }
    )
    assert text.split("\n") == lines


def test_combine_switches_base_when_trafilatura_cut_the_article_short() -> None:
    full = [*ARTICLE_LINES] + [
        f"Paragraph {n} of the article explains one more detail of the new timetable plan." for n in range(10)
    ]
    text, extractor = combine(
        {
            "trafilatura": ARTICLE_LINES[0],
            "newspaper3k": "\n".join(full),
            "readability": "\n".join(full),
        }
    )
    assert extractor in ("newspaper3k", "readability")
    assert text.split("\n") == full


def test_combine_falls_back_when_trafilatura_finds_nothing() -> None:
    text, extractor = combine({"trafilatura": "", "newspaper3k": "\n".join(ARTICLE_LINES), "readability": ""})
    assert (text, extractor) == ("\n".join(ARTICLE_LINES), "newspaper3k")
    assert combine({"trafilatura": "", "newspaper3k": "", "readability": ""}) == (
        "",
        "",
    )


# --- page states --------------------------------------------------------------------------------


def test_paywall_flag_needs_the_paid_section_to_be_missing() -> None:
    ld = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "x", "isAccessibleForFree": false,'
        ' "hasPart": {"@type": "WebPageElement", "isAccessibleForFree": false, "cssSelector": ".paid"}}</script>'
    )
    teaser = extract_html(
        page(
            ld,
            '<article><p>The board approved a new timetable on Monday...</p><div class="paid"><p>Subscribe to continue.</p></div></article>',
        ),
        "https://example.org/a",
    )
    full = extract_html(
        page(ld, f'<article><div class="paid">{BODY * 3}</div></article>'),
        "https://example.org/a",
    )
    free = extract_html(page(), "https://example.org/a")
    assert teaser.paywalled
    assert not full.paywalled
    assert not free.paywalled


def test_bot_check_page_is_blocked_and_has_no_title_or_text() -> None:
    html = (
        "<html><head><title>Just a moment...</title></head><body><h1>example.org</h1>"
        "<h2>Checking if the site connection is secure</h2><script>window._cf_chl_opt={cType:'managed'};</script>"
        "</body></html>"
    )
    article = extract_html(html, "https://example.org/a")
    assert article.blocked
    assert article.title == ""
    assert article.text == ""
    assert extract_html("<title>Just a moment...</title><p>x</p>", "https://example.org/a").title == ""


def test_an_article_about_bot_checks_is_not_blocked() -> None:
    body = (
        "<article>"
        + "<p>Sites show a page titled Just a moment while they check your browser, the researchers wrote.</p>" * 60
        + "</article>"
    )
    assert not extract_html(page("<title>Why sites ask you to wait</title>", body), "https://example.org/a").blocked


# --- dispatcher and robustness -----------------------------------------------------------------


def test_dispatch_by_content_type_and_magic() -> None:
    pdf = (FIXTURES / "quay-lamp-survey.pdf").read_bytes()
    assert extract(pdf, "https://example.org/report", content_type="text/html").extractor == "pypdf"
    html = page().encode()
    assert "late-evening trains" in extract(html, "https://example.org/a", content_type="application/octet-stream").text
    # An error page sent with the PDF type is still read as the HTML it is.
    assert "late-evening trains" in extract(html, "https://example.org/a", content_type="application/pdf").text
    with pytest.raises(ExtractionError) as info:
        extract(
            b"\x89PNG\r\n\x1a\n" + bytes(100),
            "https://example.org/a.png",
            content_type="image/png",
        )
    assert info.value.code == "unsupported_type"
    assert info.value.message.endswith(".")


def test_pdf_title_falls_back_to_file_name_and_garbage_pdf_is_an_extraction_error() -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    article = extract(
        buffer.getvalue(), "https://example.org/files/water%20report-2023.pdf", content_type="application/pdf"
    )
    assert article.title == "water report-2023.pdf"
    assert article.text == ""
    with pytest.raises(ExtractionError) as info:
        extract(
            b"%PDF-1.4\n" + bytes(range(256)) * 4,
            "https://example.org/files/report-2023.pdf",
            content_type="application/pdf",
        )
    assert info.value.code.startswith("pdf")


def test_pdf_lines_that_wrap_mid_sentence_are_joined() -> None:
    pdf = (FIXTURES / "quay-lamp-survey.pdf").read_bytes()
    article = extract(pdf, "https://example.org/files/quay-lamps.pdf", content_type="application/pdf")
    assert article.title == "Quay Lamp Survey: Spring Report"  # the document information wins over the file name
    assert (article.extractor, article.language) == ("pypdf", "en")
    lines = article.text.split("\n")
    # Three wrapped lines become one, and "illumi-" + "nation" one word again.
    assert (
        "Council engineers walked the eastern quay in March and counted ninety lamps, of which twelve no longer "
        "lit because their illumination units had failed after the winter storms." in lines
    )
    assert "Repairs will start in May." in lines  # a line ending a sentence stays a line
    assert lines[-1] == "The council will report again in the autumn."  # the second page follows the first


def test_control_characters_follow_the_shared_text_rule() -> None:
    """reader.pages.text is the one rule: a vertical tab or form feed separates words, other controls vanish."""
    html = page(
        "<title>Late\x0btrains return to the coast\x00al line</title>"
        '<script type="application/ld+json">{"@type": "NewsArticle", "author": "Jo\x0bDoe"}</script>',
        BODY.replace("approved a new", "approved\x0ca new").replace("late-evening", "late-\x1bevening"),
    )
    article = extract_html(html, "https://example.org/a")
    assert article.title == "Late trains return to the coastal line"
    assert "approved a new timetable" in article.text
    assert "late-evening trains" in article.text
    assert article.authors == ["Jo Doe"]  # JSON-LD is read from the cleaned page too


def _garbage_inputs() -> list[bytes]:
    rng = random.Random(3)
    inputs = [
        b"",
        b"   ",
        bytes(rng.randrange(256) for _ in range(5000)),
        bytes(range(32)) * 50,
        b"<html><body><p>a\x00b\x0bc\x0c\x1b[0m</p></body></html>",
        "<html><head><title>\x0b\x0c</title></head><body>\ufffd\ud800?</body></html>".encode("utf-8", "surrogatepass"),
        b"<?xml version='1.0' encoding='utf-8'?><html><body><p>x</p></body></html>",
        b"<" * 3000 + b">" * 3000,
        b"<div>" * 5000 + b"deep" + b"</div>" * 5000,
        b'<script type="application/ld+json">{"@type": ["NewsArticle"], "author": {"name": 5}, "datePublished": [1], "headline": {"x": 1}, "isAccessibleForFree": null}</script>',
        b'<meta property="og:image" content="http://[::1">'
        + b'<meta property="article:published_time" content="99999-99-99">',
        b"%PDF-1.7 not really",
        b'<script type="application/ld+json">' + b"[" * 100000 + b"]" * 100000 + b"</script><p>deep json</p>",
    ]
    tags = [
        b"<p>",
        b"</p>",
        b"<div class='ad'>",
        b"</div>",
        b"<table><tr><td>",
        b"<li>",
        b"<h2>",
        b"<br>",
        b"&amp;",
        b"&#0;",
        b"\x00",
    ]
    for _ in range(10):
        inputs.append(
            b"".join(
                rng.choice(tags) + bytes(rng.randrange(32, 127) for _ in range(rng.randrange(30))) for _ in range(300)
            )
        )
    return inputs


@pytest.mark.parametrize("content_type", ["text/html", "application/xhtml+xml", "application/pdf", ""])
def test_garbage_never_raises_anything_but_extraction_error(content_type: str) -> None:
    for body in _garbage_inputs():
        try:
            article = extract(body, "https://example.org/x", content_type=content_type)
        except ExtractionError as exc:
            assert exc.code and exc.message
            continue
        assert isinstance(article, ExtractedArticle)
        assert "\x00" not in article.text and "\x0b" not in article.text


def test_huge_page_is_extracted() -> None:
    paragraph = (
        "<p>Paragraph number {n} of a very long page about late trains on the coastal line and their riders.</p>"
    )
    body = "<article>" + "".join(paragraph.format(n=n) for n in range(8000)) + "</article>"
    article = extract(page(body=body).encode(), "https://example.org/long")
    assert "Paragraph number 7999" in article.text
    assert article.language == "en"


# --- language -----------------------------------------------------------------------------------


def test_detect_language() -> None:
    assert detect_language("The regional transport board approved a new timetable on Monday.") == "en"
    assert (
        detect_language("Die Gemeinde prüft deshalb, welche Straßen für die Schwertransporte in Frage kommen.") == "de"
    )
    assert detect_language("市园林部门表示，滨江公园的环形跑道将在下个月安装新的照明设备，方便市民在晚上锻炼。") == "zh"
    assert detect_language("") == ""
    assert detect_language("12 34 56 -- !!") == ""
    assert detect_language("Commuters had asked for later services for years. " * 50000) == "en"


# --- the benchmark, end to end ------------------------------------------------------------------


def test_scorer_matches_the_benchmark_definition() -> None:
    assert score("a b c d e", "a b c d e") == (1.0, 1.0)
    assert score("", "a b c d") == (0.0, 0.0)
    precision, recall = score("one two three four five six", "one two three four")
    assert (precision, recall) == (pytest.approx(1 / 3), 1.0)
    assert aggregate([tp_fp_fn("", "a b c d"), tp_fp_fn("a b c d", "a b c d")]) == (
        pytest.approx(2 / 3),
        1.0,
        0.5,
    )


@pytest.mark.slow
def test_benchmark_mean_f1(shared_dir: Path) -> None:
    """Our extractor over the 136 shared benchmark pages: F1 well above newspaper3k's 0.90."""
    pages = load_pages(shared_dir)
    assert len(pages) == 136
    texts = [extract_html(html, url).text for _id, url, html, _truth in pages]
    f1, precision, recall = aggregate(tp_fp_fn(text, page[3]) for text, page in zip(texts, pages, strict=True))
    assert f1 >= 0.88, (f1, precision, recall)
    assert all(len(re.findall(r"\w+", text)) >= EMPTY_WORDS for text in texts)
