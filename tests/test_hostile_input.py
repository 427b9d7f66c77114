"""Hostile pastes: every bad piece is named next to the form, the good ones are saved, nothing
already saved is lost, and the work is bounded (a fixed number of queries whatever the paste).

Runs on both engines in CI; on PostgreSQL an unchecked URL over 2,048 characters, a NUL byte or a
300-character host used to give HTTP 500 and roll the whole paste back.
"""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reader.extract import ExtractionError, extract
from reader.extract import pdf as pdf_module
from reader.models import Article
from reader.pipeline.saving import save_urls
from reader.pipeline.tasks import process_article
from summaries.models import Summary
from tests.pdfs import one_line_pdf, pdf_bytes, shared_stream_pdf, text_operators
from tests.sample_pages import FERRY

pytestmark = pytest.mark.django_db

GOOD = ["https://news.example.com/a", "https://news.example.com/b"]


def _paste(client, text: str, **headers):
    return client.post(reverse("reader:article-save"), {"urls": text}, follow=True, **headers)


@pytest.mark.parametrize(
    "bad",
    [
        "https://news.example.com/" + "x" * 2100,  # longer than a URL column
        "https://news.example.com/a\x00b",  # a NUL byte
        "https://" + "a" * 300 + ".example.com/",  # a host longer than DNS allows
        "https://" + ("label." * 60) + "example.com/",  # too many labels for 253 characters
        "https://news.example.com/\x07bell",  # another control character
    ],
    ids=["long-url", "nul", "long-host", "long-name", "control"],
)
def test_a_bad_piece_is_named_and_the_good_links_are_saved(client, alice, bad):
    page = _paste(client, "\n".join([GOOD[0], bad, GOOD[1]])).content.decode()
    assert sorted(Article.objects.filter(owner=alice).values_list("url", flat=True)) == GOOD
    assert 'class="msg error"' in page and "Saved 2 links." in page


def test_a_paste_over_the_size_limit_saves_nothing_and_keeps_the_text(client, alice, settings):
    settings.DIGEST_PASTE_MAX_CHARS = 5000
    text = "\n".join(GOOD + ["https://news.example.com/" + "y" * 80] * 60)
    page = _paste(client, text, HTTP_HX_REQUEST="true").content.decode()
    assert not Article.objects.filter(owner=alice).exists()
    assert "the limit is 5,000" in page
    assert GOOD[0] in page.split("<textarea", 1)[1].split("</textarea>", 1)[0]  # still in the box


def test_links_past_the_per_paste_limit_are_left_in_the_box(client, alice, settings):
    settings.DIGEST_PASTE_MAX_LINKS = 5
    links = [f"https://news.example.com/story-{n}" for n in range(8)]
    page = _paste(client, "\n".join(links), HTTP_HX_REQUEST="true").content.decode()
    assert Article.objects.filter(owner=alice).count() == 5
    assert "3 more links were not saved: one paste takes at most 5." in page
    box = page.split("<textarea", 1)[1].split("</textarea>", 1)[0]
    assert all(link in box for link in links[5:]) and links[0] not in box


def test_a_form_too_large_to_read_gets_a_readable_page(client, alice, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = client.post(reverse("reader:article-save"), {"urls": "https://news.example.com/" + "z" * 20_000})
    assert response.status_code == 400
    assert "That was too much to send at once" in response.content.decode()
    assert not Article.objects.filter(owner=alice).exists()


def test_saving_costs_about_the_same_queries_for_ten_links_as_for_four_hundred(client, alice):
    def queries_for(count: int, offset: int) -> int:
        links = "\n".join(f"https://news.example.com/s{offset + n}" for n in range(count))
        with CaptureQueriesContext(connection) as captured:
            _paste(client, links, HTTP_HX_REQUEST="true")
        return len(captured)

    few, many = queries_for(10, 0), queries_for(400, 1000)
    assert Article.objects.filter(owner=alice).count() == 410
    # The same reads; the rows go in one INSERT (PostgreSQL) or one per few dozen rows (SQLite's limit
    # of 999 variables a statement). 100 links cost 402 queries before.
    assert many <= few + 400 // 25


def test_a_paste_that_repeats_a_link_saves_it_once(client, alice):
    _paste(client, "\n".join([GOOD[0], GOOD[0] + "/", GOOD[0] + "?utm_source=x"]))
    assert Article.objects.filter(owner=alice).count() == 1


@pytest.mark.parametrize(
    "image", ["javascript:alert(document.cookie)", "data:image/png;base64,AAAA", "file:///etc/passwd"]
)
def test_a_lead_image_that_is_not_a_web_address_is_never_kept(alice, http_server, image):
    page = FERRY.read_bytes().replace(b"<head>", f'<head><meta property="og:image" content="{image}">'.encode(), 1)
    url = http_server.add(FERRY.path, page, headers={"Content-Type": "text/html"})
    article = save_urls(user=alice, text=url).created[0]
    process_article(article.pk)
    article.refresh_from_db()
    assert article.status == Article.Status.READY
    # None, or another image of the page: always an http(s) address.
    assert image not in article.top_image
    assert article.top_image == "" or article.top_image.startswith(("http://", "https://"))


def test_opening_article_pages_starts_only_a_few_summary_variants_at_once(client, alice, settings):
    settings.DIGEST_MAX_PENDING_VARIANTS = 2
    article = Article.objects.create(
        owner=alice,
        url="https://news.example.com/x",
        canonical_url="https://news.example.com/x",
        status=Article.Status.READY,
        text="One sentence here. Another sentence there. A third one.",
    )
    url = reverse("reader:article-detail", args=[article.pk])
    for n in (1, 2, 3, 4):  # a GET each; a script could ask for every variant there is
        page = client.get(url, {"algorithm": "luhn", "sentences": n}).content.decode()
    assert Summary.objects.filter(article=article, status=Summary.Status.PENDING).count() == 2
    assert "other summaries are being computed for you" in page


# --- Hostile PDFs: a budget of pages, content bytes and seconds -----------------------------------------


def _pdf(body: bytes):
    return extract(body, "https://example.org/files/report.pdf", content_type="application/pdf")


def test_pages_that_share_one_content_stream_are_read_once():
    lines = [f"Line {n} of the harbour report says the quay lamps were mended" for n in range(40)]
    started = time.process_time()
    article = _pdf(pdf_bytes([text_operators(lines)], pages=[0] * 8))
    assert article.text.count("Line 7 of the harbour report") == 1
    # 8 pages sharing one 5 MB stream (16 KB of file) took pypdf 82 s, and over 10 minutes loaded.
    with pytest.raises(ExtractionError) as error:
        _pdf(shared_stream_pdf())
    assert time.process_time() - started < 10
    assert error.value.code == "pdf_too_large"
    assert str(error.value) == "This PDF's pages are too large to read (over 2 MB of content on a page)."


def test_a_pdf_that_inflates_to_one_huge_line_fails_readably_and_fast():
    body = one_line_pdf()
    assert len(body) < 30_000  # 10.8 MB of content once inflated
    started = time.process_time()
    with pytest.raises(ExtractionError, match="too large to read"):
        _pdf(body)
    assert time.process_time() - started < 5


def test_the_pages_read_stop_at_the_budget_and_keep_what_was_read(monkeypatch):
    body = pdf_bytes([text_operators([f"Page {n} text is here."]) for n in range(5)])
    assert "Page 4 text" in _pdf(body).text
    monkeypatch.setattr(pdf_module, "PDF_BUDGET", pdf_module.PdfBudget(pages=2))
    text = _pdf(body).text
    assert "Page 1 text" in text and "Page 2 text" not in text
    monkeypatch.setattr(pdf_module, "PDF_BUDGET", pdf_module.PdfBudget(seconds=0.0))
    assert _pdf(body).text == "Page 0 text is here."  # no page is started after the time is up
    monkeypatch.setattr(pdf_module, "PDF_BUDGET", pdf_module.PdfBudget(page_content_bytes=10))
    with pytest.raises(ExtractionError, match="too large to read"):
        _pdf(body)
