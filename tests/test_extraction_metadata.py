"""Article extraction: the metadata rules (title, authors, publication date, top image)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from reader.extract import extract_html
from reader.extract.metadata.dates import parse_date
from tests.test_extraction import BODY, page

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


def test_jsonld_authors_given_as_references_to_person_nodes() -> None:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "NewsArticle",
                "headline": "Late trains return to the coastal line",
                "author": [{"@id": "https://gazette.example.com/#/person/1"}, {"@id": "#/person/2"}],
                "publisher": {"@id": "https://gazette.example.com/#org"},
            },
            {"@type": "Organization", "@id": "https://gazette.example.com/#org", "name": "Harbour Gazette"},
            {"@type": ["Person"], "@id": "https://gazette.example.com/#/person/1", "name": "Ines Marlow"},
        ],
    }
    # The second Person is in a block of its own, and its reference above is relative to the page.
    person = {"@type": "Person", "@id": "https://gazette.example.com/trains#/person/2", "name": "Tomas Reed"}
    html = page(
        f'<script type="application/ld+json">{json.dumps(graph)}</script>'
        f'<script type="application/ld+json">{json.dumps(person)}</script>',
        "<article><h1>Late trains return to the coastal line</h1>" + BODY + "</article>",
    )
    assert extract_html(html, "https://gazette.example.com/trains").authors == ["Ines Marlow", "Tomas Reed"]


BYLINES = {
    "deeper inside the article than its children": (
        '<div class="meta"><p><a rel="author" href="/people/im">by Ines Marlow,</a> May 2024</p></div>',
        ["Ines Marlow"],
    ),
    "a dateline's place after the name": ('<p class="byline">By Ines Marlow, Portsmouth</p>', ["Ines Marlow"]),
    "an agency, a place and a date": (
        '<div class="article-author">PTI, Portsmouth,\n Nov 20 2019, 10:18am</div>',
        ["PTI"],
    ),
    "a 'By' label beside a staff credit": (
        '<div class="author-byline">By <span>Gazette Staff</span></div><div class="author-byline-label">By</div>'
        '<p class="byline">Ines Marlow</p>',
        ["Ines Marlow"],
    ),
    "hebrew 'by'": ('<p class="byline">מאת נועה ברקוביץ</p>', ["נועה ברקוביץ"]),
    "an agency after a middle dot": ('<div class="byline">Tom Davies · Associated Press</div>', ["Tom Davies"]),
    "an agency in its own element": (
        '<div class="byline"><div>By INES MARLOW and TOMAS REED</div><div>Associated Press</div>'
        "<div>Published 11:34 PM EST Nov 19, 2019</div></div>",
        ["Ines Marlow", "Tomas Reed"],
    ),
    "names and an affiliation in one line": (
        '<div class="byline-section"><span class="author">Ines Marlow and Tomas Reed</span> Coastal Argus Leader'
        " Published 10:02 AM EST Nov 19, 2019</div>",
        ["Ines Marlow", "Tomas Reed"],
    ),
    "a job title and a handle": ('<p class="byline">Ines Marlow News reporter @inesmarlow</p>', ["Ines Marlow"]),
    "a relative time and the network": ('<p class="byline">By Ines Marlow, CNN 1 day ago</p>', ["Ines Marlow"]),
    "a byline among the article's children, no class": ("<p>By Ines Marlow</p>", ["Ines Marlow"]),
    "a label with a colon": ('<p class="author">Text: Лида Буслаева</p>', ["Лида Буслаева"]),
    "a desk is no author": ('<p class="byline">Editorial</p>', []),
}


@pytest.mark.parametrize("byline, authors", BYLINES.values(), ids=BYLINES.keys())
def test_byline_names(byline: str, authors: list[str]) -> None:
    html = page(body=f"<article><h1>Late trains</h1>{byline}{BODY}</article>")
    assert extract_html(html, "https://gazette.example.com/trains").authors == authors


def test_a_byline_under_the_headline_outside_the_article() -> None:
    html = page(
        body="<header><h1>Late trains</h1><p class='about'>Von Ines Marlow publiziert am 25. September 2018</p></header>"
        "<article>" + BODY + "</article>"
    )
    article = extract_html(html, "https://gazette.example.com/trains")
    assert article.authors == ["Ines Marlow"]
    assert article.published_at == datetime(2018, 9, 25, tzinfo=UTC)


def test_structured_data_naming_only_the_publication_gives_way_to_the_byline() -> None:
    ld = {"@type": "NewsArticle", "headline": "Late trains", "author": {"@type": "Person", "name": "Harbour Gazette"}}
    html = page(
        f'<script type="application/ld+json">{json.dumps(ld)}</script><meta property="og:site_name" content="Harbour Gazette">',
        '<article><h1>Late trains</h1><p class="byline">By Ines Marlow and Tomas Reed</p>' + BODY + "</article>",
    )
    assert extract_html(html, "https://gazette.example.com/trains").authors == ["Ines Marlow", "Tomas Reed"]


def test_a_byline_naming_more_people_than_the_structured_data_wins() -> None:
    ld = {"@type": "NewsArticle", "headline": "Late trains", "author": {"@type": "Person", "name": "Ines Marlow"}}
    html = page(
        f'<script type="application/ld+json">{json.dumps(ld)}</script>',
        '<article><h1>Late trains</h1><p class="byline">By Ines Marlow, Tomas Reed, Ada Quist</p>'
        + BODY
        + "</article>",
    )
    assert extract_html(html, "https://gazette.example.com/trains").authors == [
        "Ines Marlow",
        "Tomas Reed",
        "Ada Quist",
    ]


def test_bylines_of_other_stories_outside_the_article_are_not_its_authors() -> None:
    html = page(
        body="<aside><p class='byline'>By Tomas Reed</p></aside><article><h1>Late trains</h1><p class='byline'>By Gazette Staff</p>"
        + BODY
        + "</article>"
    )
    assert extract_html(html, "https://gazette.example.com/trains").authors == []


# --- headlines ----------------------------------------------------------------------------------


def test_the_headline_on_the_page_beats_a_title_written_for_sharing() -> None:
    html = page(
        '<meta property="og:title" content="HS Roundup: Viera beats Rockledge">',
        "<article><h1>High School Roundup: Viera beats Rockledge to stay unbeaten</h1>" + BODY + "</article>",
    )
    assert (
        extract_html(html, "https://gazette.example.com/x").title
        == "High School Roundup: Viera beats Rockledge to stay unbeaten"
    )


def test_a_site_name_or_a_teaser_in_h1_is_not_the_headline() -> None:
    for h1 in ("Harbour Gazette", "Why the reindeer herders went to court"):
        html = page(
            "<title>Late trains return to the coastal line | Harbour Gazette</title>"
            '<meta property="og:title" content="Late trains return to the coastal line">',
            f"<header><h1>{h1}</h1></header><article>" + BODY + "</article>",
        )
        assert extract_html(html, "https://gazette.example.com/x").title == "Late trains return to the coastal line", h1


# --- dates --------------------------------------------------------------------------------------


def test_nyt_published_meta_with_itemprop() -> None:
    html = page(
        '<meta property="article:published" itemprop="datePublished dateCreated" content="2019-11-18T17:56:27.000Z">'
    )
    assert extract_html(html, "https://example.org/a").published_at == datetime(2019, 11, 18, 17, 56, 27, tzinfo=UTC)


def test_a_visible_published_line_gives_date_time_and_zone() -> None:
    html = page(
        body='<article><h1>Late trains</h1><div class="byline">Tom Davies · Published 11:34 PM EST Nov 19, 2019</div>'
        + BODY
        + "</article>"
    )
    published = extract_html(html, "https://example.org/a").published_at
    assert published == datetime(2019, 11, 19, 23, 34, tzinfo=timezone(timedelta(hours=-5)))


@pytest.mark.parametrize(
    ("line", "day"),
    [
        ("Veröffentlicht am 3. März 2020", datetime(2020, 3, 3, tzinfo=UTC)),
        ("Publié le 14 juillet 2019", datetime(2019, 7, 14, tzinfo=UTC)),
        ("Publicado el 2 de septiembre de 2021", datetime(2021, 9, 2, tzinfo=UTC)),
        ("Pubblicato il 9 dicembre 2018", datetime(2018, 12, 9, tzinfo=UTC)),
    ],
)
def test_a_date_written_in_words_in_another_language(line: str, day: datetime) -> None:
    html = page(body=f'<article><h1>Late trains</h1><p class="meta">{line}</p>' + BODY + "</article>")
    assert extract_html(html, "https://example.org/a").published_at == day


def test_a_utc_time_is_shown_in_the_zone_the_page_uses() -> None:
    # 05:57 UTC on the 20th is 21:57 on the 19th in San Francisco, where the page says it was published.
    html = page(
        '<meta property="article:published_time" content="2019-11-20T05:57:50Z">',
        '<article><h1>Late trains</h1><time datetime="2019-11-20T06:01:19Z">10:01 pm PST, Tuesday, November 19, 2019</time>'
        + BODY
        + "</article>",
    )
    published = extract_html(html, "https://example.org/a").published_at
    assert published is not None
    assert published.date().isoformat() == "2019-11-19" and published.utcoffset() == timedelta(hours=-8)


def test_another_date_of_the_page_gives_its_zone() -> None:
    html = page(
        '<meta property="article:published_time" content="2019-11-19T03:05:46Z">'
        '<meta property="og:updated_time" content="2019-11-18T22:15:39-05:00">'
    )
    published = extract_html(html, "https://example.org/a").published_at
    assert published is not None and published.isoformat() == "2019-11-18T22:05:46-05:00"


def test_a_page_with_only_an_unlabelled_visible_date_gets_it_from_htmldate() -> None:
    html = page(body='<article><h1>Late trains</h1><p class="post-date">October 5, 2018</p>' + BODY + "</article>")
    assert extract_html(html, "https://example.org/a").published_at == datetime(2018, 10, 5, tzinfo=UTC)


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


LAZY_IMAGES = {
    "placeholder gif, real one in data-src": '<img src="/static/blank.gif" data-src="/photos/heron-1200.jpg">',
    "data: URI, real one in data-lazy-src": '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" '
    'data-lazy-src="/photos/heron-1200.jpg">',
    "no src, real one in data-original": '<img data-original="/photos/heron-1200.jpg" alt="A heron">',
    "1x1 src, only a data-srcset": '<img src="/img/spacer.gif" width="1" height="1" '
    'data-srcset="/photos/heron-600.jpg 600w, /photos/heron-1200.jpg 1200w, /photos/heron-900.jpg 900w">',
    "a picture whose source has the real set": '<picture><source data-srcset="/photos/heron-1200.jpg 2x">'
    '<img src="data:image/svg+xml,%3Csvg%3E%3C/svg%3E"></picture>',
    "a placeholder first, the real one in a noscript fallback": '<img src="/img/lazy-placeholder.png">'
    '<noscript><img src="/photos/heron-1200.jpg"></noscript>',
}


@pytest.mark.parametrize("post", ["<article>", '<div class="post-body">'], ids=["article", "blog post"])
@pytest.mark.parametrize("markup", LAZY_IMAGES.values(), ids=LAZY_IMAGES.keys())
def test_top_image_of_a_lazy_loaded_picture_is_the_real_one(markup: str, post: str) -> None:
    end = "</" + post[1:].split()[0].rstrip(">") + ">"
    html = page(body=f'<img src="/logo.png">{post}<h1>Herons return</h1><figure>{markup}</figure>{BODY}{end}')
    assert extract_html(html, "https://marsh.example.org/news/herons").top_image == (
        "https://marsh.example.org/photos/heron-1200.jpg"
    )


def test_an_image_named_like_a_placeholder_word_is_still_a_photo() -> None:
    html = page(body='<article><img src="/photos/pixel-7-review.jpg">' + BODY + "</article>")
    assert extract_html(html, "https://example.org/a").top_image == "https://example.org/photos/pixel-7-review.jpg"
