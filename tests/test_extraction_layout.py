"""The page's structure in the stored text: data tables as table rows (never pipe lines), layout tables as
paragraphs, ``<pre>`` code with its line breaks and indentation; boilerplate tails, link lines and page
links left out; hundreds of nested wrappers; the pages of an article split over pages joined."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reader.extract import extract, extract_html, next_page_of
from reader.pages.multipart import MULTIPAGE_TYPE, Page, pack_pages, unpack_pages
from tests.factories import make_article
from tests.test_extraction import BODY, page

TABLE = (
    "<table><thead><tr><th>Ticker</th><th>Security</th><th>Last</th></tr></thead>"
    "<tbody><tr><td>HD</td><td>THE HOME DEPOT INC.</td><td>225.86</td></tr>"
    "<tr><td>LOW</td><td>LOWE'S COMPANIES INC.</td><td>113.40</td></tr></tbody></table>"
)
CODE = "<pre><code>def timetable(line):\n    if line.late:\n        return 'ten'\n\n    return 'nine'\n</code></pre>"


def _text(body: str) -> str:
    return extract_html(
        page("<title>Late trains</title>", f"<article><h1>Late trains</h1>{body}</article>"), "https://example.org/a"
    ).text


def test_a_data_table_is_kept_as_table_rows_never_as_pipe_lines() -> None:
    text = _text(BODY + TABLE + BODY.replace("board", "council"))
    assert "Ticker\tSecurity\tLast" in text.split("\n")
    assert "HD\tTHE HOME DEPOT INC.\t225.86" in text.split("\n")
    assert "|" not in text and "---" not in text


def test_a_layout_table_gives_its_paragraphs() -> None:
    text = _text(f"<table><tr><td>{BODY}</td><td><p>Tickets stay valid.</p></td></tr></table>")
    assert "\t" not in text
    assert any(line.startswith("The regional transport board approved") for line in text.split("\n"))


def test_code_keeps_its_line_breaks_and_indentation() -> None:
    lines = _text(BODY + CODE + BODY.replace("board", "council")).split("\n")
    start = lines.index("```")
    assert lines[start : start + 7] == [
        "```",
        "def timetable(line):",
        "    if line.late:",
        "        return 'ten'",
        "",
        "    return 'nine'",
        "```",
    ]


@pytest.mark.django_db
def test_the_full_text_view_shows_a_table_and_code(client, alice) -> None:
    article = make_article(
        alice, text="The board met.\nTicker\tLast\nHD\t225.86\n```\ndef f():\n    return 1\n```\nThe end."
    )
    html = client.get(reverse("reader:article-detail", args=[article.pk]), {"view": "full"}).content.decode()
    assert "<table><tr><td>Ticker</td><td>Last</td></tr><tr><td>HD</td><td>225.86</td></tr></table>" in html
    assert '<pre dir="ltr"><code>def f():\n    return 1</code></pre>' in html
    assert "\t" not in html.split('class="full-text"')[1]


@pytest.mark.parametrize(
    "tail",
    [
        "<p>Reporting by Ines Marlow; Editing by Tomas Reed</p>",
        "<p>© 2019 Associated Press. All Rights Reserved. This material may not be published, broadcast or rewritten.</p>",
        "<p>Get the Coast Weekly delivered through your letterbox every month. 12 issues for £11.99. Click here.</p>",
        "<p>Tell us what YOU think...</p>",
        "<p>Harbour Gazette's Tomas Reed contributed to this report.</p>",
    ],
)
def test_a_boilerplate_tail_is_left_out(tail: str) -> None:
    text = _text(BODY + tail)
    assert text.endswith("reviewed after twelve months.")


@pytest.mark.parametrize(
    "line",
    ["<p>More:</p>", "<p>Related: Ten stations that reopened this year</p>", "<p>READ MORE: Buses run late again</p>",
     "<p>Page 1 of 2</p>", "<p>Next page ›</p>"],
)  # fmt: skip
def test_link_lines_and_page_links_inside_the_article_are_left_out(line: str) -> None:
    text = _text(BODY[: BODY.index("<p>Commuters")] + line + BODY[BODY.index("<p>Commuters") :])
    assert "More" not in text and "Related" not in text and "Page 1" not in text and "Next page" not in text
    assert "Commuters had asked" in text


def test_a_credit_line_inside_the_article_stays() -> None:
    text = _text(BODY.replace("</p>", " Reporting by the regional desk shows the same.</p>", 1) + BODY)
    assert "Reporting by the regional desk" in text


@pytest.mark.parametrize("depth", [300, 2000])
def test_hundreds_of_nested_wrappers_do_not_lose_the_text(depth: int) -> None:
    body = "<div class='w'>" * depth + f"<article><h1>Late trains</h1>{BODY}</article>" + "</div>" * depth
    text = extract_html(page("<title>Late trains</title>", body), "https://example.org/a").text
    assert "Commuters had asked for later services" in text


def test_hundreds_of_unclosed_font_tags_do_not_lose_the_text() -> None:
    body = "<article><h1>Late trains</h1>" + "".join(
        f"<font size=2>Sentence {i} about the late trains. " for i in range(600)
    )
    text = extract_html(page("<title>Late trains</title>", body + "</article>"), "https://example.org/a").text
    assert "Sentence 599 about the late trains." in text


def _part(number: int, body: str) -> str:
    nav = f'<link rel="next" href="/feature?page={number + 1}">' if number == 1 else ""
    return page(f"<title>The last keepers</title>{nav}", f"<article><h1>The last keepers</h1>{body}</article>")


def test_the_pages_of_an_article_are_joined_in_order() -> None:
    url = "https://magazine.example.com/feature"
    first = _part(1, BODY + '<nav><span>Page 1 of 2</span> <a rel="next" href="/feature?page=2">Next page ›</a></nav>')
    second = _part(2, BODY.replace("transport board", "harbour council").replace("Commuters", "Sailors"))
    assert next_page_of(first.encode(), url, "text/html", "utf-8") == url + "?page=2"
    assert next_page_of(second.encode(), url + "?page=2", "text/html", None) == ""
    body = pack_pages(
        [Page(url, "text/html", "utf-8", first.encode()), Page(url + "?page=2", "text/html", None, second.encode())]
    )
    article = extract(body, url, content_type=MULTIPAGE_TYPE)
    assert article.title == "The last keepers" and article.next_page == ""
    assert article.text.index("Commuters had asked") < article.text.index("Sailors had asked")
    assert "Page 1 of 2" not in article.text and "Next page" not in article.text


def test_the_container_of_pages_round_trips() -> None:
    long_url = "https://magazine.example.com/" + "x" * 300 + "?page=2"
    pages = [
        Page("https://magazine.example.com/a", "text/html", "utf-8", "<p>é</p>".encode()),
        Page(long_url, "text/html", None, b"\x00\xff"),
    ]
    assert unpack_pages(pack_pages(pages)) == pages
    assert unpack_pages(b"not a container") == []
