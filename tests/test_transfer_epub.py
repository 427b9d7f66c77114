"""One article as Markdown, as plain text and as EPUB 3; a book of many. The EPUB is opened as the zip
an e-reader opens, and checked by Debian's ``epubcheck`` when it is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime
from io import BytesIO

import pytest
import yaml
from django.contrib.auth import get_user_model
from lxml import etree

from reader.transfer.exporters import article_epub, article_markdown, article_text, epub_bytes
from tests.factories import add_summary, make_article

pytestmark = pytest.mark.django_db

TEXT = (
    "The ferry to Orrin Island will run every hour from May.\n"
    "What changes for riders\n"
    "• Tickets can be bought on board.\n"
    "• Bicycles travel free.\n"
    "The harbour board said the new timetable follows a year of complaints. It costs little.\n"
    "# not a heading, a line of text that starts with a hash.\n"
)
OPF = "{http://www.idpf.org/2007/opf}"
XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture
def article():
    user = get_user_model().objects.create_user("reeve")
    article = make_article(
        user,
        "Ferries every hour <from May>",
        text=TEXT,
        tags=["travel", "Islands"],
        authors=["Ada Quill"],
        language="en",
        published_at=datetime(2024, 4, 2, 9, 30, tzinfo=UTC),
        notes="> Tickets can be bought on board.\n\nGood news for the **island**. <script>alert(1)</script>",
    )
    add_summary(article, ["The ferry to Orrin Island will run every hour from May."])
    return article


def test_markdown_has_front_matter_summary_headings_lists_and_notes(article):
    text = article_markdown(article)
    _, head, body = text.split("---\n", 2)
    meta = yaml.safe_load(head)
    assert meta["title"] == "Ferries every hour <from May>" and meta["url"] == article.url
    assert meta["tags"] == ["Islands", "travel"] and meta["authors"] == ["Ada Quill"]
    assert meta["published"].startswith("2024-04-02T09:30") and meta["saved"].endswith("Z")
    assert "## Summary\n\n- The ferry to Orrin Island will run every hour from May." in body
    assert "## What changes for riders" in body
    assert "- Tickets can be bought on board.\n- Bicycles travel free." in body
    assert "\\# not a heading" in body  # a line of text stays a paragraph
    assert body.rstrip().endswith("<script>alert(1)</script>")  # notes kept as written


def test_plain_text_has_title_source_summary_text_and_notes(article):
    text = article_text(article)
    lines = text.splitlines()
    assert lines[:3] == ["Ferries every hour <from May>", article.url, "By Ada Quill"]
    assert "* The ferry to Orrin Island will run every hour from May." in text
    assert "Bicycles travel free." in text and "Good news for the **island**." in text


def _open_book(data: bytes) -> tuple[zipfile.ZipFile, etree._Element, str]:
    book = zipfile.ZipFile(BytesIO(data))
    first = book.infolist()[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert book.read("mimetype") == b"application/epub+zip"
    container = etree.fromstring(book.read("META-INF/container.xml"))
    rootfile = container.find(".//{urn:oasis:names:tc:opendocument:xmlns:container}rootfile")
    assert rootfile is not None and rootfile.get("media-type") == "application/oebps-package+xml"
    opf_path = rootfile.get("full-path")
    package = etree.fromstring(book.read(opf_path))
    assert package.get("version") == "3.0"
    return book, package, opf_path.rpartition("/")[0]


def test_epub_of_one_article_is_a_valid_package_with_navigation(article):
    book, package, base = _open_book(article_epub(article))
    assert package.findtext(".//{http://purl.org/dc/elements/1.1/}title") == article.title
    assert package.findtext(".//{http://purl.org/dc/elements/1.1/}language") == "en"
    assert package.findtext(".//{http://purl.org/dc/elements/1.1/}creator") == "Ada Quill"
    items = {i.get("id"): i for i in package.iter(f"{OPF}item")}
    nav = [i for i in items.values() if "nav" in (i.get("properties") or "").split()]
    assert len(nav) == 1
    nav_doc = etree.fromstring(book.read(f"{base}/{nav[0].get('href')}"))
    assert [a.text for a in nav_doc.iter(f"{XHTML}a")] == [article.title]
    chapter = next(i for i in items.values() if i.get("href", "").startswith("article-"))
    page = etree.fromstring(book.read(f"{base}/{chapter.get('href')}"))
    texts = [" ".join(el.itertext()) for el in page.iter(f"{XHTML}h1", f"{XHTML}h2", f"{XHTML}li", f"{XHTML}p")]
    assert texts[0] == article.title and "Summary" in texts
    assert "What changes for riders" in texts and "Bicycles travel free." in texts
    assert any(article.url in t for t in texts)
    assert page.find(f".//{XHTML}script") is None  # the note's tag is text, not markup
    assert any("<script>" in t for t in texts)


def test_epub_of_many_articles_has_a_chapter_each_in_order(article):
    other = make_article(article.owner, "Second story", text="Another line of text here.")
    book, package, _ = _open_book(epub_bytes([article, other], title="Travel"))
    spine = [ref.get("idref") for ref in package.iter(f"{OPF}itemref")]
    assert spine == ["nav", "article-1", "article-2"]
    assert package.findtext(".//{http://purl.org/dc/elements/1.1/}title") == "Travel"


def test_epub_without_articles_says_so():
    book, package, base = _open_book(epub_bytes([], title="Nothing here"))
    assert any(b"No articles." in book.read(name) for name in book.namelist() if name.endswith(".xhtml"))


def _epubcheck(data: bytes, tmp_path) -> None:
    """Debian's epubcheck (``apt-get install epubcheck``), the W3C's EPUB validator, accepts ``data``."""
    found = shutil.which("epubcheck")
    if found is None or shutil.which("java") is None:
        pytest.skip("epubcheck is not installed (apt-get install epubcheck): the zip checks above still ran")
    # Debian's /usr/bin/epubcheck is a link to the jar itself, runnable only where binfmt knows jars.
    command = ["java", "-jar", os.path.realpath(found)] if os.path.realpath(found).endswith(".jar") else [found]
    path = tmp_path / "book.epub"
    path.write_bytes(data)
    done = subprocess.run([*command, str(path)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
@pytest.mark.e2e  # a real program outside Python (Java's start alone takes seconds): not in the fast subset
def test_epubcheck_accepts_the_book(article, tmp_path):
    other = make_article(article.owner, "Second story", text="Another line of text here.")
    _epubcheck(epub_bytes([article, other], title="Two stories"), tmp_path)


AWKWARD_TITLE = "Tom & Jerry <live>: \"quotes\", 'apostrophes' — Ça va, 東京?"
AWKWARD_AUTHORS = ["Zoë O'Brien & Sons", 'Ada "the <Quill>"', "李 小龍"]


@pytest.fixture
def awkward(article):
    return make_article(
        article.owner,
        AWKWARD_TITLE,
        text="A short text & more < less.\nSecond paragraph, “curly” too.",
        authors=AWKWARD_AUTHORS,
        language="en",
    )


def test_epub_names_each_author_apart_and_escapes_titles_and_names(awkward):
    book, package, base = _open_book(article_epub(awkward))
    dc = "{http://purl.org/dc/elements/1.1/}"
    assert [c.text for c in package.iter(f"{dc}creator")] == AWKWARD_AUTHORS
    assert package.findtext(f".//{dc}title") == AWKWARD_TITLE
    items = [i.get("href") for i in package.iter(f"{OPF}item")]
    page = etree.fromstring(book.read(f"{base}/{next(h for h in items if h.startswith('article-'))}"))
    assert page.findtext(f".//{XHTML}h1") == AWKWARD_TITLE
    assert any(", ".join(AWKWARD_AUTHORS) in "".join(p.itertext()) for p in page.iter(f"{XHTML}p"))
    nav = etree.fromstring(book.read(f"{base}/{next(h for h in items if 'nav' in h)}"))
    assert [a.text for a in nav.iter(f"{XHTML}a")] == [AWKWARD_TITLE]
    ncx = etree.fromstring(book.read(f"{base}/{next(h for h in items if h.endswith('.ncx'))}"))
    assert AWKWARD_TITLE in ["".join(t.itertext()) for t in ncx.iter("{http://www.daisy.org/z3986/2005/ncx/}text")]


@pytest.mark.slow
@pytest.mark.e2e
def test_epubcheck_accepts_several_authors_and_awkward_titles(article, awkward, tmp_path):
    _epubcheck(article_epub(awkward), tmp_path)
    _epubcheck(epub_bytes([awkward, article], title=AWKWARD_TITLE), tmp_path)
