"""Article extraction: text structure, the extractor combination, page states, robustness, language
and writing direction. The metadata rules are in ``test_extraction_metadata``; the shared cases in
``test_extraction_cases``."""

from __future__ import annotations

import io
import random
import re
from pathlib import Path
from urllib.parse import urljoin

import pytest

from bench.extraction import EMPTY_WORDS, aggregate, load_pages, score, tp_fp_fn
from reader.extract import ExtractedArticle, ExtractionError, extract, extract_html
from reader.extract.ensemble import combine
from reader.extract.language import detect_language, text_direction

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


def test_an_article_only_inside_noscript_is_the_text() -> None:
    html = page(
        body='<noscript><p class="warn">Turn on JavaScript for the full experience.</p></noscript>'
        '<div id="top"><h2>Harbour notes</h2></div><div class="post"><h3>Late trains</h3>'
        '<script type="text/template">&lt;p&gt;The regional transport board...&lt;/p&gt;</script>'
        "<script>render(12);</script><noscript>" + BODY + "</noscript></div>"
        "<div id=comments><noscript>Turn on JavaScript to see comments.</noscript></div>"
        # A sidebar's scattered paragraphs, together longer than half the article, are no visible article.
        + "".join(
            f"<div><p>Sidebar note {n}: the harbour office opens at nine on weekdays.</p></div>" for n in range(4)
        )
    )
    text = extract_html(html, "https://notes.example.org/2024/trains.html").text
    assert "adds late-evening trains on the coastal line" in text
    assert "reviewed after twelve months" in text
    assert "JavaScript" not in text


def test_a_noscript_copy_of_a_visible_article_stays_out() -> None:
    html = page(body="<article>" + BODY + "</article><noscript>" + BODY + "</noscript>")
    text = extract_html(html, "https://notes.example.org/2024/trains.html").text
    assert text.count("reviewed after twelve months") == 1


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


@pytest.mark.parametrize(
    "current, candidate, next_page",
    [
        ("/features/keepers", "/features/keepers?page=2", True),
        ("/features/keepers?page=2", "/features/keepers?page=3", True),
        ("/story/", "/story/2/", True),
        ("/story/page/2", "/story/page/3", True),
        ("/story.html", "/story-2.html", True),
        ("/features/keepers?page=2", "/features/keepers?page=1", False),
        ("/features/keepers?id=4", "/features/keepers?id=5", False),
        ("/2024/05/a-post/", "/2024/05/the-next-post/", False),  # old WordPress: rel=next is the next post
        ("/news/12", "/news/123", False),
        ("/", "/2", False),
        ("/story", "https://other.example.net/story/2", False),
    ],
)
def test_next_page_is_the_same_address_with_a_higher_page_number(current, candidate, next_page) -> None:
    base = "https://www.tideway.example.com"
    html = page(f'<link rel="next" href="{candidate}">', "<article>" + BODY + '<a rel="next" href="/x?page=9">x</a>')
    assert extract_html(html, base + current).next_page == (urljoin(base, candidate) if next_page else "")


@pytest.mark.parametrize("where", [2, 1], ids=["after its paragraph", "before its paragraph"])
def test_a_pull_quote_repeating_a_sentence_is_not_read_twice(where: int) -> None:
    quote = "Later trains will let nurses and cooks get home after the last shift ends."
    paragraphs = [f"<p>{p}</p>" for p in re.findall(r"<p>(.*?)</p>", BODY)]
    paragraphs[1] = paragraphs[1].replace("</p>", f" {quote}</p>")
    paragraphs.insert(where, f'<blockquote class="pullquote"><p>&ldquo;{quote}&rdquo;</p></blockquote>')
    text = extract_html(page(body="<article>" + "".join(paragraphs) + "</article>"), "https://example.org/a").text
    assert text.count("nurses and cooks get home") == 1
    assert text.endswith("reviewed after twelve months.")


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


ARABIC = (
    "<p>أعلنت بلدية المدينة يوم الثلاثاء أن ثلاثة شواطئ جديدة ستفتح للجمهور في بداية شهر يونيو بعد عامين من أعمال "
    "الترميم.</p><p>وقالت نائبة رئيس البلدية إن الشواطئ ستدار بالتعاون مع شركة Marina Blue بميزانية 4.5 مليون.</p>"
)


@pytest.mark.parametrize(
    "html, direction",
    [
        (page(body=ARABIC, lang="ar"), "rtl"),  # no dir attribute anywhere: the script tells
        (f"<html><body>{ARABIC}</body></html>", "rtl"),
        (page(), "ltr"),
        (page(body='<article dir="rtl">' + BODY + "</article>"), "ltr"),  # the letters win over a template's dir
        ('<html dir="rtl"><head><title>2024</title></head><body><p>1 2 3</p></body></html>', "rtl"),
        ("<html><body><p>1 2 3</p></body></html>", ""),
    ],
    ids=["arabic", "arabic-no-lang", "english", "english-in-rtl-template", "digits-in-rtl-page", "digits"],
)
def test_text_direction(html: str, direction: str) -> None:
    assert extract_html(html, "https://example.org/a").direction == direction


def test_text_direction_counts_letters_not_digits_or_brand_names() -> None:
    assert text_direction("התקציב לפרויקט עומד על 4.5 מיליון שקלים עם Marina Blue") == "rtl"
    assert text_direction("The Tel Aviv office (תל אביב) opened in 2019.") == "ltr"
    assert text_direction("", "rtl") == "rtl"
    assert text_direction("...", "sideways") == ""


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
